using System.Net;
using Dapper;
using Npgsql;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Audit;
using OpsBoard.Data.Matters;

namespace OpsBoard.Data.Personal;

/// <summary>
/// A petitioner as one user may see them. <see cref="InClear"/>: name, phone and earlier names as registered; otherwise
/// masked (张*明, 138****5678). The ID number is always masked, from the decrypted number; a full one only through
/// <see cref="PetitionerCards.RevealForMatterAsync"/> or <see cref="PetitionerCards.RevealForTicketAsync"/>.
/// </summary>
public sealed record PetitionerCard(long Id, string Name, string? Phone, string? IdNumber, IReadOnlyList<string> FormerNames,
    bool InClear, bool MayRevealIdNumber);

/// <summary>A petitioner row as stored: the ID number still sealed.</summary>
public sealed record PetitionerRecord(long Id, string Name, string? Phone, byte[]? IdNumberEnc);

/// <summary>
/// The one rule for who sees what of a petitioner, and the audited reveal of a full ID number. The wall and the hall
/// never ask: they show no petitioner at all.
/// </summary>
public sealed class PetitionerCards(NpgsqlDataSource dataSource, PersonalDataProtector protector)
{
    /// <summary>The columns <see cref="PetitionerRecord"/> reads, from a petitioner aliased <c>p</c>.</summary>
    public const string RecordColumns = "p.id, p.name, p.phone, p.id_number_enc AS IdNumberEnc";

    /// <summary>
    /// What <paramref name="actor"/> sees of a petitioner whose matter (or visit) belongs to <paramref name="unitId"/>
    /// (null: a center's, not yet assigned, or a visit at the center's floor).
    /// </summary>
    public PetitionerCard Show(Actor actor, int? unitId, PetitionerRecord petitioner, IEnumerable<string> formerNames)
    {
        var inClear = actor.May(Permission.ViewPetitionerContact, unitId);
        string Shown(string name) => inClear ? name : PersonalMask.Name(name);
        return new PetitionerCard(
            petitioner.Id,
            Shown(petitioner.Name),
            inClear ? petitioner.Phone : PersonalMask.Phone(petitioner.Phone),
            petitioner.IdNumberEnc is null ? null : PersonalMask.IdNumber(protector.Decrypt(petitioner.IdNumberEnc)),
            [.. formerNames.Where(n => n != petitioner.Name).Select(Shown)],
            inClear,
            petitioner.IdNumberEnc is not null && actor.May(Permission.RevealIdNumber, unitId));
    }

