using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Components;
using OpsBoard.Data;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Metrics;
using OpsBoard.Web.Accounts;
using OpsBoard.Web.Components.Shared;

namespace OpsBoard.Web.Components.Pages.Metrics;

/// <summary>
/// /metrics: a month's KPI table with numerator, denominator, target, gap and source; one KPI's 13-month trend and
/// breakdown; every count links to the items behind it. Closing and reopening the month happen here.
/// </summary>
public partial class MetricsPage
{
    [Inject]
    MetricsQueries Metrics { get; set; } = default!;

    [Inject]
    MetricMonths Months { get; set; } = default!;

    [Inject]
    ILogger<MetricsPage> Logger { get; set; } = default!;

    [CascadingParameter]
    HttpContext HttpContext { get; set; } = default!;

    [SupplyParameterFromQuery(Name = "month")]
    string? MonthText { get; set; }

    [SupplyParameterFromQuery(Name = "kpi")]
    string? KpiCode { get; set; }

    [SupplyParameterFromQuery(Name = "by")]
    string? By { get; set; }

    [SupplyParameterFromQuery(Name = "unit")]
    string? UnitText { get; set; }

    [SupplyParameterFromForm(FormName = "reopen-month")]
    ReopenInput? Reopen { get; set; }

    // Static rendering draws the page once before OnInitializedAsync finishes: every field starts renderable.
    Actor actor = Actor.Center(0, 0);
    MetricsScope scope = MetricsScope.Center(0);
    DateOnly today;
    MetricPeriod period = MetricPeriod.For(DateOnly.MinValue, DateOnly.MinValue);
    MetricMonth state = new(DateOnly.MinValue, MetricMonthState.Provisional, null, null, null);
    KpiDefinition selected = Kpis.All[0];
    string dimension = "unit";
    IReadOnlyList<KpiFigure> figures = [];
    IReadOnlyList<KpiBreakdownRow> breakdown = [];
    IReadOnlyList<(DateOnly Month, KpiFigure Figure)> trend = [];
    ActionOutcome? outcome;

    string DimensionLabel => MetricsQueries.Dimensions.First(d => d.Code == dimension).Label;

    protected override async Task OnInitializedAsync()
    {
        Reopen ??= new();
        actor = UserPrincipal.Actor(HttpContext.User);
        today = Metrics.Today;
        var problems = new List<string>();
        var month = MetricsRequest.Month(MonthText, today, problems);
        selected = Kpis.Find(KpiCode) ?? Kpis.All[0];
        if (KpiCode is not null && Kpis.Find(KpiCode) is null)
        {
            problems.Add("未知的指标，已显示及时受理率。");
        }

        dimension = MetricsQueries.Dimensions.Any(d => d.Code == By) ? By! : "unit";
        int? unit = int.TryParse(UnitText, NumberStyles.None, CultureInfo.InvariantCulture, out var u) ? u : null;
        var result = await ActionOutcome.RunAsync(HttpContext, Logger, async () => scope = await Metrics.ScopeAsync(actor, unit), "");
        if (result.Refused)
        {
            outcome = result;
            scope = await Metrics.ScopeAsync(actor);
        }
        else if (problems.Count > 0)
        {
            outcome = new ActionOutcome(string.Join(" ", problems), Refused: true);
        }

        period = MetricPeriod.For(month, today);
        await LoadAsync();
    }

    async Task LoadAsync()
    {
        // Independent reads, each on a connection of its own: the page waits for the slowest, not the sum.
        var reading = (
            State: Metrics.MonthAsync(actor.CenterId, period.Month),
            Figures: Metrics.FiguresAsync(scope, period.Month),
            Breakdown: Metrics.BreakdownAsync(scope, selected, period.Month, dimension),
            Trend: Metrics.TrendAsync(scope, selected, period.Month));
        await Task.WhenAll(reading.State, reading.Figures, reading.Breakdown, reading.Trend);
        (state, figures, breakdown, trend) = (reading.State.Result, reading.Figures.Result, reading.Breakdown.Result, reading.Trend.Result);
    }

    async Task CloseAsync()
    {
        var frozen = 0;
        outcome = await ActionOutcome.RunAsync(HttpContext, Logger, async () => frozen = await Months.CloseAsync(actor, period.Month), "");
        if (!outcome.Refused)
        {
            outcome = outcome with { Message = $"{period.Label}已关账，冻结 {frozen} 条明细；此后数据更正不再改变本月数字。" };
        }

        await LoadAsync();
    }

    async Task ReopenAsync()
    {
        outcome = await ActionOutcome.RunAsync(HttpContext, Logger, () => Months.ReopenAsync(actor, period.Month, Reopen?.Reason),
            $"{period.Label}已重新打开，数字恢复为临时数据，可更正后再关账。");
        await LoadAsync();
    }

    string PageLink(string kpi, string by) => $"/metrics?month={period.Key}&kpi={kpi}&by={by}{UnitQuery}";

    string ItemsLink(string kpi, string? by, string? key, bool? inNumerator) =>
        $"/metrics/items?month={period.Key}&kpi={kpi}{UnitQuery}" +
        (by is null ? "" : $"&by={by}&key={Uri.EscapeDataString(key ?? "")}") +
        (inNumerator is null ? "" : $"&in={(inNumerator.Value ? "1" : "0")}");

    string UnitQuery => scope.Units is { Count: 1 } && UnitText is not null ? $"&unit={scope.Units[0]}" : "";

    string TrendJson => JsonSerializer.Serialize(new
    {
        name = selected.Name,
        measure = selected.Measure.ToString(),
        target = selected.Target,
        months = trend.Select(t => $"{t.Month.Year}-{t.Month.Month:00}"),
        values = trend.Select(t => t.Figure.Value is { } v ? Math.Round(v, 1) : (double?)null),
    });

    static string Gap(KpiFigure f) => f.Gap is not { } gap
        ? "—"
        : f.Kpi.Measure switch
        {
            KpiMeasure.Rate => $"{gap:+0.0;-0.0;0.0} 个百分点",
            KpiMeasure.MeanWorkingDays => $"{gap:+0.0;-0.0;0.0} 个工作日",
            _ => $"{gap:+0;-0;0}",
        };

    static KpiStanding StandingOf(KpiFigure f) => f.Standing;

    internal static string Badge(KpiStanding standing) => standing switch
    {
        KpiStanding.Met => "text-bg-success",
        KpiStanding.Missed => "text-bg-danger",
        _ => "text-bg-light",
    };

    sealed class ReopenInput
    {
        public string? Reason { get; set; }
    }
}

/// <summary>Reads the month of a metrics request: a malformed or future month falls back with a message, never a 500.</summary>
public static class MetricsRequest
{
    public static DateOnly Month(string? text, DateOnly today, List<string> problems)
    {
        var current = new DateOnly(today.Year, today.Month, 1);
        var lastMonth = current.AddMonths(-1);
        if (string.IsNullOrEmpty(text))
        {
            return lastMonth;
        }

        if (MetricPeriod.ParseMonth(text) is not { } month)
        {
            problems.Add($"月份“{text}”格式不对，应为 2026-10 这样的年-月；已显示上月。");
            return lastMonth;
        }

        if (month > current)
        {
            problems.Add($"{month.Year} 年 {month.Month} 月尚未到来，没有数据；已显示本月（截至今日）。");
            return current;
        }

        return month;
    }
}
