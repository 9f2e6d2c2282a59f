using OpsBoard.Data.Matters;
using OpsBoard.Data.Reception;

namespace OpsBoard.Data.Metrics;

/// <summary>
/// The KPIs of the center, each defined once (docs/sources.md names the documents). Every population query
/// returns the same columns, so figures, breakdowns, drill-downs, frozen months and exports are all counted from
/// <see cref="KpiItem"/> rows. Parameters: @centerId, the period as @from/@to (UTC instants) and @fromDay/@toDay
/// (China dates, end exclusive), and @rules (the definition's rule codes). The item's visit, if it has one, is the last
/// column: the KPI ledger finds an item again by its matter or its visit (<see cref="KpiItemKind.ChangedSql"/>).
/// </summary>
public static class Kpis
{
    // A clock that ended in the period counts once; lapsed petitioner windows and clocks still running do not.
    static string ClockItems(string inNumerator = "k.result = 'met'") => $"""
        SELECT 'clock' AS ItemKind, k.id AS ItemId, m.id AS MatterId, m.code AS Code, k.stopped_at AS At,
               {inNumerator} AS InNumerator, NULL::timestamptz AS StartedAt,
               m.responsible_unit_id AS UnitId, m.category AS Category, m.locality_id AS LocalityId, m.source AS Source,
               NULL::text AS Level, NULL::bigint AS VisitId
        FROM matter_clock k
        JOIN deadline_rule r ON r.id = k.rule_id
        JOIN matter m ON m.id = k.matter_id
        WHERE k.center_id = @centerId AND k.stopped_at >= @from AND k.stopped_at < @to
          AND r.code = ANY(@rules) AND k.result IN ('met', 'breached')
        """;

    public static KpiDefinition TimelyAcceptance { get; } = new(
        "timely_acceptance", "及时受理率",
        "在期限内作出受理（交办、转送或不予受理）决定的事项", "登记转送交办期限在本期结束的事项",
        KpiMeasure.Rate, KpiDirection.AtLeast, 100, "100 %",
        "《大英县接待场所方案》三(二)2；《人民满意窗口方案》二；《信访工作条例》第二十一条",
        [ClockKind.Transfer], KpiItemKind.Clock, ClockItems()) { ShortTarget = "100%" };

    // 含延期: the local limit cannot itself be extended; a unit whose head approved an extension of 办理答复 (条例 第三十四条)
    // and replied within it closed on time (DOMAIN "matters closed within their (extended) handling clock").
    public static KpiDefinition OnTimeClosure { get; } = new(
        "on_time_closure", "按期办结率",
        "在本地限期（含延期）内办结的事项", "本地限期办理期限在本期结束的事项",
        KpiMeasure.Rate, KpiDirection.AtLeast, 100, "100 %",
        "《人民满意窗口方案》二",
        [ClockKind.LocalHandling, ClockKind.LocalHandlingRemote], KpiItemKind.Clock, ClockItems($"""
            (k.result = 'met' OR EXISTS (
                SELECT 1
                FROM matter_clock h
                JOIN deadline_rule hr ON hr.id = h.rule_id
                WHERE h.matter_id = k.matter_id AND hr.code = '{ClockKind.Handling}' AND h.extension_days > 0 AND h.result = 'met'))
            """)) { ShortTarget = "100%" };

    public static KpiDefinition ReplyOnTime { get; } = new(
        "reply_on_time", "有权处理机关按期答复率",
        "在办理期限（含延期）内书面答复的事项", "办理答复期限在本期结束的事项",
        KpiMeasure.Rate, KpiDirection.AtLeast, 100, "100 %",
        "《大英县接待场所方案》三(二)2；《信访工作条例》第三十二条",
        [ClockKind.Handling], KpiItemKind.Clock, ClockItems()) { ShortName = "按期答复率", ShortTarget = "100%" };

    public static KpiDefinition Participation { get; } = new(
        "participation", "参评率",
        "填写《来访接待服务评价卡》的初访", "本期初访",
        KpiMeasure.Rate, KpiDirection.AtLeast, 85, "≥ 85 %",
        "《大英县接待场所方案》三(二)4",
        [], KpiItemKind.Visit, """
        SELECT 'visit' AS ItemKind, v.id AS ItemId, v.matter_id AS MatterId, coalesce(m.code, '') AS Code, v.arrived_at AS At,
               EXISTS (SELECT 1 FROM evaluation e WHERE e.visit_id = v.id) AS InNumerator, NULL::timestamptz AS StartedAt,
               m.responsible_unit_id AS UnitId, m.category AS Category, v.locality_id AS LocalityId, 'visit' AS Source,
               v.level AS Level, v.id AS VisitId
        FROM visit v
        LEFT JOIN matter m ON m.id = v.matter_id
        WHERE v.center_id = @centerId AND v.visit_day >= @fromDay AND v.visit_day < @toDay AND v.is_first_visit
        """) { ShortTarget = "≥85%" };

