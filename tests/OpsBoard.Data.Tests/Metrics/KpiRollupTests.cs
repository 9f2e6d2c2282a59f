using Dapper;
using OpsBoard.Data.Metrics;
using OpsBoard.Data.Reception;

namespace OpsBoard.Data.Tests.Metrics;

/// <summary>
/// The whole center's month figures kept in kpi_rollup: the running month is read from it while its count stands and
/// recounted when a change moves a KPI or the day turns; a closed month's rows are written with its frozen items.
/// </summary>
public sealed class KpiRollupTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    static readonly DateOnly November = new(2026, 11, 1);

    async Task<(int Numerator, int Denominator, DateOnly Day)?> RowAsync(MetricsScenario s, DateOnly month, KpiDefinition kpi)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var row = await connection.QuerySingleOrDefaultAsync<(int, int, DateOnly)?>(
            "SELECT numerator, denominator, counted_day FROM kpi_rollup WHERE center_id = @CenterId AND month = @month AND kpi = @Code",
            new { s.CenterId, month, kpi.Code });
        return row;
    }

    [Fact]
    public async Task RunningMonth_AVisitRatedAfterTheCount_ReadAgainIncludesIt()
    {
        var s = await MetricsScenario.CreateAsync(db.DataSource, MetricsScenario.Beijing(2026, 11, 2));
        await s.VisitAsync(VisitOutcome.HandedToUnit);

        var first = await s.ConsistentFigureAsync(Kpis.Participation, November);
        Assert.Equal((0, 1), (first.Numerator, first.Denominator));
        Assert.Equal((0, 1, new DateOnly(2026, 11, 2)), await RowAsync(s, November, Kpis.Participation));

        // The card is handed in at the window: the finish writes its journal event, so the count no longer stands.
        await s.VisitAsync(VisitOutcome.HandedToUnit, EvaluationRating.Satisfied);

        var second = await s.ConsistentFigureAsync(Kpis.Participation, November);
        Assert.Equal((1, 2), (second.Numerator, second.Denominator));
        Assert.Equal((1, 2, new DateOnly(2026, 11, 2)), await RowAsync(s, November, Kpis.Participation));
    }

    [Fact]
    public async Task RefreshCurrent_ACountThatSawFewerEvents_NeverOverwritesANewerOne()
    {
        var s = await MetricsScenario.CreateAsync(db.DataSource, MetricsScenario.Beijing(2026, 11, 3));
        await s.VisitAsync(VisitOutcome.HandedToUnit, EvaluationRating.Satisfied);
        var figures = await s.Metrics.RefreshCurrentAsync(s.CenterId);

        await using var connection = await db.DataSource.OpenConnectionAsync();
        var stale = figures.Select(f => f with { Numerator = 0, Denominator = 0, Value = null }).ToList();
        await KpiRollups.WriteAsync(connection, null, s.CenterId, November, stale, frozen: false, s.Today, throughEvent: 0);

        Assert.Equal((1, 1, s.Today), await RowAsync(s, November, Kpis.Participation));
    }

    [Fact]
    public async Task RunningMonth_NextDay_IsRecountedForLastYearsSameDays()
    {
        var s = await MetricsScenario.CreateAsync(db.DataSource, MetricsScenario.Beijing(2026, 11, 4));
        await s.VisitAsync(VisitOutcome.HandedToUnit);
        await s.Metrics.FiguresAsync(s.Scope, November);
        Assert.Equal(new DateOnly(2026, 11, 4), (await RowAsync(s, November, Kpis.Participation))!.Value.Day);

        s.MoveTo(MetricsScenario.Beijing(2026, 11, 5));
        await s.Metrics.FiguresAsync(s.Scope, November);

        Assert.Equal(new DateOnly(2026, 11, 5), (await RowAsync(s, November, Kpis.Participation))!.Value.Day);
    }

    [Fact]
    public async Task ClosedMonth_RowsFrozenAtClose_ReopenRemovesThem()
    {
        var s = await MetricsScenario.CreateAsync(db.DataSource, MetricsScenario.Beijing(2026, 11, 9));
        await s.VisitAsync(VisitOutcome.HandedToUnit, EvaluationRating.Satisfied);
        await s.VisitAsync(VisitOutcome.HandedToUnit);
        s.MoveTo(MetricsScenario.Beijing(2026, 12, 2));

        await s.Months.CloseAsync(s.Statistician, November);

        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(Kpis.All.Count, await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM kpi_rollup WHERE center_id = @CenterId AND month = @November AND frozen", new { s.CenterId, November }));
        Assert.Equal((1, 2, new DateOnly(2026, 12, 2)), await RowAsync(s, November, Kpis.Participation));
        // A card entered late for a November visit does not move the closed month.
        await connection.ExecuteAsync("""
            INSERT INTO evaluation (visit_id, rating, channel, at)
            SELECT v.id, 'satisfied', 'card', now() FROM visit v
            WHERE v.center_id = @CenterId AND NOT EXISTS (SELECT 1 FROM evaluation e WHERE e.visit_id = v.id)
            """, new { s.CenterId });
        Assert.Equal(1, (await s.FigureAsync(Kpis.Participation, November)).Numerator);

        await s.Months.ReopenAsync(s.Director, November, "补录评价卡");

        Assert.Null(await RowAsync(s, November, Kpis.Participation));
        Assert.Equal(2, (await s.ConsistentFigureAsync(Kpis.Participation, November)).Numerator);
    }
}
