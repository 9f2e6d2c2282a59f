using Dapper;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Reception;
using OpsBoard.Data.Slips;

namespace OpsBoard.Data.Tests.Slips;

/// <summary>Revising a trigger changes the shared rule table, so these tests have a database of their own.</summary>
public sealed class SlipRuleTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task RunAsync_ThresholdRevised_VisitsJudgedByTheVersionInForceOnTheirDay()
    {
        var s = await SlipScenario.CreateAsync(db.DataSource);
        var rules = new SlipRules(db.DataSource, s.Floor.Clock);
        var admin = Actor.Center(s.Floor.ClerkId, s.Floor.CenterId, Roles.Admin);
        // Three visits yesterday, under version 1 (3 visits), then the threshold raised to 5 from today.
        var yesterday = s.Floor.Clock.Now.AddDays(-1);
        await using (var connection = await db.DataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("UPDATE visit SET arrived_at = @yesterday, visit_day = @day WHERE matter_id = @MatterId",
                new { yesterday, day = ChinaTime.DayOf(yesterday), s.MatterId });
        }

        await s.VisitAtLevelAsync(VisitLevel.County, yesterday.AddMinutes(1));
        await rules.ReviseAsync(admin, SlipTrigger.Repeat, 5, "县信访联席办通知", ChinaTime.Today(s.Floor.Clock));
        await s.Detector.RunAsync(full: true);
        Assert.Empty(await s.SlipsAsync());

        await s.VisitAtLevelAsync(VisitLevel.County, yesterday.AddMinutes(2)); // the third, yesterday: version 1 applies
        await s.Detector.RunAsync(full: true);

        var slip = Assert.Single(await s.SlipsAsync());
        await using var check = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(3, await check.ExecuteScalarAsync<int>(
            "SELECT r.threshold FROM warning_slip w JOIN slip_trigger_rule r ON r.id = w.rule_id WHERE w.id = @Id", new { slip.Id }));
    }

    [Fact]
    public async Task ReviseAsync_BadThresholdOrPastDate_IsRefused()
    {
        var s = await SlipScenario.CreateAsync(db.DataSource);
        var rules = new SlipRules(db.DataSource, s.Floor.Clock);
        var admin = Actor.Center(s.Floor.ClerkId, s.Floor.CenterId, Roles.Admin);
        var today = ChinaTime.Today(s.Floor.Clock);

        await Assert.ThrowsAsync<SlipException>(() => rules.ReviseAsync(admin, SlipTrigger.Escalated, 5, "x", today));
        await Assert.ThrowsAsync<SlipException>(() => rules.ReviseAsync(admin, SlipTrigger.Repeat, 4, "x", today.AddDays(-1)));
        await Assert.ThrowsAsync<ForbiddenException>(() => rules.ReviseAsync(s.Office, SlipTrigger.Repeat, 4, "x", today));
    }
}
