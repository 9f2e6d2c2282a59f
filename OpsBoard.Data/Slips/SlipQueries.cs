using Dapper;
using Npgsql;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Audit;
using OpsBoard.Data.Matters;
using OpsBoard.Data.Reception;

namespace OpsBoard.Data.Slips;

public sealed record SlipListItem(long Id, DateTime IssuedAt, DateTime DueAt, long MatterId, string MatterCode, string Trigger, bool Recurrence,
    string State, int UnitId, string Unit, string? ClockState)
{
    public string Number => SlipCode.For(ChinaTime.Utc(IssuedAt), Id);

    public bool Overdue => ClockState == Matters.ClockAlertState.Overdue;

    public bool Approaching => ClockState == Matters.ClockAlertState.Approaching;
}

/// <summary>The inbox tabs and register filters of <c>/slips</c>.</summary>
public static class SlipView
{
    public const string New = "new";
    public const string Answering = "answering";
    public const string Signature = "signature";
    public const string SentBack = "sent_back";
    public const string Overdue = "overdue";
    public const string Returned = "returned";
    public const string Open = "open";
    public const string All = "all";

    public static CodeSet Labels { get; } = new(
        (New, "新下发"), (Answering, "答复中"), (Signature, "待审签"), (SentBack, "被退回"), (Overdue, "已超期"), (Returned, "已报回待办结"),
        (Open, "全部未办结"), (All, "全部"));
}

public sealed record SlipFilter(string View = SlipView.Open, string? Trigger = null, int? UnitId = null, int Page = 1);

public sealed record SlipListPage(IReadOnlyList<SlipListItem> Items, int Total, int Page, int PageSize)
{
    public int Pages => Math.Max(1, (Total + PageSize - 1) / PageSize);
}

public sealed record SlipStepRow(DateTime At, string? FromState, string ToState, string? User, string? Note);

public sealed record SlipDetail(long Id, int CenterId, DateTime IssuedAt, DateTime DueAt, long MatterId, string MatterCode, string Category,
    string Summary, string Trigger, bool Recurrence, string State, int UnitId, string Unit, long VisitId, DateTime VisitArrivedAt, string VisitLevel,
    int Headcount, int VisitCount, string RuleSource, int RuleThreshold,
    string? Investigation, string? CauseAnalysis, string? Resolution, string? Stabilisation, DateOnly? CarriedOutOn, string? CarriedOutBy,
    DateTime? AcknowledgedAt, string? AcknowledgedBy, DateTime? AnsweredAt, string? AnsweredBy, int? AnsweredById, DateTime? SignedAt, string? SignedBy,
    string? SentBackReason, DateTime? ClosedAt, string? ClosedBy, string? ClockState)
{
    public string[] Behaviours { get; init; } = [];

    public IReadOnlyList<string> Leaders { get; init; } = [];

    public IReadOnlyList<SlipStepRow> Steps { get; init; } = [];

    public string Number => SlipCode.For(ChinaTime.Utc(IssuedAt), Id);

    /// <summary>What the visit that met the trigger showed: "第 3 次来访", "到达层级 省（越级）", "6 人", "吵闹、静坐".</summary>
    public string Facts => Trigger switch
    {
        SlipTrigger.Repeat => $"同一事项第 {VisitCount} 次来访",
        SlipTrigger.Escalated => $"来访到达层级：{Reception.VisitLevel.Label(VisitLevel)}",
        SlipTrigger.Collective => $"来访 {Headcount} 人（集体访）",
        _ => $"现场行为：{string.Join("、", Behaviours.Select(VisitBehaviour.Labels.Label))}",
    };

    /// <summary>The steps this actor may take now: the matrix for the slip's unit, and the state it is in.</summary>
    public IReadOnlyList<string> StepsFor(Actor actor)
    {
        var steps = new List<string>();
        void Offer(string step, Permission permission)
        {
            if (SlipSteps.From[step].Contains(State) && actor.May(permission, UnitId))
            {
                steps.Add(step);
            }
        }

        Offer(SlipStep.Acknowledge, Permission.AcknowledgeSlip);
        Offer(SlipStep.Answer, Permission.AnswerSlip);
        if (AnsweredById != actor.UserId)
        {
            Offer(SlipStep.Sign, Permission.SignSlip);
            Offer(SlipStep.SendBack, Permission.SignSlip);
        }

        Offer(SlipStep.Close, Permission.CloseSlip);
        Offer(SlipStep.Reopen, Permission.CloseSlip);
        return steps;
    }
}

public sealed record SlipCount(string Trigger, int Open, int Overdue);

/// <summary>Slips as each reader may see them: a unit its own, the petition office all of the center's.</summary>
public sealed class SlipQueries(NpgsqlDataSource dataSource)
{
    public const int PageSize = 25;

