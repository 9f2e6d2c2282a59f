using Dapper;
using Npgsql;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Audit;

namespace OpsBoard.Data.Matters;

public sealed record MatterListItem(long Id, string Code, string Category, string Status, string? Unit, DateTime ReceivedAt, string? WorstClock);

/// <summary>
/// One page of a list, newest first, with cursors to the pages on either side: keyset paging, so the thousandth page
/// costs what the first does.
/// </summary>
public sealed record MatterPage(IReadOnlyList<MatterListItem> Items, int Total, string? Newer, string? Older)
{
    /// <summary>Counting stops here: "10000 件以上" is as useful to a reader as the exact figure, and stays cheap.</summary>
    public const int CountLimit = 10_000;

    public string TotalText => Total > CountLimit ? $"{CountLimit} 件以上" : $"{Total} 件";
}

/// <summary>What a list shows: a status, a file-number prefix (XF2026…), and where to start.</summary>
public sealed record MatterFilter(string? Status = null, string? Code = null, string? After = null, string? Before = null);

/// <summary>A position in the newest-first order: the received moment (to the microsecond PostgreSQL keeps) and the id.</summary>
public readonly record struct MatterCursor(long ReceivedMicros, long Id)
{
    static readonly DateTime Epoch = DateTime.UnixEpoch;

    public static MatterCursor Of(MatterListItem item) => new((ChinaTime.Utc(item.ReceivedAt).UtcDateTime - Epoch).Ticks / 10, item.Id);

    public DateTime ReceivedAt => Epoch.AddTicks(ReceivedMicros * 10);

    public override string ToString() => $"{ReceivedMicros}-{Id}";

    public static MatterCursor? Parse(string? text) =>
        text?.Split('-') is [var at, var id] && long.TryParse(at, out var micros) && long.TryParse(id, out var matterId)
            ? new MatterCursor(micros, matterId)
            : null;
}

public sealed record MatterDetail(long Id, string Code, string Source, string Category, string Summary, string Status, int? UnitId, string? Unit,
    string? Locality, DateTime ReceivedAt, DateTime? AcceptedAt, DateTime? RepliedAt, string? ReplyOutcome, DateTime? ClosedAt,
    bool IsCollective, bool IsAccusation, int? SuggestedUnitId, bool IsProxy = false, string? ProxyName = null);

public sealed record ClockRow(long Id, string Code, string Source, int Version, DateTime StartedAt, DateTime DueAt,
    DateTime? StoppedAt, string? Result, string AlertState, int ExtensionDays, string? ExtensionReason, bool Paused, int MaxExtensionDays)
{
    public string Name => ClockKind.Label(Code);

    /// <summary>按期, 超期完成, 暂停中, 已超期, 临期, 计时中 — or, for a petitioner's window, whether it is still open.</summary>
    public string State => this switch
    {
        { Result: ClockResult.Met } when ClockKind.PetitionerWindows.Contains(Code) => "已申请",
        { Result: { } result } => ClockResult.Labels.Label(result),
        { Paused: true } => "暂停中",
        _ when ClockKind.PetitionerWindows.Contains(Code) => "可申请",
        _ => ClockAlertState.Labels.Label(AlertState),
    };
}

public sealed record TransitionRow(DateTime At, string? FromStatus, string ToStatus, string? User, string? Unit, string? Note);

public sealed record PendingExtensionItem(long MatterId, string MatterCode, int Days, string Reason, string RequestedBy, DateTime RequestedAt);

public sealed record DueItem(long MatterId, string MatterCode, string RuleCode, DateTime DueAt, string AlertState)
{
    public string RuleName => ClockKind.Label(RuleCode);
}

public sealed record PendingExtensionRow(int Days, string Reason, string RequestedBy, DateTime RequestedAt, int RequestedById);

public sealed record SupervisionRow(long Id, string Unit, DateTime IssuedAt, string Request, string? Feedback, DateTime? FeedbackAt, DateTime? DueAt);

