using Dapper;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Reception;
using OpsBoard.Data.Slips;

namespace OpsBoard.Data.Tests.Slips;

public sealed class SlipWatchListTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    static SlipWatchList WatchList(SlipScenario s) => new(s.DataSource, s.Floor.Clock);

    static async Task<WatchItem?> ItemAsync(SlipScenario s, string? reason = null) =>
        (await WatchList(s).ListAsync(s.Office, reason, 1)).Items.SingleOrDefault(i => i.MatterId == s.MatterId);

    static async Task<IReadOnlyList<string>> ReasonsAsync(SlipScenario s) =>
        (await ItemAsync(s))?.Reasons.Select(r => r.Reason).ToList() ?? [];

    [Fact]
    public async Task SecondVisit_OneShortOfTheRepeatThreshold_ListedUntilTheThirdRaisesTheSlip()
    {
        var s = await SlipScenario.CreateAsync(db.DataSource);
        Assert.Empty(await ReasonsAsync(s));

        await s.VisitAgainAsync();
        var item = await ItemAsync(s);
        Assert.Equal([WatchReason.RepeatNear], item!.Reasons.Select(r => r.Reason));
        Assert.Equal("已来访 2 次，第 3 次即触发重复访", item.Reasons[0].Detail);
        Assert.Equal((2, 3), (item.Visits, item.RepeatThreshold));

        await s.VisitAgainAsync();
        await s.Detector.RunAsync(full: false);
        Assert.Empty(await ReasonsAsync(s)); // the open 重复访 slip is being handled: no longer a risk but a slip
    }

    [Fact]
    public async Task GroupOfFour_OneShortOfCollective_ListedWithTheHeadcount_FiveRaisesTheSlipInstead()
    {
        var s = await SlipScenario.CreateAsync(db.DataSource);

        await s.VisitAgainAsync(headcount: 4);
        var item = await ItemAsync(s, WatchReason.CollectiveNear);
        Assert.Contains(item!.Reasons, r => r.Reason == WatchReason.CollectiveNear && r.Detail == "最近一次来访 4 人（5 人以上为集体访）");

        await s.VisitAgainAsync(headcount: 5);
        await s.Detector.RunAsync(full: false);
        Assert.DoesNotContain(WatchReason.CollectiveNear, await ReasonsAsync(s));
    }

    [Fact]
    public async Task PetitionerWhoReachedTheProvince_ListedOnTheirMatter_UntilAnEscalatedSlipIsOpen()
    {
        var s = await SlipScenario.CreateAsync(db.DataSource);
        await s.VisitAtLevelAsync(VisitLevel.Province);
        var item = await ItemAsync(s, WatchReason.EscalatedBefore);
        Assert.Contains(item!.Reasons, r => r.Reason == WatchReason.EscalatedBefore && r.Detail.EndsWith("曾到省上访"));

        await s.Detector.RunAsync(full: false);
        Assert.DoesNotContain(WatchReason.EscalatedBefore, await ReasonsAsync(s));
    }

    [Fact]
    public async Task VisitWhileTheHandlingClockIsOverdue_Listed_ButNotForThePetitionersOwnReviewWindow()
    {
        var s = await SlipScenario.CreateAsync(db.DataSource);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var now = s.Floor.Clock.Now.ToUniversalTime();
        await connection.ExecuteAsync("""
            INSERT INTO matter_clock (matter_id, center_id, rule_id, started_at, due_at, approaching_from)
            SELECT @MatterId, @CenterId, r.id, @started, @due, @started
            FROM deadline_rule r
            WHERE r.code = @code AND r.version = 1
            """, new { s.MatterId, s.Floor.CenterId, started = now.AddDays(-40), due = now.AddDays(-3), code = OpsBoard.Data.Matters.ClockKind.ReviewRequest });

        await s.VisitAgainAsync();
        Assert.DoesNotContain(WatchReason.OverdueVisit, await ReasonsAsync(s));

        await connection.ExecuteAsync("""
            INSERT INTO matter_clock (matter_id, center_id, rule_id, started_at, due_at, approaching_from)
            SELECT @MatterId, @CenterId, r.id, @started, @due, @started
            FROM deadline_rule r
            WHERE r.code = @code AND r.version = 1
              AND NOT EXISTS (SELECT 1 FROM matter_clock k WHERE k.matter_id = @MatterId AND k.rule_id = r.id AND k.stopped_at IS NULL)
            """, new { s.MatterId, s.Floor.CenterId, started = now.AddDays(-70), due = now.AddDays(-5).AddMinutes(2), code = OpsBoard.Data.Matters.ClockKind.Handling });
        await connection.ExecuteAsync("""
            UPDATE matter_clock k SET started_at = least(k.started_at, @started), due_at = @due
            FROM deadline_rule r
            WHERE k.matter_id = @MatterId AND r.id = k.rule_id AND r.code = @code AND k.stopped_at IS NULL
            """, new { s.MatterId, started = now.AddDays(-70), due = now.AddDays(-5).AddMinutes(2), code = OpsBoard.Data.Matters.ClockKind.Handling });
        await s.VisitAgainAsync();

        var item = await ItemAsync(s, WatchReason.OverdueVisit);
        Assert.Contains(item!.Reasons, r => r.Reason == WatchReason.OverdueVisit && r.Detail == "来访时办理已超期 5 天");
    }

    [Fact]
    public async Task ManyMatters_PagedByTwentyFive_MostReasonsFirst_FilteredByReason()
    {
        var s = await SlipScenario.CreateAsync(db.DataSource);
        for (var i = 0; i < 26; i++)
        {
            var first = await s.Floor.ArriveAsync();
            await using var connection = await db.DataSource.OpenConnectionAsync();
            var matterId = await connection.ExecuteScalarAsync<long>("SELECT matter_id FROM visit WHERE id = @VisitId", new { first.VisitId });
            s.Floor.Clock.Advance(TimeSpan.FromMinutes(1));
            await s.Floor.Registry.RegisterAsync(s.Floor.Visit() with { MatterId = matterId });
        }

        await s.VisitAgainAsync(headcount: 4); // the scenario's matter: two reasons

        var first25 = await WatchList(s).ListAsync(s.Office, null, 1);
        var rest = await WatchList(s).ListAsync(s.Office, null, 2);
        Assert.Equal((27, 2), (first25.Total, first25.Pages));
        Assert.Equal(25, first25.Items.Count);
        Assert.Equal(s.MatterId, first25.Items[0].MatterId);
        Assert.Equal(2, first25.Items[0].Reasons.Count);
        Assert.Equal(2, rest.Items.Count);
        Assert.Empty(first25.Items.Select(i => i.MatterId).Intersect(rest.Items.Select(i => i.MatterId)));
        Assert.Equal(s.MatterId, Assert.Single((await WatchList(s).ListAsync(s.Office, WatchReason.CollectiveNear, 1)).Items).MatterId);
    }

    [Fact]
    public async Task UnitStaffAndClerk_Refused()
    {
        var s = await SlipScenario.CreateAsync(db.DataSource);

        await Assert.ThrowsAsync<ForbiddenException>(() => WatchList(s).ListAsync(s.Officer, null, 1));
        await Assert.ThrowsAsync<ForbiddenException>(() => WatchList(s).ListAsync(Actor.Center(s.Floor.ClerkId, s.Floor.CenterId, Roles.Clerk), null, 1));
    }
}

