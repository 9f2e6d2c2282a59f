using System.Collections.Concurrent;
using Dapper;
using Npgsql;
using OpsBoard.Data.Audit;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Personal;
using OpsBoard.Data.Postgres;

namespace OpsBoard.Data.Reception;

/// <summary>
/// A petitioner found at the desk, as this user may see them, with the locality on file. <see cref="Identified"/>: found
/// by ID number or by name and phone — not on a name alone, so the phone on file was not shown.
/// </summary>
public sealed record PetitionerFound(PetitionerCard Card, string? Locality, bool Identified);

/// <summary>
/// What a look-up found. <see cref="SameNameOtherPhone"/>: nobody with that name and phone, but someone with that name —
/// said, so the clerk asks again, without showing the phone on file.
/// </summary>
public sealed record DeskLookup(IReadOnlyList<PetitionerFound> Found, bool SameNameOtherPhone);

public sealed record PastVisit(long VisitId, DateOnly Day, string? MatterCode, string? Category, string Level, int Headcount, bool IsFirstVisit);

public sealed record OpenMatter(long Id, string Code, string Category, string Summary, string Status, DateTime ReceivedAt, string? Unit);

public sealed record PetitionerHistory(PetitionerFound Petitioner, IReadOnlyList<PastVisit> Visits, IReadOnlyList<OpenMatter> OpenMatters);

public sealed record Choice(string Value, string Text, string? GroupName);

/// <summary>Every list the desk form picks from.</summary>
public sealed record DeskChoices(IReadOnlyList<Choice> Categories, IReadOnlyList<Choice> ServiceLines, IReadOnlyList<Choice> Localities,
    IReadOnlyList<Choice> WaitingAreas);

public sealed record TicketView(long Id, string Number, string LineName, DateTime IssuedAt, bool Priority, int AheadOfIt, string CenterName);

/// <summary>What the registration desk looks up before it issues anything.</summary>
public sealed class DeskQueries(NpgsqlDataSource dataSource, PersonalDataProtector protector, PetitionerCards cards)
{
    readonly ConcurrentDictionary<int, DeskChoices> lastChoices = new();

    public const int MaxFound = 20;

    /// <summary>Earlier visits listed at the desk, newest first.</summary>
    public const int VisitsShown = 50;

    sealed record FoundRow(long Id, string Name, string? Phone, byte[]? IdNumberEnc, string? Locality);

