using Dapper;
using Npgsql;
using OpsBoard.Data.Calendar;

namespace OpsBoard.Data.Matters;

public sealed record ClockAlert(long ClockId, long MatterId, string MatterCode, string RuleCode, string DayKind, string Source, string State,
    DateTime DueAt, string? Unit)
{
    /// <summary>"超期 2 个工作日", "剩余 3 日" …, filled in by the query from the clock's rule and the calendar.</summary>
    public string Distance { get; init; } = "";

    public string RuleName => ClockKind.Label(RuleCode);

    /// <summary>e.g. "条例第三十四条 · 办理答复 · 超期 2 日 · 县住建局", the distance in the clock's own kind of day.</summary>
    public string Text => string.Join(" · ", new[]
    {
        Source.Replace("《信访工作条例》", "条例", StringComparison.Ordinal),
        RuleName,
        Distance,
        Unit ?? "信访局",
    });
}

public sealed record AlertSummary(int Overdue, int Approaching, IReadOnlyList<ClockAlert> Top);

/// <summary>Approaching and overdue clocks, most urgent first, for the wall, the director and each unit.</summary>
public sealed class AlertQueries(NpgsqlDataSource dataSource, CalendarStore calendars, TimeProvider time)
{
    public async Task<AlertSummary> ForCenterAsync(int centerId, int top, int? unitId = null, CancellationToken cancellationToken = default)
    {
        // Both read the center's alerting clocks from one partial index; a unit's are those of its matters.
        const string countSql = """
            SELECT count(*) FILTER (WHERE k.alert_state = 'overdue')::int AS Overdue,
                   count(*) FILTER (WHERE k.alert_state = 'approaching')::int AS Approaching
            FROM matter_clock k
            WHERE k.center_id = @centerId AND k.stopped_at IS NULL AND k.alert_state IN ('approaching', 'overdue')
              AND (@unitId::int IS NULL OR EXISTS (SELECT 1 FROM matter m WHERE m.id = k.matter_id AND m.responsible_unit_id = @unitId
                                           AND NOT (m.is_accusation AND accusation_conflict(m.id, ARRAY[@unitId]))))
            """;
        // Overdue first, the longest overdue at the top; then approaching, the soonest due first. Each state is walked in
        // due order and cut at @top before anything is joined, so the cost does not grow with the number of alerts.
        const string topSql = """
            WITH picked AS (
                (SELECT k.id, k.matter_id, k.rule_id, k.alert_state, k.due_at
                 FROM matter_clock k
                 WHERE k.center_id = @centerId AND k.stopped_at IS NULL AND k.alert_state = 'overdue'
                   AND (@unitId::int IS NULL OR EXISTS (SELECT 1 FROM matter m WHERE m.id = k.matter_id AND m.responsible_unit_id = @unitId
                                           AND NOT (m.is_accusation AND accusation_conflict(m.id, ARRAY[@unitId]))))
                 ORDER BY k.due_at
                 LIMIT @top)
                UNION ALL
                (SELECT k.id, k.matter_id, k.rule_id, k.alert_state, k.due_at
                 FROM matter_clock k
                 WHERE k.center_id = @centerId AND k.stopped_at IS NULL AND k.alert_state = 'approaching'
                   AND (@unitId::int IS NULL OR EXISTS (SELECT 1 FROM matter m WHERE m.id = k.matter_id AND m.responsible_unit_id = @unitId
                                           AND NOT (m.is_accusation AND accusation_conflict(m.id, ARRAY[@unitId]))))
                 ORDER BY k.due_at
                 LIMIT @top))
            SELECT k.id AS ClockId, m.id AS MatterId, m.code AS MatterCode, r.code AS RuleCode, r.day_kind AS DayKind, r.source,
                   k.alert_state AS State, k.due_at AS DueAt, u.name AS Unit
            FROM picked k
            JOIN matter m ON m.id = k.matter_id
            JOIN deadline_rule r ON r.id = k.rule_id
            LEFT JOIN unit u ON u.id = m.responsible_unit_id
            ORDER BY k.alert_state = 'overdue' DESC, k.due_at ASC
            LIMIT @top
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var counts = await connection.QuerySingleAsync<(int Overdue, int Approaching)>(countSql, new { centerId, unitId });
        var rows = await connection.QueryAsync<ClockAlert>(topSql, new { centerId, unitId, top });
        var calendar = await calendars.CurrentAsync(cancellationToken);
        var today = ChinaTime.Today(time);
        var alerts = rows.Select(a => a with
        {
            Distance = ClockDistance.Describe(new DeadlineRule { Code = a.RuleCode, DayKind = a.DayKind }, ChinaTime.DayOf(a.DueAt), today, calendar,
                a.State == ClockAlertState.Overdue),
        }).ToList();
        return new AlertSummary(counts.Overdue, counts.Approaching, alerts);
    }
}
