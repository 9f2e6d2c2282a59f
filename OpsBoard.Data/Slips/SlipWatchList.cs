using Dapper;
using Npgsql;
using OpsBoard.Data.Accounts;

namespace OpsBoard.Data.Slips;

/// <summary>
/// Why a matter is on the risk watch-list (风险研判, 事前预警): it is one step from a trigger, so the petition office can act
/// before a slip is due.
/// </summary>
public static class WatchReason
{
    /// <summary>Visits on the matter reached the repeat threshold less one: the next visit raises a 重复访 slip.</summary>
    public const string RepeatNear = "repeat_near";

    /// <summary>
    /// The petitioner came back while one of the office's clocks on the matter was overdue (a slip's own clock and the
    /// petitioner's windows to ask for review are not the office's handling time).
    /// </summary>
    public const string OverdueVisit = "overdue_visit";

    /// <summary>The petitioner has reached the escalated level before (on any matter).</summary>
    public const string EscalatedBefore = "escalated_before";

    /// <summary>The latest visit brought the collective threshold less one or more people.</summary>
    public const string CollectiveNear = "collective_near";

    public static CodeSet Labels { get; } = new(
        (RepeatNear, "再访即为重复访"), (OverdueVisit, "超期未结又来访"), (EscalatedBefore, "曾越级上访"), (CollectiveNear, "人数接近集体访"));

    public static string Label(string reason) => Labels.Label(reason);
}

public sealed record WatchItem(long MatterId, string MatterCode, string Category, string Summary, string Status, string? Unit, int? UnitId,
    DateTime LastVisitAt, int Visits, int RepeatThreshold, bool RepeatNear, long OverdueSeconds, string? EscalatedLevel, DateTime? EscalatedAt,
    int LastHeadcount, int CollectiveThreshold, bool CollectiveNear, int OpenSlips)
{
    public bool OverdueVisit => OverdueSeconds > 0;

    public bool EscalatedBefore => EscalatedLevel is not null;

    /// <summary>The reasons, each with what was seen: "已来访 2 次，第 3 次即触发重复访" …</summary>
    public IReadOnlyList<(string Reason, string Detail)> Reasons
    {
        get
        {
            var reasons = new List<(string, string)>();
            if (RepeatNear)
            {
                reasons.Add((WatchReason.RepeatNear, $"已来访 {Visits} 次，第 {Math.Max(Visits + 1, RepeatThreshold)} 次即触发重复访"));
            }

            if (OverdueVisit)
            {
                reasons.Add((WatchReason.OverdueVisit, $"来访时办理已超期 {Math.Max(1, (OverdueSeconds + 86399) / 86400)} 天"));
            }

            if (EscalatedLevel is { } level && EscalatedAt is { } at)
            {
                var where = level switch
                {
                    Reception.VisitLevel.National => "进京上访",
                    Reception.VisitLevel.Province => "到省上访",
                    _ => "到市上访",
                };
                reasons.Add((WatchReason.EscalatedBefore, $"{ChinaTime.Format(at, "yyyy-MM-dd")} 曾{where}"));
            }

            if (CollectiveNear)
            {
                // At the threshold already with no slip open on it (the last one closed): the next such visit is a recurrence.
                reasons.Add((WatchReason.CollectiveNear, LastHeadcount >= CollectiveThreshold
                    ? $"最近一次来访 {LastHeadcount} 人，已达集体访人数（无在办提醒单）"
                    : $"最近一次来访 {LastHeadcount} 人（{CollectiveThreshold} 人以上为集体访）"));
            }

            return reasons;
        }
    }
}

public sealed record WatchListPage(IReadOnlyList<WatchItem> Items, int Total, int Page, int PageSize, int RepeatThreshold, int CollectiveThreshold,
    string EscalatedLevel)
{
    public int Pages => Math.Max(1, (Total + PageSize - 1) / PageSize);
}

