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
        const string countSql = """
            SELECT count(*) FILTER (WHERE k.alert_state = 'overdue')::int AS Overdue,
                   count(*) FILTER (WHERE k.alert_state = 'approaching')::int AS Approaching
            FROM matter_clock k
            JOIN matter m ON m.id = k.matter_id
            WHERE m.center_id = @centerId AND k.stopped_at IS NULL AND k.alert_state IN ('approaching', 'overdue')
              AND (@unitId::int IS NULL OR m.responsible_unit_id = @unitId)
            """;
        // Overdue first, the longest overdue at the top; then approaching, the soonest due first.
        const string topSql = """
            SELECT k.id AS ClockId, m.id AS MatterId, m.code AS MatterCode, r.code AS RuleCode, r.day_kind AS DayKind, r.source,
                   k.alert_state AS State, k.due_at AS DueAt, u.name AS Unit
            FROM matter_clock k
            JOIN matter m ON m.id = k.matter_id
            JOIN deadline_rule r ON r.id = k.rule_id
            LEFT JOIN unit u ON u.id = m.responsible_unit_id
            WHERE m.center_id = @centerId AND k.stopped_at IS NULL AND k.alert_state IN ('approaching', 'overdue')
              AND (@unitId::int IS NULL OR m.responsible_unit_id = @unitId)
            ORDER BY k.alert_state = 'overdue' DESC,
                     CASE WHEN k.alert_state = 'overdue' THEN k.due_at END ASC,
                     k.due_at ASC
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