/// <summary>Trigger rule versions are global: a class of its own, with its own database, revises them.</summary>
public sealed class SlipWatchListRuleTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task RepeatThresholdRevisedToFour_TheSecondVisitNoLongerListed_TheThirdIs()
    {
        var s = await SlipScenario.CreateAsync(db.DataSource);
        var watch = new SlipWatchList(s.DataSource, s.Floor.Clock);
        await s.VisitAgainAsync();
        Assert.Contains(WatchReason.RepeatNear, (await watch.ListAsync(s.Office, null, 1)).Items.Single().Reasons.Select(r => r.Reason));

        var rules = new SlipRules(db.DataSource, s.Floor.Clock);
        await rules.ReviseAsync(Actor.Center(s.Floor.ClerkId, s.Floor.CenterId, Roles.Admin), SlipTrigger.Repeat, 4, "测试", ChinaTime.Today(s.Floor.Clock));

        Assert.Empty((await watch.ListAsync(s.Office, WatchReason.RepeatNear, 1)).Items);
        await s.VisitAgainAsync();
        Assert.Empty((await s.Detector.RunAsync(full: false)).Issued);
        var page = await watch.ListAsync(s.Office, WatchReason.RepeatNear, 1);
        Assert.Equal(4, page.RepeatThreshold);
        Assert.Equal("已来访 3 次，第 4 次即触发重复访", Assert.Single(page.Items).Reasons.Single().Detail);
    }
}