    // 满意 and 基本满意 both count as satisfied, as the evaluation card's 满意度 is reported by county offices.
    public static KpiDefinition Satisfaction { get; } = new(
        "satisfaction", "满意率",
        "评价为满意或基本满意", "本期评价（评价卡、答复时征询）",
        KpiMeasure.Rate, KpiDirection.AtLeast, 85, "≥ 85 %（代办件 95 %）",
        "《大英县接待场所方案》三(二)4；《沥海街道信访工作意见》二(三)",
        [], KpiItemKind.Evaluation, $"""
        SELECT 'evaluation' AS ItemKind, e.id AS ItemId, coalesce(e.matter_id, v.matter_id) AS MatterId, coalesce(m.code, '') AS Code,
               e.at AS At, e.rating IN ('{EvaluationRating.Satisfied}', '{EvaluationRating.BasicallySatisfied}') AS InNumerator,
               NULL::timestamptz AS StartedAt,
               m.responsible_unit_id AS UnitId, m.category AS Category, coalesce(v.locality_id, m.locality_id) AS LocalityId,
               coalesce(m.source, 'visit') AS Source, v.level AS Level, v.id AS VisitId
        FROM evaluation e
        LEFT JOIN visit v ON v.id = e.visit_id
        LEFT JOIN matter m ON m.id = coalesce(e.matter_id, v.matter_id)
        WHERE e.at >= @from AND e.at < @to AND coalesce(v.center_id, m.center_id) = @centerId
        """) { ShortTarget = "≥85%" };

    // 不予受理 closes a file without resolving it (the petitioner is sent to a court, an arbitration …): not a closure here.
    // Visits are counted up to the closing, so a month's figure does not drift as petitioners come back later: one who
    // comes back about a closed matter asks for 复查 (which reopens it) or is counted in the month it closes again.
    public static KpiDefinition FirstTimeResolution { get; } = new(
        "first_time_resolution", "一次性化解率",
        "只来访一次、未申请复查即办结的事项", "本期办结的事项",
        KpiMeasure.Rate, KpiDirection.RisingYearOnYear, null, "逐年提高",
        "《人民满意窗口方案》二",
        [], KpiItemKind.Matter, $"""
        SELECT 'matter' AS ItemKind, m.id AS ItemId, m.id AS MatterId, m.code AS Code, m.closed_at AS At,
               (SELECT count(*) FROM visit v WHERE v.matter_id = m.id AND v.arrived_at <= m.closed_at) <= 1
                 AND NOT EXISTS (SELECT 1 FROM matter_transition t WHERE t.matter_id = m.id AND t.to_status = '{MatterStatus.Review}') AS InNumerator,
               NULL::timestamptz AS StartedAt,
               m.responsible_unit_id AS UnitId, m.category AS Category, m.locality_id AS LocalityId, m.source AS Source,
               NULL::text AS Level, NULL::bigint AS VisitId
        FROM matter m
        WHERE m.center_id = @centerId AND m.closed_at >= @from AND m.closed_at < @to AND m.status <> '{MatterStatus.NotAccepted}'
        """) { ShortName = "一次化解率" };

    // 当天接谈、当天转交: a visit the center hands to a responsible unit is with that unit by the end of the visit's day.
    // A matter the center did not accept (不予受理) goes to no unit, so its visits are not handed over late: they are left out.
    public static KpiDefinition SameDayHandover { get; } = new(
        "same_day_handover", "当日转交率",
        "来访当日已交办或转送责任单位", "本期交由责任单位办理的来访",
        KpiMeasure.Rate, KpiDirection.AtLeast, 100, "100 %",
        "《大英县接待场所方案》三(三)2“当天接谈、当天转交”；《常州“五心”服务标准》第10项 当日办",
        [], KpiItemKind.Visit, $"""
        SELECT 'visit' AS ItemKind, v.id AS ItemId, v.matter_id AS MatterId, m.code AS Code, v.arrived_at AS At,
               m.assigned_at IS NOT NULL AND (m.assigned_at AT TIME ZONE 'Asia/Shanghai')::date <= v.visit_day AS InNumerator,
               NULL::timestamptz AS StartedAt,
               m.responsible_unit_id AS UnitId, m.category AS Category, v.locality_id AS LocalityId, 'visit' AS Source,
               v.level AS Level, v.id AS VisitId
        FROM visit v
        JOIN matter m ON m.id = v.matter_id
        WHERE v.center_id = @centerId AND v.visit_day >= @fromDay AND v.visit_day < @toDay
          AND v.outcome IN ('{VisitOutcome.HandedToUnit}', '{VisitOutcome.MatterRegistered}') AND m.status <> '{MatterStatus.NotAccepted}'
        """) { ShortTarget = "100%" };

