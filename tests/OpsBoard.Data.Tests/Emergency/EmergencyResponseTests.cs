using Dapper;
using Npgsql;
using OpsBoard.Data.Emergency;

namespace OpsBoard.Data.Tests.Emergency;

public sealed class EmergencyResponseTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task Launch_SameRequestKeyTwice_OneResponseWithItsRespondersNotifiedOnce()
    {
        var s = await EmergencyScenario.CreateAsync(db.DataSource);
        var visit = await s.Floor.ArriveAsync(headcount: 6);
        var key = Guid.NewGuid();

        var first = await s.Responses.LaunchAsync(s.Duty, s.Launch(key: key, visitId: visit.VisitId));
        var again = await s.Responses.LaunchAsync(s.Duty, s.Launch(key: key, visitId: visit.VisitId));
        var racing = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => s.Responses.LaunchAsync(s.Duty, s.Launch(key: key))));

        Assert.False(first.Repeated);
        Assert.True(again.Repeated);
        Assert.All(racing, r => Assert.Equal(first.EmergencyId, r.EmergencyId));
        var detail = await s.DetailAsync(first.EmergencyId);
        Assert.Equal(6, detail.Summary.Headcount);
        Assert.Equal(["孙负责", "徐分管"], detail.Responders.Select(r => r.Name));
        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM emergency WHERE request_key = @key", new { key }));
        Assert.Equal(2, await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM notification_outbox WHERE center_id = @CenterId AND kind = 'emergency.notify'", new { s.Floor.CenterId }));
        Assert.Equal([EmergencyStep.Launched, EmergencyStep.Notified, EmergencyStep.Notified], detail.Timeline.Select(t => t.Step));
    }

    [Fact]
    public async Task Launch_ExtremeBehaviour_CallsThePolicePostFromTheCenterWideContacts()
    {
        var s = await EmergencyScenario.CreateAsync(db.DataSource);

        var launched = await s.Responses.LaunchAsync(s.Duty, s.Launch(EmergencyKind.Extreme));

        var detail = await s.DetailAsync(launched.EmergencyId);
        Assert.Contains(detail.Responders, r => r.Role == ResponderRole.Police && r.Name == "赵所长");
    }

    [Fact]
    public async Task Launch_ByAUnitOfficer_RefusedAndNothingWritten()
    {
        var s = await EmergencyScenario.CreateAsync(db.DataSource);

        await Assert.ThrowsAsync<ForbiddenException>(() => s.Responses.LaunchAsync(s.Head, s.Launch()));

        Assert.Empty(await s.Queries.ActiveAsync(s.Floor.CenterId));
    }

    [Fact]
    public async Task Acknowledge_ByNonResponder_RefusedAndAudited()
    {
        var s = await EmergencyScenario.CreateAsync(db.DataSource);
        var launched = await s.Responses.LaunchAsync(s.Duty, s.Launch());

        var refusal = await Assert.ThrowsAsync<ForbiddenException>(() => s.Responses.AcknowledgeAsync(s.Stranger, launched.EmergencyId));

        Assert.Contains("不是本次应急处置的响应人", refusal.Message);
        Assert.All((await s.DetailAsync(launched.EmergencyId)).Responders, r => Assert.Null(r.AcknowledgedAt));
        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM audit_log WHERE action = 'emergency.acknowledge' AND outcome = 'refused' AND subject_id = @EmergencyId", new { launched.EmergencyId }));
    }

    [Fact]
    public async Task Acknowledge_Twice_SecondRefusedFirstKept()
    {
        var s = await EmergencyScenario.CreateAsync(db.DataSource);
        var launched = await s.Responses.LaunchAsync(s.Duty, s.Launch());
        s.Floor.Clock.Advance(TimeSpan.FromMinutes(2));
        await s.Responses.AcknowledgeAsync(s.Leader, launched.EmergencyId);
        s.Floor.Clock.Advance(TimeSpan.FromMinutes(1));

        var refusal = await Assert.ThrowsAsync<EmergencyException>(() => s.Responses.AcknowledgeAsync(s.Leader, launched.EmergencyId));

        Assert.Contains("无需重复确认", refusal.Message);
        var detail = await s.DetailAsync(launched.EmergencyId);
        Assert.Equal(s.Floor.Clock.Now.AddMinutes(-1).UtcDateTime, detail.Responders.Single(r => r.Name == "徐分管").AcknowledgedAt!.Value, TimeSpan.FromSeconds(1));
        Assert.Single(detail.Timeline, t => t.Step == EmergencyStep.Acknowledged);
    }

    [Fact]
    public async Task Close_WithoutOutcome_RefusedAndStillActive()
    {
        var s = await EmergencyScenario.CreateAsync(db.DataSource);
        var launched = await s.Responses.LaunchAsync(s.Duty, s.Launch());
        await s.Responses.ReportAsync(s.Duty, launched.EmergencyId, new UpwardReport(ReportChannel.Phone, "县委办、县政府办、市信访局", "集体访6人，已同步接访"));

        var refusal = await Assert.ThrowsAsync<RefusedException>(() => s.Responses.CloseAsync(s.Duty, launched.EmergencyId, new EmergencyClosing("  ", "约访")));

        Assert.Equal("请填写处置结果。", refusal.Message);
        Assert.Equal(EmergencyState.Active, (await s.DetailAsync(launched.EmergencyId)).Summary.State);
    }

    [Fact]
    public async Task Close_BeforeTheUpwardReport_RefusedWithTheArticle()
    {
        var s = await EmergencyScenario.CreateAsync(db.DataSource);
        var launched = await s.Responses.LaunchAsync(s.Duty, s.Launch());

        var refusal = await Assert.ThrowsAsync<EmergencyException>(() => s.Responses.CloseAsync(s.Duty, launched.EmergencyId, new EmergencyClosing("已劝离", null)));

        Assert.Contains("第二十五条", refusal.Message);
    }

    [Fact]
    public async Task WholeFlow_ArrivalReportClose_TimelineInOrderAndChainIntact()
    {
        var s = await EmergencyScenario.CreateAsync(db.DataSource);
        var launched = await s.Responses.LaunchAsync(s.Duty, s.Launch());
        var id = launched.EmergencyId;
        await s.Responses.AcknowledgeAsync(s.Head, id);
        s.Floor.Clock.Advance(TimeSpan.FromMinutes(20));
        var head = (await s.DetailAsync(id)).Responders.First(r => r.Name == "孙负责");
        await s.Responses.RecordArrivalAsync(s.Clerk, id, head.Id);
        await Assert.ThrowsAsync<EmergencyException>(() => s.Responses.RecordArrivalAsync(s.Clerk, id, head.Id));
        await s.Responses.ReportAsync(s.Duty, id, new UpwardReport(ReportChannel.Phone, "县委办、县政府办、市信访局", "集体访6人，已同步接访"));
        await s.Responses.RecordMeasureAsync(s.Duty, id, "安排代表5人到调处室座谈");
        await s.Responses.CloseAsync(s.Duty, id, new EmergencyClosing("群众情绪平稳，已有序离开", "县住建局三日内答复", ChinaTime.Today(s.Floor.Clock).AddDays(3)));

        var detail = await s.DetailAsync(id);
        Assert.Equal(EmergencyState.Closed, detail.Summary.State);
        Assert.Equal(
            [EmergencyStep.Launched, EmergencyStep.Notified, EmergencyStep.Notified, EmergencyStep.Acknowledged, EmergencyStep.Arrived,
             EmergencyStep.Reported, EmergencyStep.Measure, EmergencyStep.Closed],
            detail.Timeline.Select(t => t.Step));
        Assert.Equal(Enumerable.Range(1, 8), detail.Timeline.Select(t => t.Seq));
        Assert.Null(detail.BrokenAt);
        Assert.Equal("已报告", detail.Summary.ReportText(s.Floor.Clock.Now));
        await Assert.ThrowsAsync<EmergencyException>(() => s.Responses.AcknowledgeAsync(s.Leader, id));
    }

    [Fact]
    public async Task Watcher_ResponderSilentPastTheKindsTime_EscalatedToTheNextLevelOnce()
    {
        var s = await EmergencyScenario.CreateAsync(db.DataSource);
        var launched = await s.Responses.LaunchAsync(s.Duty, s.Launch());
        await s.Responses.AcknowledgeAsync(s.Head, launched.EmergencyId);

        // The watcher serves every center; other tests' responses in this database are none of these assertions' business.
        async Task<int> EscalationsAsync() => (await s.DetailAsync(launched.EmergencyId)).Timeline.Count(t => t.Step == EmergencyStep.Escalated);
        s.Floor.Clock.Advance(TimeSpan.FromMinutes(9));
        await s.Watcher.RunAsync();
        Assert.Equal(0, await EscalationsAsync());
        s.Floor.Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.True((await s.Watcher.RunAsync()).Escalated >= 1);
        await s.Watcher.RunAsync();
        Assert.Equal(1, await EscalationsAsync());
        var detail = await s.DetailAsync(launched.EmergencyId);
        var principal = detail.Responders.Single(r => r.Name == "王局长");
        Assert.Equal("徐分管", principal.EscalatedFromName);
        Assert.NotNull(detail.Responders.Single(r => r.Name == "徐分管").EscalatedAt);
        Assert.Contains(detail.Timeline, t => t.Step == EmergencyStep.Escalated && t.Detail.Contains("升级通知主要领导 王局长"));
        await s.Responses.AcknowledgeAsync(s.Principal, launched.EmergencyId);
    }

    [Fact]
    public async Task Watcher_NoReportWithinTheKindsTime_FlagsLateReportOnce_AndTheLateReportKeepsTheFlag()
    {
        var s = await EmergencyScenario.CreateAsync(db.DataSource);
        var launched = await s.Responses.LaunchAsync(s.Duty, s.Launch());
        await s.Responses.AcknowledgeAsync(s.Head, launched.EmergencyId);
        await s.Responses.AcknowledgeAsync(s.Leader, launched.EmergencyId);

        s.Floor.Clock.Advance(TimeSpan.FromMinutes(59));
        await s.Watcher.RunAsync();
        Assert.Equal("待报告", (await s.DetailAsync(launched.EmergencyId)).Summary.ReportText(s.Floor.Clock.Now));
        Assert.Null((await s.DetailAsync(launched.EmergencyId)).Summary.LateAt);
        s.Floor.Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.True((await s.Watcher.RunAsync()).Late >= 1);
        await s.Watcher.RunAsync();
        Assert.NotNull((await s.DetailAsync(launched.EmergencyId)).Summary.LateAt);
        Assert.Equal("缓报", (await s.DetailAsync(launched.EmergencyId)).Summary.ReportText(s.Floor.Clock.Now));

        await s.Responses.ReportAsync(s.Duty, launched.EmergencyId, new UpwardReport(ReportChannel.Document, "县委办", "补报"));

        var detail = await s.DetailAsync(launched.EmergencyId);
        Assert.Equal("已报告（缓报）", detail.Summary.ReportText(s.Floor.Clock.Now));
        Assert.Single(detail.Timeline, t => t.Step == EmergencyStep.Late);
    }

    [Fact]
    public async Task Timeline_UpdateAndDelete_RefusedByTheDatabase()
    {
        var s = await EmergencyScenario.CreateAsync(db.DataSource);
        var launched = await s.Responses.LaunchAsync(s.Duty, s.Launch());
        await using var connection = await db.DataSource.OpenConnectionAsync();

        var update = await Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync(
            "UPDATE emergency_timeline SET detail = '无事发生' WHERE emergency_id = @EmergencyId", new { launched.EmergencyId }));
        var delete = await Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync(
            "DELETE FROM emergency_timeline WHERE emergency_id = @EmergencyId", new { launched.EmergencyId }));
        var truncate = await Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync("TRUNCATE emergency_timeline CASCADE"));

        Assert.All(new[] { update, delete, truncate }, e => Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, e.SqlState));
        Assert.Equal(3, (await s.DetailAsync(launched.EmergencyId)).Timeline.Count);
    }

    [Fact]
    public async Task Timeline_RowChangedBehindTheTriggersBack_ChainCheckNamesTheRow()
    {
        var s = await EmergencyScenario.CreateAsync(db.DataSource);
        var launched = await s.Responses.LaunchAsync(s.Duty, s.Launch());
        await s.Responses.AcknowledgeAsync(s.Head, launched.EmergencyId);
        Assert.Null(await s.Queries.BrokenAtAsync(launched.EmergencyId));
        await using var connection = new NpgsqlConnection(TestCluster.SuperUserConnectionString(db.ConnectionString));
        await connection.OpenAsync();

        // What only a superuser can do: switch triggers off for the session and rewrite history.
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await connection.ExecuteAsync("SET LOCAL session_replication_role = replica", transaction: transaction);
            await connection.ExecuteAsync("UPDATE emergency_timeline SET at = at - interval '30 minutes' WHERE emergency_id = @EmergencyId AND seq = 4",
                new { launched.EmergencyId }, transaction);
            await transaction.CommitAsync();
        }

        Assert.Equal(4, await s.Queries.BrokenAtAsync(launched.EmergencyId));
        Assert.Equal(4, (await s.DetailAsync(launched.EmergencyId)).BrokenAt);
    }

    [Fact]
    public async Task Timeline_RowRemovedBehindTheTriggersBack_ChainCheckFindsTheGap()
    {
        var s = await EmergencyScenario.CreateAsync(db.DataSource);
        var launched = await s.Responses.LaunchAsync(s.Duty, s.Launch());
        await s.Responses.AcknowledgeAsync(s.Head, launched.EmergencyId);
        await using var connection = new NpgsqlConnection(TestCluster.SuperUserConnectionString(db.ConnectionString));
        await connection.OpenAsync();

        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await connection.ExecuteAsync("SET LOCAL session_replication_role = replica", transaction: transaction);
            await connection.ExecuteAsync("DELETE FROM emergency_timeline WHERE emergency_id = @EmergencyId AND seq = 2", new { launched.EmergencyId }, transaction);
            await transaction.CommitAsync();
        }

        Assert.Equal(2, await s.Queries.BrokenAtAsync(launched.EmergencyId));
    }
}

