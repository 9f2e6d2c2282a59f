using Dapper;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Reception;
using OpsBoard.Data.Slips;

namespace OpsBoard.Data.Tests.Slips;

public sealed class SlipDetectorTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task RunAsync_ThirdVisitOnMatter_IssuesOneRepeatSlipToTheUnit()
    {
        var s = await SlipScenario.CreateAsync(db.DataSource);
        await s.VisitAgainAsync();
        await s.Detector.RunAsync(full: false);
        Assert.Empty(await s.SlipsAsync());

        await s.VisitAgainAsync();
        var result = await s.Detector.RunAsync(full: false);

        var slip = Assert.Single(result.Issued);
        Assert.Equal((SlipTrigger.Repeat, s.UnitId, false), (slip.Trigger, slip.UnitId, slip.Recurrence));
        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(3, await connection.ExecuteScalarAsync<int>("SELECT visit_count FROM warning_slip WHERE id = @Id", new { slip.Id }));
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM live_event WHERE kind = 'slip.issued' AND (payload->>'id')::bigint = @Id", new { slip.Id }));
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM matter_clock WHERE slip_id = @Id AND stopped_at IS NULL", new { slip.Id }));
    }

    [Theory]
    [InlineData(VisitLevel.City, true)]
    [InlineData(VisitLevel.National, true)]
    [InlineData(VisitLevel.County, false)]
    public async Task RunAsync_VisitAtLevel_IssuesEscalatedSlipAboveTheCounty(string level, bool issued)
    {
        var s = await SlipScenario.CreateAsync(db.DataSource);
        await s.VisitAtLevelAsync(level);

        await s.Detector.RunAsync(full: false);

        Assert.Equal(issued ? [SlipTrigger.Escalated] : [], (await s.SlipsAsync()).Select(x => x.Trigger));
    }

    [Theory]
    [InlineData(5, true)]
    [InlineData(4, false)]
    public async Task RunAsync_GroupOfFive_IssuesCollectiveSlip(int headcount, bool issued)
    {
        var s = await SlipScenario.CreateAsync(db.DataSource);
        await s.VisitAgainAsync(headcount);

        await s.Detector.RunAsync(full: false);

        Assert.Equal(issued ? [SlipTrigger.Collective] : [], (await s.SlipsAsync()).Select(x => x.Trigger));
    }

    [Fact]
    public async Task RunAsync_BehaviourRecorded_IssuesExtremeSlip()
    {
        var s = await SlipScenario.CreateAsync(db.DataSource);
        await s.VisitAgainAsync(1, VisitBehaviour.SitIn);

        await s.Detector.RunAsync(full: false);

        Assert.Equal([SlipTrigger.Extreme], (await s.SlipsAsync()).Select(x => x.Trigger));
    }

    [Fact]
    public async Task RunAsync_TwiceAndConcurrently_IssuesEachSlipOnce()
    {
        var s = await SlipScenario.CreateAsync(db.DataSource);
        await s.VisitAgainAsync(6, VisitBehaviour.Noise);
        await s.VisitAgainAsync();

        var runs = await Task.WhenAll(s.Detector.RunAsync(full: true), s.Detector.RunAsync(full: false), s.Detector.RunAsync(full: true));
        await s.Detector.RunAsync(full: false);

        Assert.Equal([SlipTrigger.Collective, SlipTrigger.Extreme, SlipTrigger.Repeat], (await s.SlipsAsync()).Select(x => x.Trigger).Order());
        Assert.Equal(3, runs.Sum(r => r.Issued.Count));
    }

    [Fact]
    public async Task RunAsync_AfterSlipClosed_OnlyANewVisitIssuesARecurrence()
    {
        var s = await SlipScenario.CreateAsync(db.DataSource);
        await s.VisitAgainAsync();
        await s.VisitAgainAsync();
        await s.Detector.RunAsync(full: false);
        var first = Assert.Single(await s.SlipsAsync());
        await s.VisitAgainAsync(); // during the open slip: belongs to it
        await s.Lifecycle.AcknowledgeAsync(s.Officer, first.Id);
        await s.Lifecycle.AnswerAsync(s.Officer, first.Id, SlipScenario.Answer(ChinaTime.Today(s.Floor.Clock)));
        await s.Lifecycle.SignAsync(s.Leader, first.Id);
        await s.Lifecycle.CloseAsync(s.Office, first.Id);

        s.Floor.Clock.Advance(TimeSpan.FromMinutes(5));
        await s.Detector.RunAsync(full: true);
        Assert.Single(await s.SlipsAsync());

        await s.VisitAgainAsync();
        await s.Detector.RunAsync(full: false);

        var slips = await s.SlipsAsync();
        Assert.Equal([(SlipState.Closed, false), (SlipState.Issued, true)], slips.Select(x => (x.State, x.Recurrence)));
    }
}
