using Dapper;
using Npgsql;
using OpsBoard.Data.Audit;

namespace OpsBoard.Data.Matters;

public sealed record MatterListItem(long Id, string Code, string Category, string Status, string? Unit, DateTime ReceivedAt, string? WorstClock);

public sealed record MatterPage(IReadOnlyList<MatterListItem> Items, int Total, int Page, int PageSize)
{
    public int Pages => Math.Max(1, (Total + PageSize - 1) / PageSize);
}

public sealed record MatterDetail(long Id, string Code, string Source, string Category, string Summary, string Status, int? UnitId, string? Unit,
    string? Locality, DateTime ReceivedAt, DateTime? AcceptedAt, DateTime? RepliedAt, string? ReplyOutcome, DateTime? ClosedAt,
    bool IsCollective, bool IsAccusation);

public sealed record ClockRow(long Id, string Code, string Name, string Source, int Version, DateTime StartedAt, DateTime DueAt,
    DateTime? StoppedAt, string? Result, string AlertState, int ExtensionDays, string? ExtensionReason, bool Paused);

public sealed record TransitionRow(DateTime At, string? FromStatus, string ToStatus, string? User, string? Unit, string? Note);

public sealed record PendingExtensionRow(int Days, string Reason, string RequestedBy, DateTime RequestedAt);

public sealed record SupervisionRow(long Id, string Unit, DateTime IssuedAt, string Request, string? Feedback, DateTime? FeedbackAt, DateTime? DueAt);

public sealed record MatterFile(MatterDetail Matter, IReadOnlyList<ClockRow> Clocks, IReadOnlyList<TransitionRow> Transitions,
    PendingExtensionRow? PendingExtension, IReadOnlyList<SupervisionRow> Supervisions);

/// <summary>Matters as people read them; a unit sees only its own, and a try at another's is refused and audited.</summary>
public sealed class MatterQueries(NpgsqlDataSource dataSource)
{
    public const int PageSize = 25;

    static readonly string[] Statuses = ["registered", "accepted", "assigned", "returned", "received", "handling", "replied", "closed",
        "not_accepted", "review", "reviewed", "re_review", "finalized"];

    public async Task<MatterPage> ListAsync(Actor actor, string? status, int page)
    {
        status = Statuses.Contains(status) ? status : null;
        page = Math.Max(1, page);
        int[]? units = actor.CenterWide ? null : [.. actor.Units];
        const string sql = """
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
            ORDER BY m.received_at DESC, m.id DESC
            LIMIT @PageSize OFFSET @offset
            """;
        const string countSql = """
            SELECT count(*)::int
            FROM matter m
            WHERE m.center_id = @CenterId
              AND (@units::int[] IS NULL OR m.responsible_unit_id = ANY(@units))
              AND (@status::text IS NULL OR m.status = @status)
            """;
        await using var connection = await dataSource.OpenConnectionAsync();
        var args = new { actor.CenterId, units, status, PageSize, offset = (page - 1) * PageSize };
        var items = await connection.QueryAsync<MatterListItem>(sql, args);
        var total = await connection.ExecuteScalarAsync<int>(countSql, args);
        return new MatterPage([.. items], total, page, PageSize);
    }

    public async Task<MatterFile?> FileAsync(Actor actor, long matterId)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        const string matterSql = """
            SELECT m.id, m.code, m.source, c.name AS Category, m.summary, m.status, m.responsible_unit_id AS UnitId, u.name AS Unit,
                   l.name AS Locality, m.received_at AS ReceivedAt, m.accepted_at AS AcceptedAt, m.replied_at AS RepliedAt,
                   m.reply_outcome AS ReplyOutcome, m.closed_at AS ClosedAt, m.is_collective AS IsCollective, m.is_accusation AS IsAccusation
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

        if (!actor.CenterWide && (matter.UnitId is not { } unit || !actor.Units.Contains(unit)))
        {
            await AuditLog.WriteAsync(connection, null, new AuditEntry("matter.open", actor.CenterId, actor.UserId, SubjectKind: "matter",
                SubjectId: matterId, UnitId: matter.UnitId, Outcome: "refused", Detail: new { reason = "other unit" }));
            throw new MatterForbiddenException("该信访事项不属于您的单位，无权查看。");
        }

        const string clocksSql = """
            SELECT k.id, r.code, r.name, r.source, r.version, k.started_at AS StartedAt, k.due_at AS DueAt, k.stopped_at AS StoppedAt,
                   k.result, k.alert_state AS AlertState, k.extension_days AS ExtensionDays, k.extension_reason AS ExtensionReason,
                   EXISTS (SELECT 1 FROM clock_pause p WHERE p.clock_id = k.id AND p.resumed_at IS NULL) AS Paused
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
            SELECT e.days, e.reason, a.display_name AS RequestedBy, e.requested_at AS RequestedAt
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

    public async Task<IReadOnlyList<Reception.Choice>> UnitsAsync(int centerId)
    {
        const string sql = """
            SELECT id::text AS Value, name AS Text, CASE kind WHEN 'department' THEN '县直部门' ELSE '镇街' END AS GroupName
            FROM unit
            WHERE center_id = @centerId AND kind IN ('department', 'street', 'town', 'petition_office') AND active
            ORDER BY kind, code
            """;
        await using var connection = await dataSource.OpenConnectionAsync();
        return [.. await connection.QueryAsync<Reception.Choice>(sql, new { centerId })];
    }
}
