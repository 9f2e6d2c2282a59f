namespace OpsBoard.Data.Metrics;

/// <summary>How a KPI's value is compared with its target.</summary>
public enum KpiDirection
{
    /// <summary>At or above the target (及时受理率 100 %, 参评率 ≥ 85 %).</summary>
    AtLeast,

    /// <summary>At or below the target (平均办理时限).</summary>
    AtMost,

    /// <summary>Above the same month of last year (一次性化解率 逐年提高).</summary>
    RisingYearOnYear,

    /// <summary>Below the same month of last year (越级走访量 逐年下降).</summary>
    FallingYearOnYear,
}

/// <summary>What a KPI's value is: a share of its items, the mean of the items' values, or a plain count.</summary>
public enum KpiMeasure
{
    Rate,
    MeanWorkingDays,
    Count,
}

/// <summary>
/// One KPI as the app computes it: which items make its population in a period (<see cref="ItemsSql"/>), which of them
/// count in the numerator, its target and the document that sets it. The wall, /metrics, the drill-down, month closing
/// and the export all read a KPI from here.
/// </summary>
public sealed record KpiDefinition(
    string Code,
    string Name,
    string Numerator,
    string Denominator,
    KpiMeasure Measure,
    KpiDirection Direction,
    double? Target,
    string TargetText,
    string Source,
    IReadOnlyList<string> RuleCodes,
    string ItemKind,
    string ItemsSql)
{
    public string ItemLabel => KpiItemKind.Labels.Label(ItemKind);

    /// <summary>Its target is last year's figure for the same days (逐年提高, 逐年下降), not a fixed value.</summary>
    public bool ComparesYearOnYear => Direction is KpiDirection.RisingYearOnYear or KpiDirection.FallingYearOnYear;

    /// <summary>The name where space is short (the wall's compact figures).</summary>
    public string ShortName { get; init; } = Name;

    /// <summary>The target where space is short.</summary>
    public string ShortTarget { get; init; } = TargetText;
}

/// <summary>What one item of a KPI's population is.</summary>
public static class KpiItemKind
{
    public const string Clock = "clock";
    public const string Matter = "matter";
    public const string Visit = "visit";
    public const string Evaluation = "evaluation";

    public static CodeSet Labels { get; } = new((Clock, "期限"), (Matter, "信访事项"), (Visit, "来访"), (Evaluation, "评价"));

    /// <summary>
    /// A condition on a definition's own tables (its SQL names them k, m, v and e) that holds for every item whose
    /// matter is in @matters or whose visit is in @visits, and that an index can answer: the KPI ledger adds it when it
    /// recomputes only the items of the matters and visits that changed.
    /// </summary>
    public static string ChangedSql(string kind) => kind switch
    {
        Clock => "k.matter_id = ANY(@matters)",
        Matter => "m.id = ANY(@matters)",
        Visit => "(v.matter_id = ANY(@matters) OR v.id = ANY(@visits))",
        // The matters' visits are read once (an uncorrelated array), so both arms are index lookups on evaluation.
        Evaluation => "(e.matter_id = ANY(@matters) OR e.visit_id = ANY(@visits || ARRAY(SELECT x.id FROM visit x WHERE x.matter_id = ANY(@matters))))",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "no such item kind"),
    };
}

/// <summary>One matter or visit of a KPI's population, with the dimensions the breakdowns group by.</summary>
public sealed record KpiItem(
    string Kpi,
    string ItemKind,
    long ItemId,
    long? MatterId,
    string Code,
    DateTime At,
    bool InNumerator,
    double? Value,
    int? UnitId,
    string? Category,
    int? LocalityId,
    string? Source,
    string? Level);

/// <summary>Whether a figure meets its target.</summary>
public enum KpiStanding
{
    Met,
    Missed,
    NoData,
}