public sealed class DemoEmergencyTests(DemoDatabaseFixture db) : IClassFixture<DemoDatabaseFixture>
{
    [Fact]
    public async Task Demo_HoldsOneClosedReportedResponseWithAnIntactChain_AndContactsForTheStreet()
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();

        var (id, state, late) = await connection.QuerySingleAsync<(long, string, bool)>(
            "SELECT id, state, late_at IS NOT NULL FROM emergency");
        var steps = (await connection.QueryAsync<string>("SELECT step FROM emergency_timeline WHERE emergency_id = @id ORDER BY seq", new { id })).ToList();

        Assert.Equal((EmergencyState.Closed, false), (state, late));
        Assert.Equal(EmergencyStep.Launched, steps[0]);
        Assert.Equal(EmergencyStep.Closed, steps[^1]);
        Assert.Contains(EmergencyStep.Reported, steps);
        Assert.Null(await connection.ExecuteScalarAsync<int?>("SELECT emergency_timeline_broken(@id)", new { id }));
        Assert.True(await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM emergency_contact c JOIN unit u ON u.id = c.unit_id WHERE u.code = 'chengdong'") >= 3);
    }
}

public sealed class EmergencySettingsTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task SaveKind_ByAdmin_ChangesTheTimesAndRoles_AndTheDeskSeesTodaysCandidates()
    {
        var s = await EmergencyScenario.CreateAsync(db.DataSource);
        var settings = new EmergencySettings(db.DataSource, s.Floor.Clock);
        var admin = OpsBoard.Data.Accounts.Actor.Center(s.Floor.ClerkId, s.Floor.CenterId, OpsBoard.Data.Accounts.Roles.Admin);
        var before = (await settings.KindsAsync()).Single(k => k.Code == EmergencyKind.Extreme);

        await Assert.ThrowsAsync<ForbiddenException>(() => settings.SaveKindAsync(s.Duty, EmergencyKind.Extreme, 5, true, 20, [ResponderRole.Police]));
        await Assert.ThrowsAsync<EmergencyException>(() => settings.SaveKindAsync(admin, EmergencyKind.Extreme, 0, true, 20, [ResponderRole.Police]));
        await settings.SaveKindAsync(admin, EmergencyKind.Extreme, 5, true, 20, [.. before.Roles]);
        var after = (await settings.KindsAsync()).Single(k => k.Code == EmergencyKind.Extreme);
        var visit = await s.Floor.ArriveAsync(headcount: 7);
        var candidates = await s.Queries.CandidatesTodayAsync(s.Floor.CenterId);

        Assert.Equal([ResponderRole.UnitHead, ResponderRole.UnitLeader, ResponderRole.Police], before.Roles);
        Assert.Equal((5, 20), (after.AckWithinMinutes, after.ReportWithinMinutes));
        Assert.Contains(candidates, c => c.VisitId == visit.VisitId && c.Headcount == 7 && c.Behaviours.Length == 0);
        Assert.Equal((visit.VisitId, EmergencyKind.Collective, 7), await s.Queries.OfferForTicketAsync(s.Floor.CenterId, visit.TicketId));
    }
}
