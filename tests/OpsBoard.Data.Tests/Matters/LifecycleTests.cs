using OpsBoard.Data.Accounts;
using Dapper;
using OpsBoard.Data.Calendar;
using OpsBoard.Data.Matters;
using OpsBoard.Data.Tests.Reception;

namespace OpsBoard.Data.Tests.Matters;

public sealed class LifecycleTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    sealed record Setup(FloorScenario Floor, MatterLifecycle Lifecycle, ClockWatcher Watcher, long MatterId, int UnitId, Actor Center, Actor Officer, Actor Leader, Actor Stranger);

    async Task<Setup> SetupAsync()
    {
        var floor = await FloorScenario.CreateAsync(db.DataSource);
        var registered = await floor.ArriveAsync();
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var matterId = await connection.ExecuteScalarAsync<long>("SELECT matter_id FROM visit WHERE id = @VisitId", new { registered.VisitId });
        var unitId = await connection.ExecuteScalarAsync<int>("SELECT id FROM unit WHERE center_id = @CenterId AND code = 'dept-zjj'", new { floor.CenterId });
        var otherUnit = await connection.ExecuteScalarAsync<int>(
            "INSERT INTO unit (center_id, kind, code, name) VALUES (@CenterId, 'department', 'dept-gaj', '县公安局') RETURNING id", new { floor.CenterId });
        var clocks = new MatterClocks(new CalendarStore(db.DataSource));
        var lifecycle = new MatterLifecycle(db.DataSource, clocks, new Supervisions(db.DataSource, clocks, floor.Clock), floor.Clock);
        return new Setup(floor, lifecycle, new ClockWatcher(db.DataSource, floor.Clock), matterId, unitId,
            Actor.Center(floor.ClerkId, floor.CenterId, Roles.Director),
            Actor.OfUnit(floor.OtherClerkId, floor.CenterId, unitId, Roles.UnitOfficer),
            Actor.OfUnit(floor.ClerkId, floor.CenterId, unitId, Roles.UnitOfficer, Roles.UnitLeader), // not the officer: nobody approves their own request
            Actor.OfUnit(floor.OtherClerkId, floor.CenterId, otherUnit, Roles.UnitOfficer, Roles.UnitLeader));
    }

    /// <summary>Accepted, assigned to the unit, received by it.</summary>
    static async Task ToReceivedAsync(Setup s)
    {
        await s.Lifecycle.AcceptAsync(s.Center, s.MatterId, true, null, true);
        await s.Lifecycle.AssignAsync(s.Center, s.MatterId, s.UnitId);
        await s.Lifecycle.ReceiveAsync(s.Officer, s.MatterId);
    }

    /// <summary>…and the petitioner contacted: the unit is handling it.</summary>
    static async Task ToHandlingAsync(Setup s)
    {
        await ToReceivedAsync(s);
        await s.Lifecycle.FirstContactAsync(s.Officer, s.MatterId, "电话联系，核实了诉求");
    }

    async Task<List<(string Code, string? Result, string State)>> ClocksAsync(long matterId)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        return [.. await connection.QueryAsync<(string, string?, string)>("""
            SELECT r.code, k.result, k.alert_state
            FROM matter_clock k JOIN deadline_rule r ON r.id = k.rule_id
            WHERE k.matter_id = @matterId
            ORDER BY k.id
            """, new { matterId })];
    }

    [Fact]
    public async Task FullLifecycle_StartsAndStopsEachClock()
    {
        var s = await SetupAsync();

        await s.Lifecycle.AcceptAsync(s.Center, s.MatterId, accepted: true, reason: null, noticeGiven: true);
        await s.Lifecycle.AssignAsync(s.Center, s.MatterId, s.UnitId);
        await s.Lifecycle.ReceiveAsync(s.Officer, s.MatterId);
        await s.Lifecycle.FirstContactAsync(s.Officer, s.MatterId, "电话联系");
        await s.Lifecycle.ReplyAsync(s.Officer, s.MatterId, DateOnly.FromDateTime(s.Floor.Clock.Now.ToOffset(ChinaTime.Offset).DateTime), "supported");
        await s.Lifecycle.CloseAsync(s.Center, s.MatterId);

        var clocks = await ClocksAsync(s.MatterId);
        Assert.Equal(["transfer", "acceptance_notice", "handling", "local_handling", "objection", "first_contact", "review_request"], clocks.Select(c => c.Code));
        Assert.All(clocks.SkipLast(1), c => Assert.Equal(("met", "stopped"), (c.Result, c.State)));
        Assert.Equal((null, "running"), (clocks[^1].Result, clocks[^1].State)); // the petitioner's 30 days to ask for a review
        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(7, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM matter_transition WHERE matter_id = @MatterId", new { s.MatterId }));
        Assert.Equal(6, await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM live_event WHERE kind LIKE 'matter.%' AND (payload->>'Id')::bigint = @MatterId", new { s.MatterId }));
    }

    [Fact]
    public async Task Step_FromWrongState_IsRefusedAndChangesNothing()
    {
        var s = await SetupAsync();

        var error = await Assert.ThrowsAsync<MatterException>(() => s.Lifecycle.CloseAsync(s.Center, s.MatterId));

        Assert.Contains("当前为“已登记”", error.Message);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.Equal("registered", await connection.ExecuteScalarAsync<string>("SELECT status FROM matter WHERE id = @MatterId", new { s.MatterId }));
    }

    [Fact]
    public async Task Reply_DateBeforeAcceptance_IsRefused()
    {
        var s = await SetupAsync();
        await ToHandlingAsync(s);

        var error = await Assert.ThrowsAsync<MatterException>(() => s.Lifecycle.ReplyAsync(s.Officer, s.MatterId, new DateOnly(2026, 1, 5), "supported"));

        Assert.Contains("答复日期应在受理日", error.Message);
    }

    [Fact]
    public async Task UnitOfficer_OtherUnitsMatter_IsForbiddenAndAudited()
    {
        var s = await SetupAsync();
        await s.Lifecycle.AcceptAsync(s.Center, s.MatterId, true, null, true);
        await s.Lifecycle.AssignAsync(s.Center, s.MatterId, s.UnitId);

        await Assert.ThrowsAsync<ForbiddenException>(() => s.Lifecycle.ReceiveAsync(s.Stranger, s.MatterId));

        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM audit_log WHERE action = 'may.receive_matter' AND outcome = 'refused' AND subject_id = @MatterId", new { s.MatterId }));
        Assert.Equal("assigned", await connection.ExecuteScalarAsync<string>("SELECT status FROM matter WHERE id = @MatterId", new { s.MatterId }));
    }

    [Fact]
    public async Task Extension_Over30DaysInAll_IsRefused_ApprovalNeedsLeaderAndNotice()
    {
        var s = await SetupAsync();
        await ToReceivedAsync(s);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var dueBefore = await connection.ExecuteScalarAsync<DateTime>(
            "SELECT k.due_at FROM matter_clock k JOIN deadline_rule r ON r.id = k.rule_id WHERE k.matter_id = @MatterId AND r.code = 'handling'", new { s.MatterId });

        await s.Lifecycle.RequestExtensionAsync(s.Officer, s.MatterId, 20, "需现场勘验");
        await Assert.ThrowsAsync<ForbiddenException>(() => s.Lifecycle.DecideExtensionAsync(s.Officer, s.MatterId, true, true));
        await Assert.ThrowsAsync<MatterException>(() => s.Lifecycle.DecideExtensionAsync(s.Leader, s.MatterId, true, petitionerNotified: false));
        await s.Lifecycle.DecideExtensionAsync(s.Leader, s.MatterId, true, petitionerNotified: true);
        var tooMuch = await Assert.ThrowsAsync<MatterException>(() => s.Lifecycle.RequestExtensionAsync(s.Officer, s.MatterId, 11, "再延"));

        var dueAfter = await connection.ExecuteScalarAsync<DateTime>(
            "SELECT k.due_at FROM matter_clock k JOIN deadline_rule r ON r.id = k.rule_id WHERE k.matter_id = @MatterId AND r.code = 'handling'", new { s.MatterId });
        Assert.Contains("不得超过 30 日", tooMuch.Message);
        Assert.True((dueAfter - dueBefore).TotalDays >= 20);
    }

    [Fact]
    public async Task ReviewRequest_AfterTheWindowLapsed_IsRefused_TheWindowShowsAsLapsed()
    {
        var s = await SetupAsync();
        await ToHandlingAsync(s);
        await s.Lifecycle.ReplyAsync(s.Officer, s.MatterId, ChinaTime.Today(s.Floor.Clock), ReplyOutcome.NotSupported);
        s.Floor.Clock.Advance(TimeSpan.FromDays(35));

        await s.Watcher.RunAsync();
        var late = await Assert.ThrowsAsync<MatterException>(() => s.Lifecycle.RequestReviewAsync(s.Center, s.MatterId));

        Assert.Contains("复查申请期限", late.Message);
        var window = (await ClocksAsync(s.MatterId)).Single(c => c.Code == ClockKind.ReviewRequest);
        Assert.Equal((ClockResult.Lapsed, ClockAlertState.Stopped), (window.Result, window.State));
    }

    [Fact]
    public async Task FirstContact_EmptyOrOverlongRecord_IsRefusedAndNothingMoves()
    {
        var s = await SetupAsync();
        await ToReceivedAsync(s);

        var empty = await Assert.ThrowsAsync<RefusedException>(() => s.Lifecycle.FirstContactAsync(s.Officer, s.MatterId, "  "));
        var tooLong = await Assert.ThrowsAsync<RefusedException>(() => s.Lifecycle.FirstContactAsync(s.Officer, s.MatterId, new string('核', 501)));

        Assert.Contains("请填写联系情况", empty.Message);
        Assert.Contains("不超过 500 个字", tooLong.Message);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(MatterStatus.Received, await connection.ExecuteScalarAsync<string>("SELECT status FROM matter WHERE id = @MatterId", new { s.MatterId }));
    }

    [Fact]
    public async Task Hearing_PausesTheReReviewClock_ResumePushesTheDueDate()
    {
        var s = await SetupAsync();
        await ToHandlingAsync(s);
        await s.Lifecycle.ReplyAsync(s.Officer, s.MatterId, DateOnly.FromDateTime(s.Floor.Clock.Now.ToOffset(ChinaTime.Offset).DateTime), "not_supported");
        await s.Lifecycle.RequestReviewAsync(s.Center, s.MatterId);
        await s.Lifecycle.DecideReviewAsync(s.Center, s.MatterId);
        await s.Lifecycle.RequestReReviewAsync(s.Center, s.MatterId);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        const string dueSql = "SELECT k.due_at FROM matter_clock k JOIN deadline_rule r ON r.id = k.rule_id WHERE k.matter_id = @MatterId AND r.code = 're_review_decision'";
        var before = await connection.ExecuteScalarAsync<DateTime>(dueSql, new { s.MatterId });

        await s.Lifecycle.HearingAsync(s.Center, s.MatterId, starts: true);
        s.Floor.Clock.Advance(TimeSpan.FromDays(10));
        await s.Watcher.RunAsync(); // a paused clock is not marked while paused
        await s.Lifecycle.HearingAsync(s.Center, s.MatterId, starts: false);
        var after = await connection.ExecuteScalarAsync<DateTime>(dueSql, new { s.MatterId });
        await s.Lifecycle.DecideReReviewAsync(s.Center, s.MatterId);
        var reopen = await Assert.ThrowsAsync<MatterException>(() => s.Lifecycle.RequestReviewAsync(s.Center, s.MatterId));

        Assert.InRange((after - before).TotalDays, 10, 13); // ten days paused, then rolled past a weekend if need be
        Assert.Contains("复核终结", reopen.Message);
    }

    [Fact]
    public async Task Watcher_RunTwiceOrConcurrently_MarksEachClockOncePerState()
    {
        var s = await SetupAsync();
        s.Floor.Clock.Advance(TimeSpan.FromDays(13)); // past 75 % of the 15-day transfer and notice clocks

        var first = await s.Watcher.RunAsync();
        var second = await s.Watcher.RunAsync();
        s.Floor.Clock.Advance(TimeSpan.FromDays(5));
        var concurrent = await Task.WhenAll(s.Watcher.RunAsync(), new ClockWatcher(db.DataSource, s.Floor.Clock).RunAsync());

        // The class database holds other tests' matters too: counts are checked for this center's events.
        Assert.True(first.Approaching >= 2);
        Assert.Equal(new WatchResult(0, 0), second);
        Assert.True(concurrent.Sum(r => r.Overdue) >= 2);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(2, await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM live_event WHERE kind = 'clock.approaching' AND center_id = @CenterId", new { s.Floor.CenterId }));
        Assert.Equal(2, await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM live_event WHERE kind = 'clock.overdue' AND center_id = @CenterId", new { s.Floor.CenterId }));
    }

    [Fact]
    public async Task RuleChangedMidFlight_RunningClockKeepsItsVersion_NewClockTakesTheNew()
    {
        var s = await SetupAsync();
        await s.Lifecycle.AcceptAsync(s.Center, s.MatterId, true, null, true);
        var today = DateOnly.FromDateTime(s.Floor.Clock.Now.ToOffset(ChinaTime.Offset).DateTime);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        const string dueSql = "SELECT k.due_at FROM matter_clock k JOIN deadline_rule r ON r.id = k.rule_id WHERE k.matter_id = @id AND r.code = 'objection'";

        await s.Lifecycle.AssignAsync(s.Center, s.MatterId, s.UnitId);
        var oldDue = await connection.ExecuteScalarAsync<DateTime>(dueSql, new { id = s.MatterId });
        var revised = await DeadlineRules.ReviseAsync(db.DataSource, "objection", 3, "working", 0, "本县规定", today.AddDays(1), s.Floor.ClerkId, today);
        s.Floor.Clock.Advance(TimeSpan.FromDays(1));
        var second = await s.Floor.ArriveAsync();
        var secondMatter = await connection.ExecuteScalarAsync<long>("SELECT matter_id FROM visit WHERE id = @VisitId", new { second.VisitId });
        await s.Lifecycle.AcceptAsync(s.Center, secondMatter, true, null, true);
        await s.Lifecycle.AssignAsync(s.Center, secondMatter, s.UnitId);

        Assert.Equal(2, revised.Version);
        Assert.Equal(oldDue, await connection.ExecuteScalarAsync<DateTime>(dueSql, new { id = s.MatterId }));
        var newRuleVersion = await connection.ExecuteScalarAsync<int>(
            "SELECT r.version FROM matter_clock k JOIN deadline_rule r ON r.id = k.rule_id WHERE k.matter_id = @id AND r.code = 'objection'", new { id = secondMatter });
        Assert.Equal(2, newRuleVersion);
    }

    [Fact]
    public async Task Intake_OnlineMatter_GetsTheOneWeekLocalClock_InvalidIdIsRefused()
    {
        var s = await SetupAsync();
        var intake = new MatterIntake(db.DataSource, FloorScenario.Protector, new MatterClocks(new CalendarStore(db.DataSource)), s.Floor.Clock);

        var bad = await Assert.ThrowsAsync<MatterException>(() =>
            intake.RegisterAsync(s.Center, new NewMatter("online", "周八", "110105194912310021", null, "housing", "公租房配租", null, false)));
        var id = await intake.RegisterAsync(s.Center, new NewMatter("online", "周八", FloorScenario.NewIdNumber(), null, "housing", "公租房配租", null, false));
        await s.Lifecycle.AcceptAsync(s.Center, id, true, null, true);

        Assert.Contains("校验位", bad.Message);
        Assert.Equal(["transfer", "acceptance_notice", "handling", "local_handling_remote"], (await ClocksAsync(id)).Select(c => c.Code));
        await Assert.ThrowsAsync<ForbiddenException>(() =>
            intake.RegisterAsync(s.Officer, new NewMatter("letter", "周八", FloorScenario.NewIdNumber(), null, "housing", "x", null, false)));
    }

    [Fact]
    public async Task Supervision_SevenDayClock_FeedbackStopsIt_OnlyTheUnitAnswers()
    {
        var s = await SetupAsync();
        await s.Lifecycle.AcceptAsync(s.Center, s.MatterId, true, null, true);
        await s.Lifecycle.AssignAsync(s.Center, s.MatterId, s.UnitId);
        var supervisions = new Supervisions(db.DataSource, new MatterClocks(new CalendarStore(db.DataSource)), s.Floor.Clock);

        var id = await supervisions.IssueAsync(s.Center, s.MatterId, s.UnitId, "请于7日内反馈办理进展");
        var twice = await Assert.ThrowsAsync<MatterException>(() => supervisions.IssueAsync(s.Center, s.MatterId, s.UnitId, "再次督办"));
        await Assert.ThrowsAsync<ForbiddenException>(() => supervisions.FeedbackAsync(s.Stranger, id, "不是我们的"));
        s.Floor.Clock.Advance(TimeSpan.FromDays(8));
        await s.Watcher.RunAsync();
        var overdue = (await ClocksAsync(s.MatterId)).Single(c => c.Code == "supervision").State;
        await supervisions.FeedbackAsync(s.Officer, id, "已约谈信访人，正在协调");

        Assert.Contains("等待反馈", twice.Message);
        Assert.Equal("overdue", overdue);
        Assert.Equal(("breached", "stopped"), (await ClocksAsync(s.MatterId)).Single(c => c.Code == "supervision") is var k ? (k.Result, k.State) : default);
    }
}
