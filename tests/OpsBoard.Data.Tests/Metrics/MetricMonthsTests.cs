using Dapper;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Metrics;
using OpsBoard.Data.Reception;

namespace OpsBoard.Data.Tests.Metrics;

/// <summary>Closing a month freezes its figures; reopening is the director's, with a reason; both are audited.</summary>
public sealed class MetricMonthsTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    static readonly DateOnly November = new(2026, 11, 1);
    static readonly DateOnly December = new(2026, 12, 1);

    sealed record November2026(MetricsScenario Scenario, long RatedVisitMatter, long UnratedVisit, long LetterWithRating, long RepliedLetter);

    /// <summary>A November of visits, cards, replies (one rated at the reply) and closures; the clock then stands on 1 December.</summary>
    async Task<November2026> NovemberAsync()
    {
        var s = await MetricsScenario.CreateAsync(db.DataSource, MetricsScenario.Beijing(2026, 11, 2));
        var (_, rated) = await s.VisitAsync(VisitOutcome.HandedToUnit, EvaluationRating.Satisfied, proxy: true);
        var (unratedVisit, unrated) = await s.VisitAsync(VisitOutcome.HandedToUnit);
        var (escalated, _) = await s.VisitAsync(VisitOutcome.ResolvedOnSpot, EvaluationRating.BasicallySatisfied);
        var letter = await s.LetterAsync(proxy: true);
        var replied = await s.LetterAsync();
        foreach (var matter in new[] { rated, unrated, letter, replied })
        {
            await s.ToHandlingAsync(matter);
        }

        s.MoveTo(MetricsScenario.Beijing(2026, 11, 10));
        await s.ReplyAsync(rated);
        await s.ReplyAsync(unrated);
        await s.ReplyAsync(letter, rating: EvaluationRating.Satisfied, channel: EvaluationChannel.FaceToFace);
        s.MoveTo(MetricsScenario.Beijing(2026, 11, 12));
        foreach (var matter in new[] { rated, unrated, letter })
        {
            await s.Lifecycle.CloseAsync(s.Director, matter);
        }

        s.MoveTo(MetricsScenario.Beijing(2026, 12, 1, 9));
        await s.ReplyAsync(replied); // a December reply: not November's
        await using var connection = await db.DataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("UPDATE visit SET level = 'city' WHERE id = @escalated", new { escalated });
        return new November2026(s, rated, unratedVisit, letter, replied);
    }

    static async Task<List<(string Kpi, int Numerator, int Denominator, double? Value)>> FiguresAsync(MetricsScenario s, DateOnly month) =>
        [.. (await s.Metrics.FiguresAsync(s.Scope, month)).Select(f => (f.Kpi.Code, f.Numerator, f.Denominator, f.Value))];

    [Fact]
    public async Task CloseAsync_LaterCorrections_DoNotMoveTheClosedMonth_ReopenShowsThem()
    {
        var n = await NovemberAsync();
        var s = n.Scenario;
        var before = await FiguresAsync(s, November);

        var frozen = await s.Months.CloseAsync(s.Statistician, November);
        // After closing: a card entered late for a November visit, a clock result corrected, a second visit on a
        // closed matter (counted by no KPI of November), and a 复查 request that reopens another.
        await using var connection = await db.DataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("""
            INSERT INTO evaluation (visit_id, matter_id, rating, channel, at, recorded_by)
            SELECT id, matter_id, 'dissatisfied', 'card', arrived_at + interval '20 minutes', registered_by FROM visit WHERE id = @UnratedVisit
            """, new { n.UnratedVisit });
        await connection.ExecuteAsync("""
            UPDATE matter_clock k SET result = 'breached'
            FROM deadline_rule r
            WHERE r.id = k.rule_id AND r.code = 'handling' AND k.matter_id = @LetterWithRating
            """, new { n.LetterWithRating });
        await s.VisitAsync(matterId: n.RatedVisitMatter);
        await s.Lifecycle.RequestReviewAsync(s.Clerk, n.LetterWithRating);
        var closed = await FiguresAsync(s, November);
        foreach (var kpi in Kpis.All)
        {
            await s.ConsistentFigureAsync(kpi, November);
        }

        var month = await s.Metrics.MonthAsync(s.CenterId, November);
        await s.Months.ReopenAsync(s.Director, November, "补录 11 月评价卡，更正办理答复期限结果");
        var reopened = await FiguresAsync(s, November);

        Assert.True(frozen > 0);
        Assert.Equal(before, closed);
        Assert.Equal((MetricMonthState.Closed, "窗口二"), (month.State, month.ClosedBy));
        Assert.NotEqual(before, reopened);
        // What the corrections change, once the month is open again:
        Assert.Equal((3, 3), reopened.Single(f => f.Kpi == Kpis.Participation.Code) is var p ? (p.Numerator, p.Denominator) : default);
        Assert.Equal((2, 3), reopened.Single(f => f.Kpi == Kpis.ReplyOnTime.Code) is var r ? (r.Numerator, r.Denominator) : default);
        Assert.Equal((2, 2), reopened.Single(f => f.Kpi == Kpis.FirstTimeResolution.Code) is var o ? (o.Numerator, o.Denominator) : default);
        Assert.Equal((3, 3), before.Single(f => f.Kpi == Kpis.FirstTimeResolution.Code) is var b ? (b.Numerator, b.Denominator) : default);
        var reopenedMonth = await s.Metrics.MonthAsync(s.CenterId, November);
        Assert.Equal((MetricMonthState.Reopened, "补录 11 月评价卡，更正办理答复期限结果"), (reopenedMonth.State, reopenedMonth.ReopenReason));
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("""
            SELECT count(*) FROM audit_log
            WHERE action = 'metrics.month_closed' AND center_id = @CenterId AND user_id = @UserId AND detail->>'month' = '2026-11'
            """, new { s.CenterId, s.Statistician.UserId }));
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("""
            SELECT count(*) FROM audit_log
            WHERE action = 'metrics.month_reopened' AND center_id = @CenterId AND user_id = @UserId AND detail->>'reason' LIKE '补录%'
            """, new { s.CenterId, s.Director.UserId }));
        Assert.Equal(2, await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM live_event WHERE kind IN ('metrics.month_closed', 'metrics.month_reopened') AND center_id = @CenterId", new { s.CenterId }));
    }

    [Fact]
    public async Task CloseAsync_FreezesTheRuleVersionsInForce_ClosingAgainAfterReopenFreezesTheNewFigures()
    {
        var n = await NovemberAsync();
        var s = n.Scenario;
        await s.Months.CloseAsync(s.Statistician, November);
        await s.Months.ReopenAsync(s.Director, November, "更正");
        await s.Lifecycle.RequestReviewAsync(s.Clerk, n.LetterWithRating); // the file reopens: no longer closed in November

        await s.Months.CloseAsync(s.Statistician, November);
        await s.Lifecycle.DecideReviewAsync(s.Director, n.LetterWithRating); // closed again, in December
        var figure = await s.FigureAsync(Kpis.FirstTimeResolution, November);

        Assert.Equal((2, 2), (figure.Numerator, figure.Denominator));
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var versions = await connection.ExecuteScalarAsync<string>(
            "SELECT rule_versions::text FROM metric_month WHERE center_id = @CenterId AND month = @November", new { s.CenterId, November });
        Assert.Contains("\"handling\": 1", versions);
        Assert.Equal(MetricMonthState.Closed, (await s.Metrics.MonthAsync(s.CenterId, November)).State);
    }

    [Fact]
    public async Task CloseAsync_MonthNotOverOrAlreadyClosed_IsRefusedWithTheReason()
    {
        var n = await NovemberAsync();
        var s = n.Scenario;
        await s.Months.CloseAsync(s.Statistician, November);

        var running = await Assert.ThrowsAsync<MetricsException>(() => s.Months.CloseAsync(s.Statistician, December));
        var twice = await Assert.ThrowsAsync<MetricsException>(() => s.Months.CloseAsync(s.Statistician, November));
        var notClosed = await Assert.ThrowsAsync<MetricsException>(() => s.Months.ReopenAsync(s.Director, new DateOnly(2026, 10, 1), "更正"));

        Assert.Equal("2026 年 12 月尚未结束，不能关账；请在下月再关。", running.Message);
        Assert.Equal("2026 年 11 月已关账，数据已冻结；如需更正，请中心主任先重新打开。", twice.Message);
        Assert.Contains("未关账", notClosed.Message);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM metric_month WHERE center_id = @CenterId", new { s.CenterId }));
    }

    [Fact]
    public async Task CloseAndReopen_WrongRoleOrNoReason_IsRefused_RefusalsAreAudited()
    {
        var n = await NovemberAsync();
        var s = n.Scenario;

        var directorCloses = await Assert.ThrowsAsync<ForbiddenException>(() => s.Months.CloseAsync(s.Director, November));
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var nothingClosed = await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM metric_month WHERE center_id = @CenterId", new { s.CenterId });
        await s.Months.CloseAsync(s.Statistician, November);
        var statisticianReopens = await Assert.ThrowsAsync<ForbiddenException>(() => s.Months.ReopenAsync(s.Statistician, November, "更正"));
        var noReason = await Assert.ThrowsAsync<MetricsException>(() => s.Months.ReopenAsync(s.Director, November, "  "));

        Assert.Equal(0, nothingClosed);
        Assert.Equal("“月度关账”由统计员办理，您无权操作。", directorCloses.Message);
        Assert.Equal("“重新打开已关账月份”由中心主任办理，您无权操作。", statisticianReopens.Message);
        Assert.Equal("重新打开已关账月份须填写原因。", noReason.Message);
        Assert.Equal(MetricMonthState.Closed, (await s.Metrics.MonthAsync(s.CenterId, November)).State);
        Assert.Equal(["may.close_month", "may.reopen_month"], await connection.QueryAsync<string>("""
            SELECT action FROM audit_log
            WHERE center_id = @CenterId AND outcome = 'refused' AND subject_kind = 'metric_month'
            ORDER BY id
            """, new { s.CenterId }));
    }
}