/// <summary>A KPI's figure for one period: counts, value, and how it stands against the target.</summary>
public sealed record KpiFigure(KpiDefinition Kpi, int Numerator, int Denominator, double? Value, double? LastYear)
{
    /// <summary>Counts the items: the share in the numerator, their mean value, or their number.</summary>
    public static KpiFigure Of(KpiDefinition kpi, IEnumerable<KpiItem> items, double? lastYear = null)
    {
        var list = items as IReadOnlyCollection<KpiItem> ?? [.. items];
        var numerator = list.Count(i => i.InNumerator);
        return kpi.Measure == KpiMeasure.MeanWorkingDays
            ? new KpiFigure(kpi, numerator, list.Count, list.Count == 0 ? null : list.Average(i => i.Value ?? 0), lastYear)
            : Counted(kpi, numerator, list.Count, lastYear);
    }

    /// <summary>A share or a count from the numbers alone, as the database counts them (not for a mean).</summary>
    public static KpiFigure Counted(KpiDefinition kpi, int numerator, int denominator, double? lastYear = null) => kpi.Measure switch
    {
        KpiMeasure.Rate => new KpiFigure(kpi, numerator, denominator, denominator == 0 ? null : 100.0 * numerator / denominator, lastYear),
        KpiMeasure.Count => new KpiFigure(kpi, numerator, denominator, denominator, lastYear),
        _ => throw new ArgumentException($"{kpi.Code} is a mean of its items' values: count it from its items", nameof(kpi)),
    };

    /// <summary>The target the value is held against: the fixed target, or last year's value for a year-on-year one.</summary>
    public double? TargetValue => Kpi.ComparesYearOnYear ? LastYear : Kpi.Target;

    public KpiStanding Standing => (Value, TargetValue) switch
    {
        (null, _) => KpiStanding.NoData,
        (_, null) => KpiStanding.NoData,
        var (v, t) => Kpi.Direction switch
        {
            KpiDirection.AtLeast => v >= t - 1e-9 ? KpiStanding.Met : KpiStanding.Missed,
            KpiDirection.AtMost => v <= t + 1e-9 ? KpiStanding.Met : KpiStanding.Missed,
            KpiDirection.RisingYearOnYear => v > t ? KpiStanding.Met : KpiStanding.Missed,
            _ => v < t ? KpiStanding.Met : KpiStanding.Missed,
        },
    };

    /// <summary>Value minus target, in the KPI's own unit (percentage points, working days, visits).</summary>
    public double? Gap => Value is { } v && TargetValue is { } t ? v - t : null;

    public string ValueText => Format(Value);

    public string TargetDisplay => Kpi.Direction switch
    {
        KpiDirection.RisingYearOnYear or KpiDirection.FallingYearOnYear =>
            $"{Kpi.TargetText}（去年同期 {(LastYear is null ? "无数据" : Format(LastYear))}）",
        _ => Kpi.TargetText,
    };

    /// <summary>Value and target for the wall's compact figures: "97.6%", "8.5 工作日", "目标≥85%", "去年 73.6%".</summary>
    public string ShortValueText => Value is not { } v
        ? "—"
        : Kpi.Measure switch
        {
            KpiMeasure.Rate => $"{v:0.0}%",
            KpiMeasure.MeanWorkingDays => $"{v:0.0} 工作日",
            _ => $"{v:0} 人次",
        };

    public string ShortTargetText => Kpi.ComparesYearOnYear
        ? $"去年 {(LastYear is { } last ? (Kpi.Measure == KpiMeasure.Rate ? $"{last:0.0}%" : $"{last:0}") : "无数据")}"
        : $"目标{Kpi.ShortTarget}";

    public string Format(double? value) => value is not { } v
        ? "—"
        : Kpi.Measure switch
        {
            KpiMeasure.Rate => $"{v:0.0} %",
            KpiMeasure.MeanWorkingDays => $"{v:0.0} 个工作日",
            _ => $"{v:0} 人次",
        };

    public static string StandingLabel(KpiStanding standing) => standing switch
    {
        KpiStanding.Met => "达标",
        KpiStanding.Missed => "未达标",
        _ => "无数据",
    };
}