    const string ItemColumns = """
        s.id, s.issued_at AS IssuedAt, s.due_at AS DueAt, s.matter_id AS MatterId, m.code AS MatterCode, s.trigger, s.recurrence,
        s.state, s.unit_id AS UnitId, u.name AS Unit, k.alert_state AS ClockState
        """;

    public async Task<SlipListPage> ListAsync(Actor actor, SlipFilter filter)
    {
        await PermissionGuard.RequireAsync(dataSource, actor, Permission.ViewSlips, filter.UnitId ?? actor.Units.FirstOrDefault(), "warning_slip", null, "预警提醒单");
        int[]? units = actor.Roles.Any(r => r.UnitId is null && Permissions.Allows(r.Role, Permission.ViewSlips)) ? null : [.. actor.Units];
        var states = filter.View switch
        {
            SlipView.New => new[] { SlipState.Issued },
            SlipView.Answering => [SlipState.Acknowledged],
            SlipView.Signature => [SlipState.Answered],
            SlipView.SentBack => [SlipState.SentBack],
            SlipView.Returned => [SlipState.Signed],
            SlipView.All => [.. SlipState.Labels.Codes],
            _ => [.. SlipState.Open],
        };
        var overdueOnly = filter.View == SlipView.Overdue;
        var page = Math.Max(1, filter.Page);
        const string where = """
            FROM warning_slip s
            JOIN matter m ON m.id = s.matter_id
            JOIN unit u ON u.id = s.unit_id
            LEFT JOIN matter_clock k ON k.slip_id = s.id
            WHERE s.center_id = @CenterId AND s.state = ANY(@states)
              AND (@units::int[] IS NULL OR s.unit_id = ANY(@units))
              AND NOT (m.is_accusation AND accusation_conflict(m.id, @units::int[]))
              AND (@unitId::int IS NULL OR s.unit_id = @unitId)
              AND (@trigger::text IS NULL OR s.trigger = @trigger)
              AND (NOT @overdueOnly OR (k.alert_state = 'overdue' AND k.stopped_at IS NULL))
            """;
        var args = new { actor.CenterId, states, units, unitId = filter.UnitId, trigger = filter.Trigger, overdueOnly, offset = (page - 1) * PageSize, PageSize };
        await using var connection = await dataSource.OpenConnectionAsync();
        var total = await connection.ExecuteScalarAsync<int>($"SELECT count(*) {where}", args);
        var items = await connection.QueryAsync<SlipListItem>($"""
            SELECT {ItemColumns}
            {where}
            ORDER BY s.issued_at DESC, s.id DESC
            LIMIT @PageSize OFFSET @offset
            """, args);
        return new SlipListPage([.. items], total, page, PageSize);
    }