public sealed record MatterFile(MatterDetail Matter, IReadOnlyList<ClockRow> Clocks, IReadOnlyList<TransitionRow> Transitions,
    PendingExtensionRow? PendingExtension, IReadOnlyList<SupervisionRow> Supervisions)
{
    /// <summary>The facts that decide which steps are open (<see cref="MatterSteps.Available"/>).</summary>
    public StepContext StepContext => new(Matter.Status, Matter.UnitId, PendingExtension is not null,
        Clocks.Any(k => k.Code == ClockKind.ReReviewDecision && k.Paused),
        Clocks.Any(k => k.Code == ClockKind.Handling && k.StoppedAt is null),
        NoticePending: Clocks.Any(k => k.Code == ClockKind.AcceptanceNotice && k.StoppedAt is null),
        ExtensionRequestedBy: PendingExtension?.RequestedById);

    /// <summary>Days of extension the running 办理答复 clock may still be given under its rule version.</summary>
    public int ExtensionDaysLeft => Clocks.FirstOrDefault(k => k.Code == ClockKind.Handling && k.StoppedAt is null) is { } k
        ? Math.Max(0, k.MaxExtensionDays - k.ExtensionDays)
        : 0;
}

/// <summary>Matters as people read them; a unit sees only its own, and a try at another's is refused and audited.</summary>
public sealed class MatterQueries(NpgsqlDataSource dataSource)
{
    public const int PageSize = 25;

    public async Task<MatterPage> ListAsync(Actor actor, MatterFilter filter)
    {
        var status = MatterStatus.Labels.Contains(filter.Status) ? filter.Status : null;
        var code = string.IsNullOrWhiteSpace(filter.Code) ? null : filter.Code.Trim().ToUpperInvariant();
        var after = MatterCursor.Parse(filter.After);
        var before = after is null ? MatterCursor.Parse(filter.Before) : null;
        await PermissionGuard.RequireAsync(dataSource, actor, Permission.ViewMatters, actor.Units.FirstOrDefault(), "matter", null);
        int[]? units = actor.SeesWholeCenter ? null : [.. actor.Units];
        // Older pages walk down the (received_at, id) index from the cursor; a newer page walks up and is turned round.
        var sql = $"""
            SELECT m.id, m.code, c.name AS Category, m.status, u.name AS Unit, m.received_at AS ReceivedAt,
                   (SELECT k.alert_state FROM matter_clock k
                    WHERE k.matter_id = m.id AND k.stopped_at IS NULL AND k.alert_state IN ('approaching', 'overdue')
                    ORDER BY k.alert_state = 'overdue' DESC LIMIT 1) AS WorstClock
            FROM matter m
            JOIN matter_category c ON c.code = m.category
            LEFT JOIN unit u ON u.id = m.responsible_unit_id
            WHERE m.center_id = @CenterId
              AND (@units::int[] IS NULL OR m.responsible_unit_id = ANY(@units))
              AND (@status::text IS NULL OR m.status = @status)
              AND (@code::text IS NULL OR m.code LIKE @code || '%')
              AND (@afterAt::timestamptz IS NULL OR (m.received_at, m.id) < (@afterAt, @afterId))
              AND (@beforeAt::timestamptz IS NULL OR (m.received_at, m.id) > (@beforeAt, @beforeId))
            ORDER BY m.received_at {(before is null ? "DESC" : "ASC")}, m.id {(before is null ? "DESC" : "ASC")}
            LIMIT @take
            """;
        const string countSql = """
            SELECT count(*)::int
            FROM (SELECT 1
                  FROM matter m
                  WHERE m.center_id = @CenterId
                    AND (@units::int[] IS NULL OR m.responsible_unit_id = ANY(@units))
                    AND (@status::text IS NULL OR m.status = @status)
                    AND (@code::text IS NULL OR m.code LIKE @code || '%')
                  LIMIT @countTo) counted
            """;
        await using var connection = await dataSource.OpenConnectionAsync();
        var args = new
        {
            actor.CenterId, units, status, code = code?.Replace("%", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal),
            afterAt = after?.ReceivedAt, afterId = after?.Id ?? 0, beforeAt = before?.ReceivedAt, beforeId = before?.Id ?? 0, take = PageSize + 1,
            countTo = MatterPage.CountLimit + 1,
        };
        var rows = (await connection.QueryAsync<MatterListItem>(sql, args)).ToList();
        var more = rows.Count > PageSize;
        rows = [.. rows.Take(PageSize)];
        if (before is not null)
        {
            rows.Reverse();
        }

        var total = await connection.ExecuteScalarAsync<int>(countSql, args);
        var hasNewer = before is not null ? more : after is not null;
        var hasOlder = before is not null || more;
        return new MatterPage(rows, total,
            hasNewer && rows.Count > 0 ? MatterCursor.Of(rows[0]).ToString() : null,
            hasOlder && rows.Count > 0 ? MatterCursor.Of(rows[^1]).ToString() : null);
    }

