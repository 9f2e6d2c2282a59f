using Dapper;
using OpsBoard.Data.Metrics;
using OpsBoard.Data.Reception;

namespace OpsBoard.Data.Tests.Metrics;

/// <summary>
/// The KPI ledger: every change to the tables a definition reads is noted by the database and applied before the next
/// read, so a figure, a breakdown and a drill-down always equal the definition counted afresh; closed months keep their
/// frozen figures.
/// </summary>
public sealed class KpiLedgerTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    static readonly DateOnly November = new(2026, 11, 1);

    async Task<int> PendingAsync(MetricsScenario s)
    {
        await using var connection = await db.OwnerDataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM kpi_dirty WHERE center_id = @CenterId", new { s.CenterId });
    }

    /// <summary>A center whose November has two first visits on the given day, one with its evaluation card.</summary>
    async Task<MetricsScenario> TwoFirstVisitsOneRatedAsync(int day)
    {
        var s = await MetricsScenario.CreateAsync(db.DataSource, MetricsScenario.Beijing(2026, 11, day));
        await s.VisitAsync(VisitOutcome.HandedToUnit, EvaluationRating.Satisfied);
        await s.VisitAsync(VisitOutcome.HandedToUnit);
        return s;
    }

    [Fact]
    public async Task RunningMonth_AVisitRatedAfterARead_IsInTheNextRead()
    {
        var s = await MetricsScenario.CreateAsync(db.DataSource, MetricsScenario.Beijing(2026, 11, 2));
        await s.VisitAsync(VisitOutcome.HandedToUnit);

        var first = await s.ConsistentFigureAsync(Kpis.Participation, November);
        Assert.Equal((0, 1), (first.Numerator, first.Denominator));
        Assert.Equal(0, await PendingAsync(s));

        await s.VisitAsync(VisitOutcome.HandedToUnit, EvaluationRating.Satisfied);
        Assert.True(await PendingAsync(s) > 0, "the registration and the card are noted for the ledger");

        var second = await s.ConsistentFigureAsync(Kpis.Participation, November);
        Assert.Equal((1, 2), (second.Numerator, second.Denominator));
        Assert.Equal(0, await PendingAsync(s));
    }

    [Fact]
    public async Task ChangesMadeByHandInSql_AreNotedAndCounted()
    {
        var s = await MetricsScenario.CreateAsync(db.DataSource, MetricsScenario.Beijing(2026, 11, 3));
        var (_, matterId) = await s.VisitAsync(VisitOutcome.HandedToUnit);
        await s.VisitAsync(VisitOutcome.HandedToUnit);
        await s.ConsistentFigureAsync(Kpis.Participation, November);

        // A card keyed in later, and a matter moved to another unit, both past the app's services.
        await using (var connection = await db.OwnerDataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("""
                INSERT INTO evaluation (visit_id, rating, channel, at)
                SELECT v.id, 'satisfied', 'card', v.arrived_at FROM visit v
                WHERE v.center_id = @CenterId AND NOT EXISTS (SELECT 1 FROM evaluation e WHERE e.visit_id = v.id)
                """, new { s.CenterId });
            await connection.ExecuteAsync("UPDATE matter SET responsible_unit_id = @OtherUnitId WHERE id = @matterId", new { s.OtherUnitId, matterId });
        }

        var figure = await s.ConsistentFigureAsync(Kpis.Participation, November);
        Assert.Equal((2, 2), (figure.Numerator, figure.Denominator));
        var byUnit = await s.Metrics.BreakdownAsync(s.Scope, Kpis.Participation, November, "unit");
        Assert.Contains(byUnit, r => r.Key == s.OtherUnitId.ToString(System.Globalization.CultureInfo.InvariantCulture) && r.Figure.Denominator == 1);
    }

    [Fact]
    public async Task EveryKpi_AfterAMonthOfWork_EqualsItsDefinitionCountedAfresh()
    {
        var s = await MetricsScenario.CreateAsync(db.DataSource, MetricsScenario.Beijing(2026, 11, 2));
        var (_, first) = await s.VisitAsync(VisitOutcome.MatterRegistered, EvaluationRating.Satisfied, proxy: true);
        var (_, second) = await s.VisitAsync(VisitOutcome.MatterRegistered);
        await s.VisitAsync(VisitOutcome.HandedToUnit, matterId: first);
        var letter = await s.LetterAsync();
        await s.AcceptAssignAsync(letter);
        await s.ToHandlingAsync(first);
        s.MoveTo(MetricsScenario.Beijing(2026, 11, 12));
        await s.ReplyAsync(first, rating: EvaluationRating.BasicallySatisfied, channel: EvaluationChannel.Phone);
        await s.AcceptAssignAsync(second);
        s.MoveTo(MetricsScenario.Beijing(2026, 11, 20));
        await s.Watcher.RunAsync();

        foreach (var kpi in Kpis.All)
        {
            await s.ConsistentFigureAsync(kpi, November);
        }
    }

    [Fact]
    public async Task TwoReadersApplyingAtOnce_CountEachChangeOnce()
    {
        var s = await MetricsScenario.CreateAsync(db.DataSource, MetricsScenario.Beijing(2026, 11, 4));
        await s.ConsistentFigureAsync(Kpis.Participation, November);
        for (var i = 0; i < 3; i++)
        {
            await s.VisitAsync(VisitOutcome.HandedToUnit, i == 0 ? EvaluationRating.Satisfied : null);
        }

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => s.Metrics.ApplyChangesAsync()));

        var figure = await s.ConsistentFigureAsync(Kpis.Participation, November);
        Assert.Equal((1, 3), (figure.Numerator, figure.Denominator));
    }

    [Fact]
    public async Task ACenterWithoutALedger_IsBuiltWholeOnTheNextRead()
    {
        var s = await TwoFirstVisitsOneRatedAsync(5);
        await s.ConsistentFigureAsync(Kpis.Participation, November);

        // As a database migrated from before the ledger: no items, no tallies, nothing noted.
        await using (var connection = await db.OwnerDataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("""
                DELETE FROM kpi_ledger WHERE center_id = @CenterId;
                DELETE FROM kpi_item WHERE center_id = @CenterId;
                DELETE FROM kpi_tally WHERE center_id = @CenterId;
                DELETE FROM kpi_dirty WHERE center_id = @CenterId;
                """, new { s.CenterId });
        }

        var figure = await s.ConsistentFigureAsync(Kpis.Participation, November);
        Assert.Equal((1, 2), (figure.Numerator, figure.Denominator));
    }

    [Fact]
    public async Task ClosedMonth_FiguresFrozenAtClose_ReopenSumsTheLedgerAgain()
    {
        var s = await TwoFirstVisitsOneRatedAsync(9);
        s.MoveTo(MetricsScenario.Beijing(2026, 12, 2));

        await s.Months.CloseAsync(s.Statistician, November);

        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(Kpis.All.Count, await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM kpi_rollup WHERE center_id = @CenterId AND month = @November", new { s.CenterId, November }));
        // A card entered late for a November visit does not move the closed month.
        await connection.ExecuteAsync("""
            INSERT INTO evaluation (visit_id, rating, channel, at)
            SELECT v.id, 'satisfied', 'card', now() FROM visit v
            WHERE v.center_id = @CenterId AND NOT EXISTS (SELECT 1 FROM evaluation e WHERE e.visit_id = v.id)
            """, new { s.CenterId });
        Assert.Equal(1, (await s.FigureAsync(Kpis.Participation, November)).Numerator);
        Assert.Equal(1, (await s.Metrics.TrendAsync(s.Scope, Kpis.Participation, November))[^1].Figure.Numerator);

        await s.Months.ReopenAsync(s.Director, November, "补录评价卡");

        Assert.Equal(0, await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM kpi_rollup WHERE center_id = @CenterId AND month = @November", new { s.CenterId, November }));
        Assert.Equal(2, (await s.ConsistentFigureAsync(Kpis.Participation, November)).Numerator);
        Assert.Equal(2, (await s.Metrics.TrendAsync(s.Scope, Kpis.Participation, November))[^1].Figure.Numerator);
    }
}