    // 信访代办 serves first letters and visits in person (初信初访): phone and online matters are not eligible.
    public static KpiDefinition ProxyRate { get; } = new(
        "proxy_rate", "代办率",
        "经信访代办员代办的事项", "本期新登记的来访、来信事项",
        KpiMeasure.Rate, KpiDirection.AtLeast, 50, "≥ 50 %",
        "《沥海街道信访工作意见》二(三)",
        [], KpiItemKind.Matter, $"""
        SELECT 'matter' AS ItemKind, m.id AS ItemId, m.id AS MatterId, m.code AS Code, m.received_at AS At,
               m.is_proxy AS InNumerator, NULL::timestamptz AS StartedAt,
               m.responsible_unit_id AS UnitId, m.category AS Category, m.locality_id AS LocalityId, m.source AS Source,
               NULL::text AS Level, NULL::bigint AS VisitId
        FROM matter m
        WHERE m.center_id = @centerId AND m.received_at >= @from AND m.received_at < @to
          AND m.source IN ('{MatterSource.Visit}', '{MatterSource.Letter}')
        """) { ShortTarget = "≥50%" };

    /// <summary>
    /// The city's published average handling time, in working days: the 一个低于 target of 《人民满意窗口方案》二.
    /// Changed here when the city publishes a new average.
    /// </summary>
    public const double CityAverageHandlingDays = 20;

    public static KpiDefinition AverageHandlingDays { get; } = new(
        "average_handling_days", "平均办理时限",
        "受理至答复的工作日之和", "本期答复的事项",
        KpiMeasure.MeanWorkingDays, KpiDirection.AtMost, CityAverageHandlingDays, $"低于市平均（{CityAverageHandlingDays:0} 个工作日）",
        "《人民满意窗口方案》二",
        [], KpiItemKind.Matter, """
        SELECT 'matter' AS ItemKind, m.id AS ItemId, m.id AS MatterId, m.code AS Code, m.replied_at AS At,
               true AS InNumerator, m.accepted_at AS StartedAt,
               m.responsible_unit_id AS UnitId, m.category AS Category, m.locality_id AS LocalityId, m.source AS Source,
               NULL::text AS Level, NULL::bigint AS VisitId
        FROM matter m
        WHERE m.center_id = @centerId AND m.replied_at >= @from AND m.replied_at < @to AND m.accepted_at IS NOT NULL
        """) { ShortName = "平均时限", ShortTarget = $"≤{CityAverageHandlingDays:0}日" };

    public static KpiDefinition EscalatedVisits { get; } = new(
        "escalated_visits", "越级走访量",
        "到市、赴省、进京的走访", "本期越级走访",
        KpiMeasure.Count, KpiDirection.FallingYearOnYear, null, "逐年下降",
        "《人民满意窗口方案》二",
        [], KpiItemKind.Visit, $"""
        SELECT 'visit' AS ItemKind, v.id AS ItemId, v.matter_id AS MatterId, coalesce(m.code, '') AS Code, v.arrived_at AS At,
               true AS InNumerator, NULL::timestamptz AS StartedAt,
               m.responsible_unit_id AS UnitId, m.category AS Category, v.locality_id AS LocalityId, 'visit' AS Source,
               v.level AS Level, v.id AS VisitId
        FROM visit v
        LEFT JOIN matter m ON m.id = v.matter_id
        WHERE v.center_id = @centerId AND v.visit_day >= @fromDay AND v.visit_day < @toDay AND v.level <> '{VisitLevel.County}'
        """);

    public static IReadOnlyList<KpiDefinition> All { get; } =
    [
        TimelyAcceptance, OnTimeClosure, ReplyOnTime, Participation, Satisfaction,
        FirstTimeResolution, SameDayHandover, ProxyRate, AverageHandlingDays, EscalatedVisits,
    ];

    public static KpiDefinition? Find(string? code) => All.FirstOrDefault(k => k.Code == code);
}
