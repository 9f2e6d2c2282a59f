using Dapper;
using Npgsql;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Audit;
using OpsBoard.Data.Live;
using OpsBoard.Data.Matters;

namespace OpsBoard.Data.Slips;

/// <summary>
/// What a 包案 leader records (《沥海街道信访工作意见》二(四)): the five duties of 五包责任制, the 专题分析会 they chair and the
/// 约访 they make; <c>matter_package_entry.kind</c>.
/// </summary>
public static class PackageDuty
{
    public const string Grasp = "grasp";
    public const string Persuade = "persuade";
    public const string Resolve = "resolve";
    public const string Pledge = "pledge";
    public const string Educate = "educate";
    public const string Meeting = "meeting";
    public const string Interview = "interview";

    public static CodeSet Labels { get; } = new(
        (Grasp, "包掌握情况"), (Persuade, "包思想转化"), (Resolve, "包解决化解"), (Pledge, "包承诺息访"), (Educate, "包教育稳控"),
        (Meeting, "专题分析会"), (Interview, "约访"));

    /// <summary>The five duties, in the order the rule names them.</summary>
    public static IReadOnlyList<string> Five { get; } = [Grasp, Persuade, Resolve, Pledge, Educate];

    public static string Label(string? kind) => Labels.Label(kind);
}

public sealed record PackageLeader(int Id, string DisplayName);

public sealed record PackageEntry(long Id, string Kind, DateOnly DoneOn, string Note, DateTime RecordedAt, string? RecordedBy)
{
    public string Label => PackageDuty.Label(Kind);
}

/// <summary>What the leader fills in: which duty (or meeting, or 约访), the day it was done, and what was done.</summary>
public sealed record PackageRecord(string? Kind, DateOnly? DoneOn, string? Note);

/// <summary>A matter in a leader's hands, with everything recorded on it.</summary>
public sealed record MatterPackage(long Id, int CenterId, long MatterId, string MatterCode, string Summary, long? SlipId, DateTime? SlipIssuedAt,
    string? SlipTrigger, int UnitId, string Unit, int LeaderId, string Leader, string? Note, DateTime AssignedAt, string? AssignedBy, DateTime? EndedAt)
{
    public IReadOnlyList<PackageEntry> Entries { get; init; } = [];

    public string? SlipNumber => SlipId is { } id && SlipIssuedAt is { } at ? SlipCode.For(ChinaTime.Utc(at), id) : null;

    public bool Open => EndedAt is null;

    /// <summary>The latest entry of a duty, or null while it is still to be done.</summary>
    public PackageEntry? Latest(string kind) => Entries.Where(e => e.Kind == kind).MaxBy(e => (e.DoneOn, e.Id));

    public int DutiesDone => PackageDuty.Five.Count(d => Latest(d) is not null);

    /// <summary>May record on it: the leader it was handed to, in that unit's leader role, while it is open.</summary>
    public bool RecordableBy(Actor actor) => Open && actor.UserId == LeaderId && actor.May(Permission.RecordPackage, UnitId);
}

public sealed record PackageListItem(long Id, long MatterId, string MatterCode, string Summary, long? SlipId, DateTime? SlipIssuedAt, string Unit,
    string Leader, DateTime AssignedAt, DateTime? EndedAt, int DutiesDone, int Meetings, int Interviews, DateOnly? LastDoneOn)
{
    public string? SlipNumber => SlipId is { } id && SlipIssuedAt is { } at ? SlipCode.For(ChinaTime.Utc(at), id) : null;
}

public sealed record PackageListPage(IReadOnlyList<PackageListItem> Items, int Total, int Page, int PageSize)
{
    public int Pages => Math.Max(1, (Total + PageSize - 1) / PageSize);
}

/// <summary>
/// 包案 (五包责任制): the petition office hands a slip's matter to one of the slip's unit's leaders, who records the five
/// duties, the 专题分析会 and the 约访 on it. Each change writes its audit row and live event in its transaction.
/// </summary>
public sealed class MatterPackages(NpgsqlDataSource dataSource, TimeProvider time)
{
    public const int PageSize = 25;