    /// <summary>
    /// By ID number (exact, through its keyed hash), or by name and, if given, phone. A person identified by the ID
    /// number or by the phone itself is shown as the matrix allows; a match on the name alone shows the phone masked,
    /// or any name typed at the desk would hand out that person's phone.
    /// </summary>
    public async Task<DeskLookup> FindAsync(Actor actor, string? idNumber, string? name, string? phone, CancellationToken cancellationToken = default,
        System.Net.IPAddress? remoteIp = null)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var lookup = await LookUpAsync(connection, actor, idNumber, name, phone);
        // Who searched for whom (条例 第三十条: a petitioner's identity is confidential); the terms masked, as a list shows them.
        await AuditLog.WriteAsync(connection, null, new AuditEntry("desk.search", actor.CenterId, actor.UserId, RemoteIp: remoteIp,
            Detail: new
            {
                by = !string.IsNullOrWhiteSpace(idNumber) ? "id_number" : string.IsNullOrWhiteSpace(phone) ? "name" : "name_phone",
                idNumber = !string.IsNullOrWhiteSpace(idNumber) && ChineseIdNumber.TryParse(idNumber, out var typed, out _) ? PersonalMask.IdNumber(typed) : null,
                name = string.IsNullOrWhiteSpace(name) ? null : PersonalMask.Name(name),
                phone = PersonalMask.Phone(phone),
                found = lookup.Found.Count,
            }));
        return lookup;
    }

    async Task<DeskLookup> LookUpAsync(NpgsqlConnection connection, Actor actor, string? idNumber, string? name, string? phone)
    {
        if (!string.IsNullOrWhiteSpace(idNumber))
        {
            var number = ChineseIdNumber.Parse(idNumber);
            const string byId = $"""
                SELECT {PetitionerCards.RecordColumns}, u.name AS Locality
                FROM petitioner p
                LEFT JOIN unit u ON u.id = p.locality_id
                WHERE p.center_id = @CenterId AND p.id_number_hash = @hash
                """;
            var rows = await connection.QueryAsync<FoundRow>(byId, new { actor.CenterId, hash = protector.LookupHash(number) });
            return new DeskLookup(await ShowAsync(connection, actor, [.. rows], identified: true), false);
        }

        const string byName = $"""
            SELECT {PetitionerCards.RecordColumns}, u.name AS Locality
            FROM petitioner p
            LEFT JOIN unit u ON u.id = p.locality_id
            WHERE p.center_id = @CenterId AND p.name = @name AND (@phone::text IS NULL OR p.phone = @phone)
            ORDER BY p.id
            LIMIT @MaxFound
            """;
        var trimmedName = name?.Trim();
        var trimmedPhone = string.IsNullOrWhiteSpace(phone) ? null : phone.Trim();
        var found = (await connection.QueryAsync<FoundRow>(byName, new { actor.CenterId, name = trimmedName, phone = trimmedPhone, MaxFound })).ToList();
        var sameNameOtherPhone = found.Count == 0 && trimmedPhone is not null && await connection.ExecuteScalarAsync<bool>(
            "SELECT EXISTS (SELECT 1 FROM petitioner WHERE center_id = @CenterId AND name = @name)", new { actor.CenterId, name = trimmedName });
        return new DeskLookup(await ShowAsync(connection, actor, found, identified: trimmedPhone is not null), sameNameOtherPhone);
    }

    async Task<IReadOnlyList<PetitionerFound>> ShowAsync(NpgsqlConnection connection, Actor actor, IReadOnlyList<FoundRow> rows, bool identified)
    {
        var former = await Petitioners.FormerNamesAsync(connection, [.. rows.Select(r => r.Id)]);
        return [.. rows.Select(r =>
        {
            // The desk's visits are the center's own (no unit): the clerk and the duty leader see them in clear.
            var card = cards.Show(actor, null, new PetitionerRecord(r.Id, r.Name, r.Phone, r.IdNumberEnc), former[r.Id]);
            return new PetitionerFound(identified ? card : card with { Phone = PersonalMask.Phone(r.Phone) }, r.Locality, identified);
        })];
    }

    public async Task<PetitionerHistory> HistoryAsync(Actor actor, PetitionerFound petitioner, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var visits = await VisitsAsync(connection, actor.CenterId, petitioner.Card.Id);
        var matters = await OpenMattersAsync(connection, actor.CenterId, petitioner.Card.Id);
        return new PetitionerHistory(petitioner, visits, matters);
    }

    /// <summary>
    /// Visits where this person was the principal or one of the named visitors, newest first, leaving out
    /// <paramref name="exceptVisitId"/> (the visit being served). Shared by the desk and the window.
    /// </summary>
    public static async Task<IReadOnlyList<PastVisit>> VisitsAsync(NpgsqlConnection connection, int centerId, long petitionerId,
        long? exceptVisitId = null, int limit = VisitsShown)
    {
        const string sql = """
            SELECT v.id AS VisitId, v.visit_day AS Day, m.code AS MatterCode, c.name AS Category, v.level, v.headcount,
                   v.is_first_visit AS IsFirstVisit
            FROM visit v
            LEFT JOIN matter m ON m.id = v.matter_id
            LEFT JOIN matter_category c ON c.code = m.category
            WHERE v.center_id = @centerId
              AND (v.petitioner_id = @petitionerId
                   OR EXISTS (SELECT 1 FROM visit_person vp WHERE vp.visit_id = v.id AND vp.petitioner_id = @petitionerId))
              AND (@exceptVisitId::bigint IS NULL OR v.id <> @exceptVisitId)
            ORDER BY v.arrived_at DESC
            LIMIT @limit
            """;
        return [.. await connection.QueryAsync<PastVisit>(sql, new { centerId, petitionerId, exceptVisitId, limit })];
    }

    /// <summary>The person's matters still being handled, newest first.</summary>
    public static async Task<IReadOnlyList<OpenMatter>> OpenMattersAsync(NpgsqlConnection connection, int centerId, long petitionerId)
    {
        const string sql = """
            SELECT m.id, m.code, c.name AS Category, m.summary, m.status, m.received_at AS ReceivedAt, u.name AS Unit
            FROM matter m
            JOIN matter_category c ON c.code = m.category
            LEFT JOIN unit u ON u.id = m.responsible_unit_id
            WHERE m.center_id = @centerId AND m.petitioner_id = @petitionerId
              AND m.closed_at IS NULL AND m.status NOT IN ('not_accepted', 'finalized')
            ORDER BY m.received_at DESC
            """;
        return [.. await connection.QueryAsync<OpenMatter>(sql, new { centerId, petitionerId })];
    }

    /// <summary>
    /// The desk form's lists, read fresh. The lists last read are kept per center and answered only while the database
    /// cannot be reached, so a registration posted during an outage is shown back with every choice the clerk made.
    /// </summary>
    public async Task<DeskChoices> FormChoicesAsync(int centerId)
    {
        try
        {
            var choices = new DeskChoices(
                await CategoriesAsync(), await ServiceLinesAsync(centerId), await LocalitiesAsync(centerId), await WaitingAreasAsync(centerId));
            lastChoices[centerId] = choices;
            return choices;
        }
        catch (Exception e) when (DatabaseOutage.Is(e) && lastChoices.TryGetValue(centerId, out var last))
        {
            return last;
        }
    }

    public async Task<IReadOnlyList<Choice>> CategoriesAsync() =>
        await ChoicesAsync("SELECT code AS Value, name AS Text, NULL::text AS GroupName FROM matter_category ORDER BY sort", new { });

    public async Task<IReadOnlyList<Choice>> ServiceLinesAsync(int centerId) =>
        await ChoicesAsync("""
            SELECT id::text AS Value, code || ' ' || name AS Text, NULL::text AS GroupName
            FROM service_line
            WHERE center_id = @centerId AND active
            ORDER BY code
            """, new { centerId });

    /// <summary>Villages grouped under their street or town, for the locality picker.</summary>
    public async Task<IReadOnlyList<Choice>> LocalitiesAsync(int centerId) =>
        await ChoicesAsync("""
            SELECT v.id::text AS Value, v.name AS Text, s.name AS GroupName
            FROM unit v
            JOIN unit s ON s.id = v.parent_id
            WHERE v.center_id = @centerId AND v.kind = 'village' AND v.active
            ORDER BY s.code, v.code
            """, new { centerId });

    /// <summary>Units an accusation may name (检举控告): departments, streets and towns, and each one's villages and communities.</summary>
    public async Task<IReadOnlyList<Choice>> AccusableUnitsAsync(int centerId) =>
        await ChoicesAsync("""
            SELECT u.id::text AS Value, u.name AS Text,
                   CASE WHEN u.kind = 'department' THEN '县直部门'
                        WHEN u.kind IN ('street', 'town') THEN '镇街'
                        ELSE p.name || '辖区' END AS GroupName
            FROM unit u
            LEFT JOIN unit p ON p.id = u.parent_id
            WHERE u.center_id = @centerId AND u.active AND u.kind <> 'petition_office'
            ORDER BY u.kind <> 'department', u.parent_id IS NOT NULL, coalesce(p.code, u.code), u.code
            """, new { centerId });

    public async Task<IReadOnlyList<Choice>> WaitingAreasAsync(int centerId) =>
        await ChoicesAsync("SELECT id::text AS Value, name || '（' || seats || ' 座）' AS Text, NULL::text AS GroupName FROM waiting_area WHERE center_id = @centerId ORDER BY id", new { centerId });

    async Task<IReadOnlyList<Choice>> ChoicesAsync(string sql, object parameters)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        return [.. await connection.QueryAsync<Choice>(sql, parameters)];
    }

    public async Task<TicketView?> TicketAsync(int centerId, long ticketId, CancellationToken cancellationToken = default)
    {
        const string sql = """
            SELECT t.id, t.number, l.name AS LineName, t.issued_at AS IssuedAt, t.priority,
                   (SELECT count(*)::int FROM ticket o
                    WHERE o.service_line_id = t.service_line_id AND o.issued_on = t.issued_on AND o.state = 'waiting'
                      AND (o.priority > t.priority OR (o.priority = t.priority AND (o.queue_at, o.id) < (t.queue_at, t.id)))) AS AheadOfIt,
                   c.name AS CenterName
            FROM ticket t
            JOIN service_line l ON l.id = t.service_line_id
            JOIN center c ON c.id = t.center_id
            WHERE t.id = @ticketId AND t.center_id = @centerId
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<TicketView>(sql, new { ticketId, centerId });
    }
}
