using System.Globalization;
using System.Text;
using Dapper;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Calendar;
using OpsBoard.Data.Metrics;
using Xunit.Abstractions;

namespace OpsBoard.Data.Tests.Metrics;

/// <summary>
/// The demo county's thirteen months through every KPI: each has a value that means something (not empty, not a flat
/// 0 or 100 %), agrees with its drill-down and breakdowns, and a closed month keeps it.
/// </summary>
public sealed class DemoKpiTests(DemoDatabaseFixture db, ITestOutputHelper output) : IClassFixture<DemoDatabaseFixture>
{
    async Task<(MetricsQueries Metrics, MetricsScope Scope, IReadOnlyList<DateOnly> Months)> DemoAsync()
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var centerId = await connection.ExecuteScalarAsync<int>("SELECT id FROM center");
        var metrics = new MetricsQueries(db.DataSource, new CalendarStore(db.DataSource), TimeProvider.System);
        var today = metrics.Today;
        var months = Enumerable.Range(0, 13).Select(i => new DateOnly(today.Year, today.Month, 1).AddMonths(i - 12)).ToList();
        return (metrics, MetricsScope.Center(centerId), months);
    }

    [Fact]
    public async Task EveryKpi_EveryMonth_HasAPlausibleValueThatAgreesWithItsDrillDown()
    {
        var (metrics, scope, months) = await DemoAsync();
        var table = new StringBuilder("month   " + string.Join(" ", Kpis.All.Select(k => k.Code[..Math.Min(10, k.Code.Length)].PadLeft(10))) + "\n");
        var figures = new Dictionary<(string, DateOnly), KpiFigure>();
        foreach (var month in months)
        {
            table.Append(month.ToString("yyyy-MM", CultureInfo.InvariantCulture)).Append(' ');
            foreach (var kpi in Kpis.All)
            {
                var figure = await MetricsScenario.AssertConsistentAsync(metrics, scope, kpi, month);
                figures[(kpi.Code, month)] = figure;
                table.Append(' ').Append((figure.Value is { } v ? v.ToString(kpi.Measure == KpiMeasure.Count ? "0" : "0.0", CultureInfo.InvariantCulture) : "—").PadLeft(10));
            }

            table.Append('\n');
        }

        output.WriteLine(table.ToString());
        // The months before the running one: every rate is a real share, neither empty nor all-or-nothing (a small test
        // history may hit 100 % by chance in a month or two); handling takes working days, not hours or a season.
        var full = months.SkipLast(1).ToList();
        foreach (var kpi in Kpis.All.Where(k => k.Measure == KpiMeasure.Rate))
        {
            var values = full.Select(m => figures[(kpi.Code, m)].Value ?? -1).ToList();
            Assert.True(values.Count(v => v is > 1 and < 99.9) >= full.Count - 2, $"{kpi.Name}: {string.Join(", ", values)}");
            Assert.InRange(values.Average(), 20, 99);
        }

        Assert.All(full, m => Assert.InRange(figures[(Kpis.AverageHandlingDays.Code, m)].Value ?? -1, 8, 30));
        Assert.True(full.Sum(m => figures[(Kpis.EscalatedVisits.Code, m)].Denominator) > full.Count);
        // The year-on-year KPIs move the way the office works for: more settled at once, fewer escalated visits.
        double Mean(KpiDefinition kpi, IEnumerable<DateOnly> span) => span.Average(m => figures[(kpi.Code, m)].Value ?? 0);
        Assert.True(Mean(Kpis.FirstTimeResolution, full.TakeLast(4)) > Mean(Kpis.FirstTimeResolution, full.Take(4)) + 2);
        Assert.True(Mean(Kpis.EscalatedVisits, full.TakeLast(4)) < Mean(Kpis.EscalatedVisits, full.Take(4)));
        var resolved = await metrics.FigureAsync(scope, Kpis.FirstTimeResolution, full[^1]);
        Assert.NotNull(resolved.LastYear);
        output.WriteLine($"{full[^1]:yyyy-MM} 一次性化解率 {resolved.ValueText}，{resolved.TargetDisplay}");
    }

    [Fact]
    public async Task DemoClosedMonths_ReopenedThenClosedAgain_KeepTheFiguresTheDemoFroze()
    {
        var (metrics, scope, months) = await DemoAsync();
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var stats = Actor.Center(await connection.ExecuteScalarAsync<int>("SELECT id FROM app_user WHERE login = 'stats'"), scope.CenterId, Roles.Statistician);
        var director = Actor.Center(await connection.ExecuteScalarAsync<int>("SELECT id FROM app_user WHERE login = 'director'"), scope.CenterId, Roles.Director);
        var closer = new MetricMonths(db.DataSource, metrics, TimeProvider.System);
        List<(string, int, int, double?)> Figures(IEnumerable<KpiFigure> figures) => [.. figures.Select(f => (f.Kpi.Code, f.Numerator, f.Denominator, f.Value))];

        // The statistician of the demo closed every month but the last two (last month waits for today's statistician).
        foreach (var month in months.SkipLast(2))
        {
            Assert.True((await metrics.MonthAsync(scope.CenterId, month)).IsClosed, $"{month:yyyy-MM} not closed by the demo");
            var frozen = Figures(await metrics.FiguresAsync(scope, month));
            await closer.ReopenAsync(director, month, "核对演示数据");
            Assert.Equal(frozen, Figures(await metrics.FiguresAsync(scope, month)));
            await closer.CloseAsync(stats, month);
            Assert.Equal(frozen, Figures(await metrics.FiguresAsync(scope, month)));
        }

        Assert.False((await metrics.MonthAsync(scope.CenterId, months[^2])).IsClosed);
    }
}