    /// <summary>Who may be handed the slip's matter: the active leaders (分管领导 / 片长) of the slip's unit.</summary>
    public async Task<IReadOnlyList<PackageLeader>> CandidatesAsync(int unitId)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        return [.. await PackageSteps.CandidatesAsync(connection, null, unitId)];
    }

    public async Task<long> AssignAsync(Actor actor, long slipId, int? leaderId, string? note)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var slip = await SlipSteps.LockAsync(connection, transaction, actor.CenterId, slipId);
        await PermissionGuard.RequireAsync(dataSource, actor, Permission.AssignPackage, slip.UnitId, "warning_slip", slipId, "预警提醒单");
        await Accusations.RefuseConflictAsync(dataSource, connection, transaction, actor, slip.MatterId, slip.UnitId, "交由该单位领导包案");
        var id = await PackageSteps.AssignAsync(connection, transaction, actor, slip, leaderId, note, time.GetUtcNow());
        await transaction.CommitAsync();
        return id;
    }

    public async Task RecordAsync(Actor actor, long packageId, PackageRecord record)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var package = await PackageSteps.LockAsync(connection, transaction, actor.CenterId, packageId);
        await PermissionGuard.RequireAsync(dataSource, actor, Permission.RecordPackage, package.UnitId, "matter_package", packageId, "包案");
        if (package.LeaderId != actor.UserId)
        {
            await AuditLog.WriteAsync(dataSource, new AuditEntry("may.record_package", actor.CenterId, actor.UserId, SubjectKind: "matter_package",
                SubjectId: packageId, UnitId: package.UnitId, Outcome: "refused", Detail: new { leader = package.LeaderId }));
            throw new ForbiddenException("该事项不是由您包案，只有包案领导本人可以记录落实情况。");
        }

        await PackageSteps.RecordAsync(connection, transaction, actor, package, record, time.GetUtcNow());
        await transaction.CommitAsync();
    }

    /// <summary>One package with its entries, for whoever may see the unit's slips or holds it; null when it does not exist.</summary>
    public async Task<MatterPackage?> DetailAsync(Actor actor, long packageId)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        var package = (await ReadAsync(connection, "p.id = @packageId AND p.center_id = @CenterId", new { packageId, actor.CenterId })).SingleOrDefault();
        if (package is not null && package.LeaderId != actor.UserId)
        {
            await PermissionGuard.RequireAsync(dataSource, actor, Permission.ViewSlips, package.UnitId, "matter_package", packageId, "包案");
        }

        if (package is not null && await connection.ExecuteScalarAsync<bool>("SELECT is_accusation FROM matter WHERE id = @MatterId", new { package.MatterId }))
        {
            if (Accusations.HiddenFrom(actor) is { } hiddenFrom && await Accusations.InConflictAnyAsync(connection, package.MatterId, hiddenFrom))
            {
                await AuditLog.WriteAsync(connection, null, new AuditEntry("matter.accusation_viewed", actor.CenterId, actor.UserId,
                    SubjectKind: "matter_package", SubjectId: packageId, UnitId: package.UnitId, Outcome: "refused", Detail: new { package.MatterId, conflict = true }));
                return null;
            }

            var redacted = Accusations.RedactedFor(actor, await Accusations.DisciplineUnitAsync(connection, null, actor.CenterId));
            await AuditLog.WriteAsync(connection, null, new AuditEntry("matter.accusation_viewed", actor.CenterId, actor.UserId,
                SubjectKind: "matter_package", SubjectId: packageId, UnitId: package.UnitId, Detail: new { package.MatterId, redacted }));
            if (redacted)
            {
                package = package with { Summary = Accusations.RedactedMark };
            }
        }

        return package;
    }

    /// <summary>A matter's packages, the one held now first, for its file (the page has already checked the matter may be seen).</summary>
    public async Task<IReadOnlyList<MatterPackage>> ForMatterAsync(long matterId)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        return await ReadAsync(connection, "p.matter_id = @matterId", new { matterId });
    }

    /// <summary>
    /// Packages as each reader sees them: the leader's own inbox (<paramref name="mine"/>), or the petition office's
    /// register of the center's packages (a unit's staff: their unit's). Open packages only unless <paramref name="all"/>.
    /// </summary>
    public async Task<PackageListPage> ListAsync(Actor actor, bool mine, bool all, int page)
    {
        if (!mine)
        {
            await PermissionGuard.RequireAsync(dataSource, actor, Permission.ViewSlips, actor.Units.Count > 0 ? actor.Units[0] : null, "matter_package", null, "包案");
        }

        int[]? units = mine || actor.Roles.Any(r => r.UnitId is null && Permissions.Allows(r.Role, Permission.ViewSlips)) ? null : [.. actor.Units];
        page = Math.Max(1, page);
        const string from = """
            FROM matter_package p
            JOIN matter m ON m.id = p.matter_id
            JOIN unit u ON u.id = p.unit_id
            JOIN app_user l ON l.id = p.leader_id
            LEFT JOIN warning_slip s ON s.id = p.slip_id
            """;
        const string where = """
            WHERE p.center_id = @CenterId
              AND (NOT @mine OR p.leader_id = @UserId)
              AND (@units::int[] IS NULL OR p.unit_id = ANY(@units))
              AND NOT (m.is_accusation AND accusation_conflict(m.id, @hiddenFrom::int[]))
              AND (@all OR p.ended_at IS NULL)
            """;
        await using var connection = await dataSource.OpenConnectionAsync();
        var redacted = Accusations.RedactedFor(actor, await Accusations.DisciplineUnitAsync(connection, null, actor.CenterId));
        var args = new
        {
            actor.CenterId, actor.UserId, mine, units, all, offset = (page - 1) * PageSize, PageSize, five = PackageDuty.Five.ToArray(),
            hiddenFrom = Accusations.HiddenFrom(actor), redacted, mark = Accusations.RedactedMark,
        };
        var total = await connection.ExecuteScalarAsync<int>($"SELECT count(*) {from} {where}", args);
        var items = await connection.QueryAsync<PackageListItem>($"""
            SELECT p.id, p.matter_id AS MatterId, m.code AS MatterCode,
                   CASE WHEN m.is_accusation AND @redacted THEN @mark ELSE m.summary END AS summary, p.slip_id AS SlipId, s.issued_at AS SlipIssuedAt, u.name AS Unit,
                   l.display_name AS Leader, p.assigned_at AS AssignedAt, p.ended_at AS EndedAt, e.duties AS DutiesDone, e.meetings, e.interviews,
                   e.last_done AS LastDoneOn
            {from}
            CROSS JOIN LATERAL (
                SELECT count(DISTINCT x.kind) FILTER (WHERE x.kind = ANY(@five))::int AS duties,
                       count(*) FILTER (WHERE x.kind = 'meeting')::int AS meetings,
                       count(*) FILTER (WHERE x.kind = 'interview')::int AS interviews,
                       max(x.done_on) AS last_done
                FROM matter_package_entry x
                WHERE x.package_id = p.id
            ) e
            {where}
            ORDER BY p.ended_at IS NOT NULL, p.assigned_at DESC, p.id DESC
            LIMIT @PageSize OFFSET @offset
            """, args);
        return new PackageListPage([.. items], total, page, PageSize);
    }

    static async Task<IReadOnlyList<MatterPackage>> ReadAsync(NpgsqlConnection connection, string condition, object args)
    {
        var packages = (await connection.QueryAsync<MatterPackage>($"""
            SELECT p.id, p.center_id AS CenterId, p.matter_id AS MatterId, m.code AS MatterCode, m.summary, p.slip_id AS SlipId,
                   s.issued_at AS SlipIssuedAt, s.trigger AS SlipTrigger, p.unit_id AS UnitId, u.name AS Unit, p.leader_id AS LeaderId,
                   l.display_name AS Leader, p.note, p.assigned_at AS AssignedAt, a.display_name AS AssignedBy, p.ended_at AS EndedAt
            FROM matter_package p
            JOIN matter m ON m.id = p.matter_id
            JOIN unit u ON u.id = p.unit_id
            JOIN app_user l ON l.id = p.leader_id
            LEFT JOIN app_user a ON a.id = p.assigned_by
            LEFT JOIN warning_slip s ON s.id = p.slip_id
            WHERE {condition}
            ORDER BY p.ended_at IS NOT NULL, p.assigned_at DESC, p.id DESC
            """, args)).ToList();
        if (packages.Count == 0)
        {
            return packages;
        }

        var entries = (await connection.QueryAsync<(long PackageId, long Id, string Kind, DateOnly DoneOn, string Note, DateTime RecordedAt, string? RecordedBy)>("""
            SELECT e.package_id, e.id, e.kind, e.done_on, e.note, e.recorded_at, r.display_name
            FROM matter_package_entry e
            LEFT JOIN app_user r ON r.id = e.recorded_by
            WHERE e.package_id = ANY(@ids)
            ORDER BY e.done_on, e.id
            """, new { ids = packages.Select(p => p.Id).ToArray() })).ToLookup(e => e.PackageId);
        return [.. packages.Select(p => p with
        {
            Entries = [.. entries[p.Id].Select(e => new PackageEntry(e.Id, e.Kind, e.DoneOn, e.Note, e.RecordedAt, e.RecordedBy))],
        })];
    }
}

