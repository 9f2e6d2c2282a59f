using OpsBoard.Data.Accounts;
using Dapper;
using Npgsql;
using OpsBoard.Data.Audit;
using OpsBoard.Data.Live;
using OpsBoard.Data.Personal;

namespace OpsBoard.Data.Matters;

public sealed record NewMatter(string Source, string Name, string IdNumber, string? Phone, string Category, string Summary, int? LocalityId, bool IsAccusation,
    bool IsProxy = false, string? ProxyName = null)
{
    /// <summary>The <see cref="Rename.Key"/> the clerk confirmed when the ID number is on file under another name.</summary>
    public IReadOnlyCollection<string> ConfirmedRenames { get; init; } = [];

    /// <summary>检举控告: the accused units and people (checked by <see cref="Accusations.Problem"/>).</summary>
    public IReadOnlyList<int> AccusedUnitIds { get; init; } = [];
    public IReadOnlyList<AccusedPerson> AccusedPeople { get; init; } = [];
}

/// <summary>
/// 信访代办 (《沥海街道信访工作意见》二(三)): a 代办员 carries a first letter or visit for the petitioner through its handling.
/// The one check of what a form posts for it, used by the matter page and the desk alike.
/// </summary>
public static class ProxyHandling
{
    /// <summary>Only letters and visits are handled through a proxy; phone and online matters are not eligible (代办率's denominator).</summary>
    public static IReadOnlyList<string> EligibleSources { get; } = [MatterSource.Visit, MatterSource.Letter];

    /// <summary>What is wrong with the 代办 fields, in words the clerk can act on; null when they are fine.</summary>
    public static string? Problem(string source, bool isProxy, string? agentName) =>
        !isProxy ? null
        : !EligibleSources.Contains(source) ? "信访代办只适用于来访、来信事项。"
        : string.IsNullOrWhiteSpace(agentName) ? "选择信访代办须填写代办员姓名。"
        : agentName.Trim().Length > TextLimits.Name ? $"代办员姓名不超过 {TextLimits.Name} 个字。"
        : null;

    /// <summary>The 代办员 to store: the trimmed name when the matter is handled through a proxy, else none.</summary>
    public static string? AgentOf(bool isProxy, string? agentName) => isProxy ? agentName?.Trim() : null;
}

/// <summary>Matters that arrive by letter, online or by phone (visits are registered at the desk).</summary>
public sealed class MatterIntake(NpgsqlDataSource dataSource, PersonalDataProtector protector, MatterClocks clocks, TimeProvider time)
{
    /// <summary>What a new matter starts with; <paramref name="ProxyName"/> names the 代办员 of a matter handled through 信访代办.</summary>
    public sealed record Opening(int CenterId, int UserId, string Source, string Category, string Summary, long PetitionerId,
        int? LocalityId, bool Collective, bool Accusation, string? ProxyName = null)
    {
        public IReadOnlyList<int> AccusedUnitIds { get; init; } = [];
        public IReadOnlyList<AccusedPerson> AccusedPeople { get; init; } = [];
    }

    /// <summary>
    /// Opens a matter inside the caller's transaction, whatever its source, and starts the two clocks every matter runs
    /// from registration: transfer/assign and tell the petitioner (条例 第二十二、二十三条, 15 days each).
    /// </summary>
    public async Task<long> OpenAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Opening opening, DateTimeOffset now)
    {
        var id = await connection.ExecuteScalarAsync<long>("SELECT nextval(pg_get_serial_sequence('matter', 'id'))", transaction: transaction);
        var day = ChinaTime.Today(time);
        const string sql = """
            INSERT INTO matter (id, center_id, code, source, category, summary, petitioner_id, locality_id, status,
                                is_collective, is_accusation, is_proxy, proxy_name, received_at)
            VALUES (@id, @CenterId, @code, @Source, @Category, @summary, @PetitionerId, @LocalityId, 'registered',
                    @Collective, @Accusation, @proxy, @ProxyName, @now);
            INSERT INTO matter_transition (matter_id, from_status, to_status, at, user_id, note)
            VALUES (@id, NULL, 'registered', @now, @UserId, @note);
            """;
        try
        {
            await connection.ExecuteAsync(sql, new
            {
                id, opening.CenterId, code = MatterCode.For(day, id), opening.Source, opening.Category, summary = opening.Summary.Trim(),
                opening.PetitionerId, opening.LocalityId, opening.Collective, opening.Accusation, proxy = opening.ProxyName is not null,
                opening.ProxyName, now, opening.UserId,
                note = MatterSource.RegistrationNote(opening.Source),
            }, transaction);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            throw new MatterException("事项类别或属地无效。");
        }

        if (Accusations.Problem(opening.Accusation, opening.AccusedUnitIds, opening.AccusedPeople) is { } accusationProblem)
        {
            throw new MatterException(accusationProblem);
        }

        await Accusations.SaveAsync(connection, transaction, opening.CenterId, id, opening.AccusedUnitIds, opening.AccusedPeople);
        await clocks.StartAsync(connection, transaction, id, ClockKind.Transfer, now);
        await clocks.StartAsync(connection, transaction, id, ClockKind.AcceptanceNotice, now);
        return id;
    }

    public async Task<long> RegisterAsync(Actor actor, NewMatter input)
    {
        await PermissionGuard.RequireAsync(dataSource, actor, Permission.RegisterMatter, null, "matter", null);

        if (!MatterSource.NotVisits.Contains(input.Source))
        {
            throw new MatterException("请选择来源：来信、网上或电话。");
        }

        if (string.IsNullOrWhiteSpace(input.Name) || string.IsNullOrWhiteSpace(input.Summary) || string.IsNullOrWhiteSpace(input.Category))
        {
            throw new MatterException("请填写信访人姓名、类别和诉求摘要。");
        }

        TextLimits.Check(input.Name, "信访人姓名", TextLimits.Name);
        TextLimits.Check(input.Summary, "诉求摘要", TextLimits.Summary);
        if (ProxyHandling.Problem(input.Source, input.IsProxy, input.ProxyName) is { } proxyProblem)
        {
            throw new MatterException(proxyProblem);
        }

        if (Accusations.Problem(input.IsAccusation, input.AccusedUnitIds, input.AccusedPeople) is { } accusationProblem)
        {
            throw new MatterException(accusationProblem);
        }

        if (!ChineseIdNumber.TryParse(input.IdNumber, out var number, out var idError))
        {
            throw new MatterException(idError);
        }

        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var petitionerId = await Petitioners.UpsertAsync(connection, transaction, protector, actor.CenterId, actor.UserId, input.Name, number, input.Phone,
            input.LocalityId, input.ConfirmedRenames, now);
        var id = await OpenAsync(connection, transaction, new Opening(actor.CenterId, actor.UserId, input.Source, input.Category, input.Summary,
            petitionerId, input.LocalityId, Collective: false, input.IsAccusation, ProxyHandling.AgentOf(input.IsProxy, input.ProxyName))
        {
            AccusedUnitIds = input.AccusedUnitIds, AccusedPeople = input.AccusedPeople,
        }, now);
        await AuditLog.WriteAsync(connection, transaction, new AuditEntry("matter.register", actor.CenterId, actor.UserId, SubjectKind: "matter", SubjectId: id));
        await LiveJournal.AppendAsync(connection, transaction, "matter.registered", actor.CenterId, payload: new { id });
        await transaction.CommitAsync();
        return id;
    }
}