/// <summary>
/// The risk watch-list (事前预警, 区县信访“人民满意窗口”实施方案 "超前掌握情报、联合研判访情"): matters visited lately that are
/// one step from a slip — the thresholds read from the trigger rules in force today, so an admin's new version moves
/// the list with it. A trigger whose slip is open already is not a risk any more but a slip being handled, so it does
/// not count.
/// </summary>
public sealed class SlipWatchList(NpgsqlDataSource dataSource, TimeProvider time)
{
    public const int PageSize = 25;

    /// <summary>
    /// How far back a visit keeps a matter "live" for the list: a quarter, the span the office reviews a petitioner's
    /// recent conduct over; older matters that stir again come back with their next visit.
    /// </summary>
    public const int WindowDays = 90;

    public async Task<WatchListPage> ListAsync(Actor actor, string? reason, int page)
    {
        await PermissionGuard.RequireAsync(dataSource, actor, Permission.ViewWatchList, actor.Units.Count > 0 ? actor.Units[0] : null, "watch_list", null, "风险研判清单");
        reason = WatchReason.Labels.Contains(reason) ? reason : null;
        page = Math.Max(1, page);
        var now = time.GetUtcNow();
        var today = ChinaTime.DayOf(now);

        // One pass over the matters visited in the window: their counts, the latest visit's headcount, the worst overdue
        // a visit found, and the petitioner's highest escalation, each from an index on visit, matter_clock or slip.
        const string sql = """
            WITH rule AS (
                SELECT DISTINCT ON (trigger) trigger, threshold
                FROM slip_trigger_rule
                WHERE effective_from <= @today
                ORDER BY trigger, effective_from DESC
            ),
            thresholds AS (
                SELECT (SELECT threshold FROM rule WHERE trigger = 'repeat') AS repeat,
                       (SELECT threshold FROM rule WHERE trigger = 'collective') AS collective,
                       (SELECT threshold FROM rule WHERE trigger = 'escalated') AS escalated
            ),
            recent AS (
                SELECT v.matter_id, max(v.arrived_at) AS last_visit_at
                FROM visit v
                WHERE v.center_id = @CenterId AND v.visit_day >= @since AND v.arrived_at <= @now AND v.matter_id IS NOT NULL
                GROUP BY v.matter_id
            ),
            seen AS (
                SELECT r.matter_id, r.last_visit_at, m.code, m.category, m.summary, m.status, m.responsible_unit_id, m.petitioner_id,
                       (SELECT count(*) FROM visit w WHERE w.matter_id = r.matter_id AND w.arrived_at <= @now)::int AS visits,
                       (SELECT w.headcount FROM visit w WHERE w.matter_id = r.matter_id AND w.arrived_at <= @now
                        ORDER BY w.arrived_at DESC, w.id DESC LIMIT 1) AS last_headcount,
                       (SELECT coalesce(max(extract(epoch FROM w.arrived_at - k.due_at)), 0)::bigint
                        FROM visit w
                        JOIN matter_clock k ON k.matter_id = w.matter_id AND k.slip_id IS NULL
                        JOIN deadline_rule d ON d.id = k.rule_id AND d.code <> ALL(@petitionerWindows)
                        WHERE w.matter_id = r.matter_id AND w.visit_day >= @since AND w.arrived_at <= @now
                          AND w.arrived_at > k.due_at AND k.started_at < w.arrived_at
                          AND (k.stopped_at IS NULL OR k.stopped_at > w.arrived_at)) AS overdue_seconds,
                       esc.level AS escalated_level, esc.arrived_at AS escalated_at,
                       (SELECT array_agg(s.trigger) FROM warning_slip s WHERE s.matter_id = r.matter_id AND s.closed_at IS NULL) AS open_triggers
                FROM recent r
                JOIN matter m ON m.id = r.matter_id
                CROSS JOIN thresholds t
                LEFT JOIN LATERAL (
                    SELECT w.level, w.arrived_at
                    FROM visit w
                    WHERE w.petitioner_id = m.petitioner_id AND w.arrived_at <= @now
                      AND array_position(@levels, w.level) >= t.escalated
                    ORDER BY w.arrived_at DESC
                    LIMIT 1
                ) esc ON true
                WHERE m.center_id = @CenterId
                  AND (@units::int[] IS NULL OR m.responsible_unit_id = ANY(@units))
            ),
            judged AS (
                SELECT s.*, t.repeat AS repeat_threshold, t.collective AS collective_threshold,
                       s.visits >= t.repeat - 1 AND NOT 'repeat' = ANY(coalesce(s.open_triggers, '{}')) AS repeat_near,
                       s.last_headcount >= t.collective - 1 AND NOT 'collective' = ANY(coalesce(s.open_triggers, '{}')) AS collective_near,
                       s.escalated_level IS NOT NULL AND NOT 'escalated' = ANY(coalesce(s.open_triggers, '{}')) AS escalated_before
                FROM seen s
                CROSS JOIN thresholds t
            )
            SELECT j.matter_id AS MatterId, j.code AS MatterCode, c.name AS Category, j.summary, j.status, u.name AS Unit,
                   j.responsible_unit_id AS UnitId, j.last_visit_at AS LastVisitAt, j.visits, j.repeat_threshold AS RepeatThreshold,
                   j.repeat_near AS RepeatNear, j.overdue_seconds AS OverdueSeconds,
                   CASE WHEN j.escalated_before THEN j.escalated_level END AS EscalatedLevel,
                   CASE WHEN j.escalated_before THEN j.escalated_at END AS EscalatedAt,
                   j.last_headcount AS LastHeadcount, j.collective_threshold AS CollectiveThreshold, j.collective_near AS CollectiveNear,
                   coalesce(cardinality(j.open_triggers), 0) AS OpenSlips,
                   count(*) OVER () AS total
            FROM judged j
            JOIN matter_category c ON c.code = j.category
            LEFT JOIN unit u ON u.id = j.responsible_unit_id
            WHERE (j.repeat_near OR j.overdue_seconds > 0 OR j.escalated_before OR j.collective_near)
              AND (@reason::text IS NULL
                   OR (@reason = 'repeat_near' AND j.repeat_near)
                   OR (@reason = 'overdue_visit' AND j.overdue_seconds > 0)
                   OR (@reason = 'escalated_before' AND j.escalated_before)
                   OR (@reason = 'collective_near' AND j.collective_near))
            ORDER BY j.repeat_near::int + (j.overdue_seconds > 0)::int + j.escalated_before::int + j.collective_near::int DESC,
                     j.last_visit_at DESC, j.matter_id DESC
            LIMIT @PageSize OFFSET @offset
            """;
        int[]? units = actor.SeesWholeCenter ? null : [.. actor.Units];
        await using var connection = await dataSource.OpenConnectionAsync();
        var rows = (await connection.QueryAsync<WatchItem, long, (WatchItem Item, long Total)>(sql, (item, total) => (item, total),
            new
            {
                actor.CenterId, today, since = today.AddDays(-WindowDays), now = now.UtcDateTime, units, reason,
                levels = SlipTrigger.LevelOrder.ToArray(), petitionerWindows = Matters.ClockKind.PetitionerWindows.ToArray(), PageSize, offset = (page - 1) * PageSize,
            }, splitOn: "total")).ToList();
        var thresholds = (await connection.QueryAsync<(string Trigger, int Threshold)>("""
            SELECT DISTINCT ON (trigger) trigger, threshold
            FROM slip_trigger_rule
            WHERE effective_from <= @today
            ORDER BY trigger, effective_from DESC
            """, new { today })).ToDictionary(r => r.Trigger, r => r.Threshold);
        var total = rows.Count > 0 ? (int)rows[0].Total : 0;
        return new WatchListPage([.. rows.Select(r => r.Item)], total, page, PageSize, thresholds[SlipTrigger.Repeat], thresholds[SlipTrigger.Collective],
            SlipTrigger.LevelOrder[thresholds[SlipTrigger.Escalated] - 1]);
    }
}
