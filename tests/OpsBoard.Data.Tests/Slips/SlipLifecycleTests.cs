using Dapper;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Calendar;
using OpsBoard.Data.Matters;
using OpsBoard.Data.Slips;

namespace OpsBoard.Data.Tests.Slips;

public sealed class SlipLifecycleTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    static async Task<(SlipScenario S, long SlipId)> IssuedAsync(SlipScenario s)
    {
        await s.VisitAgainAsync(5);
        var result = await s.Detector.RunAsync(full: false);
        return (s, Assert.Single(result.Issued).Id);
    }

    async Task<string> StateAsync(long slipId)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<string>("SELECT state FROM warning_slip WHERE id = @slipId", new { slipId }) ?? "";
    }

    [Fact]
    public async Task FullLife_EachStepRecordedAuditedAndLive_ClockStopsAtSignature()
    {
        var (s, id) = await IssuedAsync(await SlipScenario.CreateAsync(db.DataSource));

        await s.Lifecycle.AcknowledgeAsync(s.Officer, id);
        await s.Lifecycle.AnswerAsync(s.Officer, id, SlipScenario.Answer(ChinaTime.Today(s.Floor.Clock)));
        await s.Lifecycle.SendBackAsync(s.Leader, id, "稳控措施不具体");
        await s.Lifecycle.AnswerAsync(s.Officer, id, SlipScenario.Answer(ChinaTime.Today(s.Floor.Clock)));
        await s.Lifecycle.SignAsync(s.Leader, id);
        await s.Lifecycle.CloseAsync(s.Office, id);

        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(["issued", "acknowledged", "answered", "sent_back", "answered", "signed", "closed"],
            await connection.QueryAsync<string>("SELECT to_state FROM warning_slip_step WHERE slip_id = @id ORDER BY id", new { id }));
        Assert.Equal(7, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM audit_log WHERE subject_kind = 'warning_slip' AND subject_id = @id AND outcome = 'ok'", new { id }));
        Assert.Equal(7, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM live_event WHERE kind LIKE 'slip.%' AND (payload->>'id')::bigint = @id", new { id }));
        Assert.Equal(("met", "stopped"), await connection.QuerySingleAsync<(string, string)>("SELECT result, alert_state FROM matter_clock WHERE slip_id = @id", new { id }));
    }

    [Fact]
    public async Task Clock_IssuedBeforeNationalDay_DueSevenWorkingDaysLaterCountingTheMakeUpSaturday()
    {
        var s = await SlipScenario.CreateAsync(db.DataSource);
        var issueAt = new DateTimeOffset(2026, 9, 30, 10, 0, 0, ChinaTime.Offset);
        s.Floor.Clock.Advance(issueAt - s.Floor.Clock.Now); // back in time: the clock is the test's
        await s.VisitAgainAsync(5);

        var slip = Assert.Single((await s.Detector.RunAsync(full: false)).Issued);

        // 10-01..07 国庆节 off; 10-08, 10-09, 10-10 (make-up Saturday), 10-12, 10-13, 10-14, 10-15.
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var due = ChinaTime.Utc(await connection.ExecuteScalarAsync<DateTime>("SELECT due_at FROM matter_clock WHERE slip_id = @Id", new { slip.Id }));
        Assert.Equal(new DateTimeOffset(2026, 10, 15, 23, 59, 59, ChinaTime.Offset), due);
        Assert.Equal(due, ChinaTime.Utc(await connection.ExecuteScalarAsync<DateTime>("SELECT due_at FROM warning_slip WHERE id = @Id", new { slip.Id })));

        s.Floor.Clock.Advance(due - s.Floor.Clock.Now + TimeSpan.FromMinutes(1));
        await new ClockWatcher(db.DataSource, s.Floor.Clock).RunAsync();
        var overdue = await new AlertQueries(db.DataSource, new CalendarStore(db.DataSource), s.Floor.Clock).ForCenterAsync(s.Floor.CenterId, 10);
        Assert.Contains(overdue.Top, a => a.RuleCode == ClockKind.WarningSlip && a.State == ClockAlertState.Overdue);
    }

    [Fact]
    public async Task Sign_AfterTheDueMomentBeforeTheWatcherRan_TheStoppedClockRecordsTheStatesItPassed()
    {
        var (s, id) = await IssuedAsync(await SlipScenario.CreateAsync(db.DataSource));
        await s.Lifecycle.AcknowledgeAsync(s.Officer, id);
        await s.Lifecycle.AnswerAsync(s.Officer, id, SlipScenario.Answer(ChinaTime.Today(s.Floor.Clock)));
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var (due, approachingFrom) = await connection.QuerySingleAsync<(DateTime, DateTime)>(
            "SELECT due_at, approaching_from FROM matter_clock WHERE slip_id = @id", new { id });

        // Signed a minute after the due moment: no watcher run in between.
        s.Floor.Clock.Advance(ChinaTime.Utc(due) - s.Floor.Clock.Now + TimeSpan.FromMinutes(1));
        await s.Lifecycle.SignAsync(s.Leader, id);

        var clock = await connection.QuerySingleAsync<(string Result, string State, DateTime? ApproachingAt, DateTime? OverdueAt)>(
            "SELECT result, alert_state, approaching_at, overdue_at FROM matter_clock WHERE slip_id = @id", new { id });
        Assert.Equal(("breached", "stopped", approachingFrom, due), (clock.Result, clock.State, clock.ApproachingAt, clock.OverdueAt));
    }

    [Fact]
    public async Task Acknowledge_AnotherUnitsSlip_IsForbiddenAndAudited()
    {
        var (s, id) = await IssuedAsync(await SlipScenario.CreateAsync(db.DataSource));

        var error = await Assert.ThrowsAsync<ForbiddenException>(() => s.Lifecycle.AcknowledgeAsync(s.Stranger, id));

        Assert.Contains("预警提醒单不属于您的单位", error.Message);
        await Assert.ThrowsAsync<ForbiddenException>(() => s.Queries.DetailAsync(s.Stranger, id));
        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM audit_log WHERE action = 'may.acknowledge_slip' AND outcome = 'refused' AND subject_id = @id", new { id }));
        Assert.Equal(SlipState.Issued, await StateAsync(id));
    }

    [Fact]
    public async Task Answer_EmptyCauseAnalysis_IsRefusedAndChangesNothing()
    {
        var (s, id) = await IssuedAsync(await SlipScenario.CreateAsync(db.DataSource));
        await s.Lifecycle.AcknowledgeAsync(s.Officer, id);

        var error = await Assert.ThrowsAsync<RefusedException>(() =>
            s.Lifecycle.AnswerAsync(s.Officer, id, SlipScenario.Answer(ChinaTime.Today(s.Floor.Clock)) with { CauseAnalysis = "  " }));

        Assert.Equal("请填写原因分析。", error.Message);
        Assert.Equal(SlipState.Acknowledged, await StateAsync(id));
    }

    [Fact]
    public async Task Sign_BeforeAnswer_IsRefused()
    {
        var (s, id) = await IssuedAsync(await SlipScenario.CreateAsync(db.DataSource));
        await s.Lifecycle.AcknowledgeAsync(s.Officer, id);

        var error = await Assert.ThrowsAsync<SlipException>(() => s.Lifecycle.SignAsync(s.Leader, id));

        Assert.Contains("不能领导审签", error.Message);
        Assert.Equal(SlipState.Acknowledged, await StateAsync(id));
    }

    [Fact]
    public async Task Sign_ByOfficerOrOtherUnitsLeaderOrTheAnswerer_IsRefused()
    {
        var (s, id) = await IssuedAsync(await SlipScenario.CreateAsync(db.DataSource));
        var leaderWhoAnswers = Actor.OfUnit(s.Floor.OtherClerkId, s.Floor.CenterId, s.UnitId, Roles.UnitOfficer, Roles.UnitLeader);
        await s.Lifecycle.AcknowledgeAsync(s.Officer, id);
        await s.Lifecycle.AnswerAsync(leaderWhoAnswers, id, SlipScenario.Answer(ChinaTime.Today(s.Floor.Clock)));

        await Assert.ThrowsAsync<ForbiddenException>(() => s.Lifecycle.SignAsync(s.Officer, id));
        await Assert.ThrowsAsync<ForbiddenException>(() => s.Lifecycle.SignAsync(s.Stranger, id));
        var own = await Assert.ThrowsAsync<SlipException>(() => s.Lifecycle.SignAsync(leaderWhoAnswers, id));

        Assert.Contains("答复人不能审签", own.Message);
        Assert.Equal(SlipState.Answered, await StateAsync(id));
        await s.Lifecycle.SignAsync(s.Leader, id);
        Assert.Equal(SlipState.Signed, await StateAsync(id));
    }

    [Fact]
    public async Task StepsFor_OfficerLeaderAndOffice_OfferOnlyWhatEachMayDoNow()
    {
        var (s, id) = await IssuedAsync(await SlipScenario.CreateAsync(db.DataSource));

        var slip = await s.Queries.DetailAsync(s.Officer, id);

        Assert.NotNull(slip);
        Assert.Equal([SlipStep.Acknowledge], slip.StepsFor(s.Officer));
        Assert.Empty(slip.StepsFor(s.Office));
        Assert.Contains("来访 5 人", slip.Facts);
    }
}