/// <summary>
/// The package's changes inside the caller's transaction, after the matrix was checked; the demo seeder hands its
/// history's matters to the street's leader through them.
/// </summary>
public static class PackageSteps
{
    sealed record HeldRow(long Id, int LeaderId, string Leader);

    public sealed record PackageRow(long Id, int CenterId, long MatterId, int UnitId, int LeaderId, DateTime AssignedAt, DateTime? EndedAt);

    public static Task<IEnumerable<PackageLeader>> CandidatesAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, int unitId) =>
        connection.QueryAsync<PackageLeader>("""
            SELECT DISTINCT a.id, a.display_name AS DisplayName
            FROM user_role r
            JOIN app_user a ON a.id = r.user_id
            WHERE r.unit_id = @unitId AND r.role = @role AND a.active
            ORDER BY a.display_name, a.id
            """, new { unitId, role = Roles.UnitLeader }, transaction);

    public static async Task<PackageRow> LockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int centerId, long packageId)
    {
        const string sql = """
            SELECT id, center_id AS CenterId, matter_id AS MatterId, unit_id AS UnitId, leader_id AS LeaderId, assigned_at AS AssignedAt, ended_at AS EndedAt
            FROM matter_package
            WHERE id = @packageId AND center_id = @centerId
            FOR UPDATE
            """;
        return await connection.QuerySingleOrDefaultAsync<PackageRow>(sql, new { packageId, centerId }, transaction)
            ?? throw new SlipException("包案记录不存在。");
    }

    /// <summary>
    /// Hands the slip's matter to a leader of the slip's unit; a matter held by another leader passes to this one (the
    /// earlier package ends), one held by this leader already is refused.
    /// </summary>
    public static async Task<long> AssignAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Actor actor, SlipRow slip, int? leaderId,
        string? note, DateTimeOffset at)
    {
        at = at.ToUniversalTime();
        if (slip.State == SlipState.Closed)
        {
            throw new SlipException("预警提醒单已办结，不能再交办包案。");
        }

        if (await Accusations.InConflictAsync(connection, transaction, slip.MatterId, slip.UnitId))
        {
            throw new SlipException(Accusations.ConflictMessage("交由该单位领导包案"));
        }

        var candidates = (await CandidatesAsync(connection, transaction, slip.UnitId)).ToList();
        if (candidates.Count == 0)
        {
            throw new SlipException("该责任单位没有分管领导（片长）账号，无法交办包案。");
        }

        var leader = candidates.FirstOrDefault(c => c.Id == leaderId)
            ?? throw new SlipException("请选择该责任单位的分管领导（片长）作为包案领导。");
        var remark = TextLimits.Check(note, "交办说明", TextLimits.Reason, required: false);

        // The matter's current package, locked: two officers handing it over at once end up one after the other.
        var held = await connection.QuerySingleOrDefaultAsync<HeldRow>("""
            SELECT p.id, p.leader_id AS LeaderId, a.display_name AS Leader
            FROM matter_package p
            JOIN app_user a ON a.id = p.leader_id
            WHERE p.matter_id = @MatterId AND p.ended_at IS NULL
            FOR UPDATE OF p
            """, new { slip.MatterId }, transaction);
        if (held?.LeaderId == leader.Id)
        {
            throw new SlipException($"该信访事项已由{held.Leader}包案。");
        }

        if (held is not null)
        {
            await connection.ExecuteAsync("""
                UPDATE matter_package
                SET ended_at = greatest(@at, assigned_at), ended_by = NULLIF(@UserId, 0)
                WHERE id = @Id
                """, new { at, actor.UserId, held.Id }, transaction);
        }

        var id = await connection.ExecuteScalarAsync<long>("""
            INSERT INTO matter_package (center_id, matter_id, slip_id, unit_id, leader_id, note, assigned_at, assigned_by)
            VALUES (@CenterId, @MatterId, @SlipId, @UnitId, @LeaderId, NULLIF(@remark, ''), @at, NULLIF(@UserId, 0))
            RETURNING id
            """, new { slip.CenterId, slip.MatterId, SlipId = slip.Id, slip.UnitId, LeaderId = leader.Id, remark, at, actor.UserId }, transaction);
        await AuditLog.WriteAsync(connection, transaction, new AuditEntry("package.assign", slip.CenterId, actor.UserId == 0 ? null : actor.UserId,
            SubjectKind: "matter_package", SubjectId: id, UnitId: slip.UnitId,
            Detail: new { slip.MatterId, slipId = slip.Id, leaderId = leader.Id, previous = held?.Id }));
        await LiveJournal.AppendAsync(connection, transaction, "package.assigned", slip.CenterId, slip.UnitId,
            new { id, slip.MatterId, slipId = slip.Id, leaderId = leader.Id });
        return id;
    }

    public static async Task RecordAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Actor actor, PackageRow package,
        PackageRecord record, DateTimeOffset at)
    {
        at = at.ToUniversalTime();
        if (package.EndedAt is not null)
        {
            throw new SlipException("该包案已转交其他领导，不能再记录。");
        }

        if (!PackageDuty.Labels.Contains(record.Kind))
        {
            throw new SlipException("请选择记录的事项：五包责任之一、专题分析会或约访。");
        }

        if (record.DoneOn is not { } on)
        {
            throw new SlipException("请填写日期。");
        }

        var from = ChinaTime.DayOf(package.AssignedAt);
        if (on < from || on > ChinaTime.DayOf(at))
        {
            throw new SlipException($"日期应在包案交办日（{from:yyyy-MM-dd}）到今天之间。");
        }

        var note = TextLimits.Check(record.Note, $"{PackageDuty.Label(record.Kind!)}情况", TextLimits.Reason);
        var id = await connection.ExecuteScalarAsync<long>("""
            INSERT INTO matter_package_entry (package_id, kind, done_on, note, recorded_at, recorded_by)
            VALUES (@Id, @Kind, @on, @note, @at, NULLIF(@UserId, 0))
            RETURNING id
            """, new { package.Id, record.Kind, on, note, at, actor.UserId }, transaction);
        await AuditLog.WriteAsync(connection, transaction, new AuditEntry("package.record", package.CenterId, actor.UserId == 0 ? null : actor.UserId,
            SubjectKind: "matter_package", SubjectId: package.Id, UnitId: package.UnitId, Detail: new { entry = id, record.Kind, on }));
        await LiveJournal.AppendAsync(connection, transaction, "package.recorded", package.CenterId, package.UnitId,
            new { id = package.Id, package.MatterId, entry = id, kind = record.Kind });
    }
}