    /// <summary>The petitioner of a matter the actor may view (the file checked that), or null when none is registered.</summary>
    public async Task<PetitionerCard?> OfMatterAsync(Actor actor, long matterId)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        var found = await MatterPetitionerAsync(connection, actor, matterId);
        return found is { } f ? await ShowAsync(connection, actor, f.UnitId, f.Petitioner) : null;
    }

    /// <summary>The principal of the ticket at the window the actor is signed in to, or null when it is not there.</summary>
    public async Task<PetitionerCard?> OfTicketAsync(Actor actor, long ticketId)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        var petitioner = await TicketPetitionerAsync(connection, actor, ticketId);
        return petitioner is null ? null : await ShowAsync(connection, actor, null, petitioner);
    }

    async Task<PetitionerCard> ShowAsync(NpgsqlConnection connection, Actor actor, int? unitId, PetitionerRecord petitioner)
    {
        var former = await Petitioners.FormerNamesAsync(connection, [petitioner.Id]);
        return Show(actor, unitId, petitioner, former[petitioner.Id]);
    }

    /// <summary>
    /// "显示完整证件号" on a matter's file: the matter's own petitioner, for a user who may view the matter and reveal;
    /// written to the operation log (who, when, which petitioner, from which matter) before it is returned.
    /// </summary>
    public async Task<string> RevealForMatterAsync(Actor actor, long matterId, IPAddress? remoteIp = null)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        var found = await MatterPetitionerAsync(connection, actor, matterId) ?? throw new RefusedException("该信访事项没有登记信访人。");
        await PermissionGuard.RequireAsync(dataSource, actor, Permission.ViewMatters, found.UnitId, "matter", matterId);
        await PermissionGuard.RequireAsync(dataSource, actor, Permission.RevealIdNumber, found.UnitId, "petitioner", found.Petitioner.Id);
        return await RevealAsync(connection, actor, found.UnitId, found.Petitioner, new { matterId }, remoteIp);
    }

    /// <summary>"显示完整证件号" at a window: only for the ticket at the window the actor is signed in to now.</summary>
    public async Task<string> RevealForTicketAsync(Actor actor, long ticketId, IPAddress? remoteIp = null)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await PermissionGuard.RequireAsync(dataSource, actor, Permission.RevealIdNumber, null, "ticket", ticketId);
        var petitioner = await TicketPetitionerAsync(connection, actor, ticketId)
            ?? throw new RefusedException("这个号不在您签到的窗口办理，不能显示来访人的证件号。");
        return await RevealAsync(connection, actor, null, petitioner, new { ticketId }, remoteIp);
    }

    async Task<string> RevealAsync(NpgsqlConnection connection, Actor actor, int? unitId, PetitionerRecord petitioner, object where,
        IPAddress? remoteIp)
    {
        if (petitioner.IdNumberEnc is null)
        {
            throw new RefusedException("该信访人没有登记身份证号码。");
        }

        var number = protector.Decrypt(petitioner.IdNumberEnc);
        await AuditLog.WriteAsync(connection, null, new AuditEntry(RevealAction, actor.CenterId, actor.UserId, SubjectKind: "petitioner",
            SubjectId: petitioner.Id, UnitId: unitId, Detail: where, RemoteIp: remoteIp));
        return number.Value;
    }

    /// <summary>The operation-log action of a full ID number shown to someone.</summary>
    public const string RevealAction = "petitioner.reveal_id_number";

    sealed record MatterPetitionerRow(int? UnitId, long Id, string Name, string? Phone, byte[]? IdNumberEnc, bool IsAccusation);

    static async Task<(int? UnitId, PetitionerRecord Petitioner)?> MatterPetitionerAsync(NpgsqlConnection connection, Actor actor, long matterId)
    {
        const string sql = $"""
            SELECT m.responsible_unit_id AS UnitId, {RecordColumns}, m.is_accusation AS IsAccusation
            FROM matter m
            JOIN petitioner p ON p.id = m.petitioner_id
            WHERE m.id = @matterId AND m.center_id = @CenterId
            """;
        var row = await connection.QuerySingleOrDefaultAsync<MatterPetitionerRow>(sql, new { matterId, actor.CenterId });
        // 条例 第三十条: an accuser is not shown, not even masked, to a reader who sees the accusation redacted.
        if (row is { IsAccusation: true }
            && Accusations.RedactedFor(actor, await Accusations.DisciplineUnitAsync(connection, null, actor.CenterId)))
        {
            return null;
        }

        return row is null ? null : (row.UnitId, new PetitionerRecord(row.Id, row.Name, row.Phone, row.IdNumberEnc));
    }

    /// <summary>A ticket called, served or held at a window whose open session is the actor's.</summary>
    static Task<PetitionerRecord?> TicketPetitionerAsync(NpgsqlConnection connection, Actor actor, long ticketId)
    {
        const string sql = $"""
            SELECT {RecordColumns}
            FROM ticket t
            JOIN window_session s ON s.window_id = t.window_id AND s.ended_at IS NULL AND s.user_id = @UserId
            JOIN visit v ON v.id = t.visit_id
            JOIN petitioner p ON p.id = v.petitioner_id
            WHERE t.id = @ticketId AND t.center_id = @CenterId AND t.state IN ('called', 'serving', 'on_hold')
            """;
        return connection.QuerySingleOrDefaultAsync<PetitionerRecord>(sql, new { ticketId, actor.UserId, actor.CenterId });
    }
}