    public async Task<SlipDetail?> DetailAsync(Actor actor, long slipId)
    {
        const string sql = """
            SELECT s.id, s.center_id AS CenterId, s.issued_at AS IssuedAt, s.due_at AS DueAt, s.matter_id AS MatterId, m.code AS MatterCode,
                   c.name AS Category, m.summary, s.trigger, s.recurrence, s.state, s.unit_id AS UnitId, u.name AS Unit,
                   s.visit_id AS VisitId, v.arrived_at AS VisitArrivedAt, v.level AS VisitLevel, v.headcount, s.visit_count AS VisitCount,
                   r.source AS RuleSource, r.threshold AS RuleThreshold,
                   s.investigation, s.cause_analysis AS CauseAnalysis, s.resolution_measures AS Resolution, s.stabilisation_measures AS Stabilisation,
                   s.carried_out_on AS CarriedOutOn, s.carried_out_by AS CarriedOutBy,
                   s.acknowledged_at AS AcknowledgedAt, ua.display_name AS AcknowledgedBy, s.answered_at AS AnsweredAt, un.display_name AS AnsweredBy,
                   s.answered_by AS AnsweredById, s.signed_at AS SignedAt, us.display_name AS SignedBy, s.sent_back_reason AS SentBackReason,
                   s.closed_at AS ClosedAt, uc.display_name AS ClosedBy, k.alert_state AS ClockState, v.behaviours
            FROM warning_slip s
            JOIN matter m ON m.id = s.matter_id
            JOIN matter_category c ON c.code = m.category
            JOIN unit u ON u.id = s.unit_id
            JOIN visit v ON v.id = s.visit_id
            JOIN slip_trigger_rule r ON r.id = s.rule_id
            LEFT JOIN matter_clock k ON k.slip_id = s.id
            LEFT JOIN app_user ua ON ua.id = s.acknowledged_by
            LEFT JOIN app_user un ON un.id = s.answered_by
            LEFT JOIN app_user us ON us.id = s.signed_by
            LEFT JOIN app_user uc ON uc.id = s.closed_by
            WHERE s.id = @slipId AND s.center_id = @CenterId
            """;
        await using var connection = await dataSource.OpenConnectionAsync();
        var row = (await connection.QueryAsync<SlipDetail, string[], SlipDetail>(sql, (d, b) => d with { Behaviours = b ?? [] },
            new { slipId, actor.CenterId }, splitOn: "behaviours")).SingleOrDefault();
        if (row is null)
        {
            return null;
        }

        await PermissionGuard.RequireAsync(dataSource, actor, Permission.ViewSlips, row.UnitId, "warning_slip", slipId, "预警提醒单");
        if (await connection.ExecuteScalarAsync<bool>("SELECT is_accusation FROM matter WHERE id = @MatterId", new { row.MatterId }))
        {
            // 条例 第三十条: a slip is the matter's file in short; the same reader sees or does not see the same.
            var hiddenFrom = Accusations.HiddenFrom(actor);
            if (hiddenFrom is not null && await connection.ExecuteScalarAsync<bool>("SELECT accusation_conflict(@MatterId, @hiddenFrom)",
                    new { row.MatterId, hiddenFrom }))
            {
                await AuditLog.WriteAsync(connection, null, new AuditEntry("matter.accusation_viewed", actor.CenterId, actor.UserId,
                    SubjectKind: "warning_slip", SubjectId: slipId, UnitId: row.UnitId, Outcome: "refused", Detail: new { row.MatterId, conflict = true }));
                return null;
            }

            var redacted = Accusations.RedactedFor(actor, await Accusations.DisciplineUnitAsync(connection, null, actor.CenterId));
            await AuditLog.WriteAsync(connection, null, new AuditEntry("matter.accusation_viewed", actor.CenterId, actor.UserId,
                SubjectKind: "warning_slip", SubjectId: slipId, UnitId: row.UnitId, Detail: new { row.MatterId, redacted }));
            if (redacted)
            {
                row = row with { Summary = Accusations.RedactedMark };
            }
        }

        var leaders = await connection.QueryAsync<string>("""
            SELECT a.display_name
            FROM user_role r
            JOIN app_user a ON a.id = r.user_id
            WHERE r.unit_id = @UnitId AND r.role = 'unit_leader' AND a.active
            ORDER BY a.display_name
            """, new { row.UnitId });
        var steps = await connection.QueryAsync<SlipStepRow>("""
            SELECT p.at, p.from_state AS FromState, p.to_state AS ToState, a.display_name AS User, p.note
            FROM warning_slip_step p
            LEFT JOIN app_user a ON a.id = p.user_id
            WHERE p.slip_id = @slipId
            ORDER BY p.at, p.id
            """, new { slipId });
        return row with { Leaders = [.. leaders], Steps = [.. steps] };
    }

    /// <summary>A matter's slips, newest first, for its file (the page has already checked the matter may be seen).</summary>
    public async Task<IReadOnlyList<SlipListItem>> ForMatterAsync(long matterId)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        return [.. await connection.QueryAsync<SlipListItem>($"""
            SELECT {ItemColumns}
            FROM warning_slip s
            JOIN matter m ON m.id = s.matter_id
            JOIN unit u ON u.id = s.unit_id
            LEFT JOIN matter_clock k ON k.slip_id = s.id
            WHERE s.matter_id = @matterId
            ORDER BY s.issued_at DESC, s.id DESC
            """, new { matterId })];
    }

    /// <summary>The open slips on a petitioner's matters, for the desk's history.</summary>
    public async Task<IReadOnlyList<SlipListItem>> OpenForPetitionerAsync(int centerId, long petitionerId)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        return [.. await connection.QueryAsync<SlipListItem>($"""
            SELECT {ItemColumns}
            FROM warning_slip s
            JOIN matter m ON m.id = s.matter_id
            JOIN unit u ON u.id = s.unit_id
            LEFT JOIN matter_clock k ON k.slip_id = s.id
            WHERE s.center_id = @centerId AND m.petitioner_id = @petitionerId AND s.closed_at IS NULL
            ORDER BY s.issued_at DESC
            """, new { centerId, petitionerId })];
    }

    /// <summary>Open slips by trigger with their overdue ones, every trigger listed, for the wall.</summary>
    public async Task<IReadOnlyList<SlipCount>> OpenByTriggerAsync(int centerId, CancellationToken cancellationToken = default)
    {
        const string sql = """
            SELECT s.trigger, count(*)::int AS Open, count(*) FILTER (WHERE k.alert_state = 'overdue' AND k.stopped_at IS NULL)::int AS Overdue
            FROM warning_slip s
            LEFT JOIN matter_clock k ON k.slip_id = s.id
            WHERE s.center_id = @centerId AND s.closed_at IS NULL
            GROUP BY s.trigger
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var counts = (await connection.QueryAsync<SlipCount>(sql, new { centerId })).ToDictionary(c => c.Trigger);
        return [.. SlipTrigger.Labels.Codes.Select(t => counts.GetValueOrDefault(t) ?? new SlipCount(t, 0, 0))];
    }
}