    public async Task<MatterFile?> FileAsync(Actor actor, long matterId)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        const string matterSql = """
            -- SuggestedUnitId: the street or town of the matter's locality, offered first when assigning (属地管理).
            SELECT m.id, m.code, m.source, c.name AS Category, m.summary, m.status, m.responsible_unit_id AS UnitId, u.name AS Unit,
                   l.name AS Locality, m.received_at AS ReceivedAt, m.accepted_at AS AcceptedAt, m.replied_at AS RepliedAt,
                   m.reply_outcome AS ReplyOutcome, m.closed_at AS ClosedAt, m.is_collective AS IsCollective, m.is_accusation AS IsAccusation,
                   CASE WHEN l.kind IN ('village', 'work_team') THEN l.parent_id WHEN l.kind IN ('street', 'town') THEN l.id END AS SuggestedUnitId,
                   m.is_proxy AS IsProxy, m.proxy_name AS ProxyName
            FROM matter m
            JOIN matter_category c ON c.code = m.category
            LEFT JOIN unit u ON u.id = m.responsible_unit_id
            LEFT JOIN unit l ON l.id = m.locality_id
            WHERE m.id = @matterId AND m.center_id = @CenterId
            """;
        var matter = await connection.QuerySingleOrDefaultAsync<MatterDetail>(matterSql, new { matterId, actor.CenterId });
        if (matter is null)
        {
            return null;
        }

        await PermissionGuard.RequireAsync(dataSource, actor, Permission.ViewMatters, matter.UnitId, "matter", matterId);

        const string clocksSql = """
            SELECT k.id, r.code, r.source, r.version, k.started_at AS StartedAt, k.due_at AS DueAt, k.stopped_at AS StoppedAt,
                   k.result, k.alert_state AS AlertState, k.extension_days AS ExtensionDays, k.extension_reason AS ExtensionReason,
                   EXISTS (SELECT 1 FROM clock_pause p WHERE p.clock_id = k.id AND p.resumed_at IS NULL) AS Paused,
                   r.max_extension_days AS MaxExtensionDays
            FROM matter_clock k
            JOIN deadline_rule r ON r.id = k.rule_id
            WHERE k.matter_id = @matterId
            ORDER BY k.started_at, k.id
            """;
        const string transitionsSql = """
            SELECT t.at, t.from_status AS FromStatus, t.to_status AS ToStatus, a.display_name AS User, u.name AS Unit, t.note
            FROM matter_transition t
            LEFT JOIN app_user a ON a.id = t.user_id
            LEFT JOIN unit u ON u.id = t.unit_id
            WHERE t.matter_id = @matterId
            ORDER BY t.at, t.id
            """;
        const string extensionSql = """
            SELECT e.days, e.reason, a.display_name AS RequestedBy, e.requested_at AS RequestedAt, e.requested_by AS RequestedById
            FROM extension_request e
            JOIN matter_clock k ON k.id = e.clock_id
            JOIN app_user a ON a.id = e.requested_by
            WHERE k.matter_id = @matterId AND e.decided_at IS NULL
            """;
        const string supervisionSql = """
            SELECT s.id, u.name AS Unit, s.issued_at AS IssuedAt, s.request, s.feedback, s.feedback_at AS FeedbackAt, k.due_at AS DueAt
            FROM supervision s
            JOIN unit u ON u.id = s.unit_id
            LEFT JOIN matter_clock k ON k.id = s.clock_id
            WHERE s.matter_id = @matterId
            ORDER BY s.issued_at
            """;
        var clocks = await connection.QueryAsync<ClockRow>(clocksSql, new { matterId });
        var transitions = await connection.QueryAsync<TransitionRow>(transitionsSql, new { matterId });
        var pending = await connection.QuerySingleOrDefaultAsync<PendingExtensionRow>(extensionSql, new { matterId });
        var supervisions = await connection.QueryAsync<SupervisionRow>(supervisionSql, new { matterId });
        return new MatterFile(matter, [.. clocks], [.. transitions], pending, [.. supervisions]);
    }

    /// <summary>Extension requests waiting for this unit leader's decision, oldest first (never their own).</summary>
    public async Task<IReadOnlyList<PendingExtensionItem>> PendingExtensionsAsync(Actor actor)
    {
        int[] units = [.. actor.Roles.Where(r => r.UnitId is not null && Permissions.Allows(r.Role, Permission.ApproveExtension)).Select(r => r.UnitId!.Value)];
        if (units.Length == 0)
        {
            return [];
        }

        const string sql = """
            SELECT m.id AS MatterId, m.code AS MatterCode, e.days, e.reason, a.display_name AS RequestedBy, e.requested_at AS RequestedAt
            FROM extension_request e
            JOIN matter_clock k ON k.id = e.clock_id
            JOIN matter m ON m.id = k.matter_id
            JOIN app_user a ON a.id = e.requested_by
            WHERE e.decided_at IS NULL AND m.center_id = @CenterId AND m.responsible_unit_id = ANY(@units) AND e.requested_by <> @UserId
            ORDER BY e.requested_at
            """;
        await using var connection = await dataSource.OpenConnectionAsync();
        return [.. await connection.QueryAsync<PendingExtensionItem>(sql, new { actor.CenterId, units, actor.UserId })];
    }

    /// <summary>The unit's running office clocks, soonest due first: what the officer must do next.</summary>
    public async Task<IReadOnlyList<DueItem>> DueNextAsync(Actor actor, int top = 10)
    {
        int[] units = [.. actor.Units];
        if (units.Length == 0)
        {
            return [];
        }

        const string sql = """
            SELECT m.id AS MatterId, m.code AS MatterCode, r.code AS RuleCode, k.due_at AS DueAt, k.alert_state AS AlertState
            FROM matter m
            JOIN matter_clock k ON k.matter_id = m.id
            JOIN deadline_rule r ON r.id = k.rule_id
            WHERE m.center_id = @CenterId AND m.responsible_unit_id = ANY(@units) AND m.closed_at IS NULL
              AND m.status NOT IN ('not_accepted', 'finalized')
              AND k.stopped_at IS NULL AND r.code <> ALL(@windows)
              AND NOT EXISTS (SELECT 1 FROM clock_pause p WHERE p.clock_id = k.id AND p.resumed_at IS NULL)
            ORDER BY k.due_at
            LIMIT @top
            """;
        await using var connection = await dataSource.OpenConnectionAsync();
        return [.. await connection.QueryAsync<DueItem>(sql, new { actor.CenterId, units, top, windows = ClockKind.PetitionerWindows.ToArray() })];
    }

    public async Task<IReadOnlyList<Reception.Choice>> UnitsAsync(int centerId)
    {
        const string sql = """
            SELECT id::text AS Value, name AS Text, CASE WHEN kind IN ('street', 'town') THEN '镇街' ELSE '县直部门' END AS GroupName
            FROM unit
            WHERE center_id = @centerId AND kind IN ('department', 'street', 'town', 'petition_office') AND active
            ORDER BY kind, code
            """;
        await using var connection = await dataSource.OpenConnectionAsync();
        return [.. await connection.QueryAsync<Reception.Choice>(sql, new { centerId })];
    }
}
