using Dapper;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Slips;

namespace OpsBoard.Data.Tests.Slips;

public sealed class MatterPackageTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    sealed record Packaged(SlipScenario S, long SlipId, MatterPackages Packages, Actor Leader, Actor OtherLeader, Actor StrangerLeader);

    /// <summary>An issued slip on the scenario's matter, two leader accounts of its unit and one of another unit.</summary>
    async Task<Packaged> IssuedAsync()
    {
        var s = await SlipScenario.CreateAsync(db.DataSource);
        await s.VisitAgainAsync(5);
        var slipId = Assert.Single((await s.Detector.RunAsync(full: false)).Issued).Id;
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var stranger = await connection.ExecuteScalarAsync<int>(
            "SELECT id FROM unit WHERE center_id = @CenterId AND code = 'dept-gaj'", new { s.Floor.CenterId });
        async Task<Actor> LeaderAsync(string name, int unitId)
        {
            var id = await s.Floor.AccountAsync(name, Roles.UnitLeader, unitId);
            return Actor.OfUnit(id, s.Floor.CenterId, unitId, Roles.UnitLeader);
        }

        return new Packaged(s, slipId, new MatterPackages(db.DataSource, s.Floor.Clock),
            await LeaderAsync("包案甲", s.UnitId), await LeaderAsync("包案乙", s.UnitId), await LeaderAsync("外单位领导", stranger));
    }

    [Fact]
    public async Task Assign_LeaderRecordsFiveDutiesMeetingAndInterview_ShownOnTheMatterAuditedAndLive()
    {
        var p = await IssuedAsync();

        var id = await p.Packages.AssignAsync(p.S.Office, p.SlipId, p.Leader.UserId, "牵头化解");
        var today = ChinaTime.Today(p.S.Floor.Clock);
        foreach (var kind in PackageDuty.Labels.Codes)
        {
            await p.Packages.RecordAsync(p.Leader, id, new PackageRecord(kind, today, $"{PackageDuty.Label(kind)}已落实"));
        }

        var package = Assert.Single(await p.Packages.ForMatterAsync(p.S.MatterId));
        Assert.Equal("包案甲", package.Leader);
        Assert.Equal(5, package.DutiesDone);
        Assert.Equal(7, package.Entries.Count);
        Assert.Equal("专题分析会已落实", package.Latest(PackageDuty.Meeting)?.Note);
        Assert.True(package.RecordableBy(p.Leader));
        Assert.False(package.RecordableBy(p.OtherLeader));
        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(8, await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM audit_log WHERE subject_kind = 'matter_package' AND subject_id = @id AND outcome = 'ok'", new { id }));
        Assert.Equal(["package.assigned", "package.recorded"], await connection.QueryAsync<string>(
            "SELECT DISTINCT kind FROM live_event WHERE kind LIKE 'package.%' AND (payload->>'id')::bigint = @id ORDER BY 1", new { id }));
        Assert.Equal(8, await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM live_event WHERE kind LIKE 'package.%' AND (payload->>'id')::bigint = @id", new { id }));

        var inbox = await p.Packages.ListAsync(p.Leader, mine: true, all: false, page: 1);
        var item = Assert.Single(inbox.Items);
        Assert.Equal((5, 1, 1), (item.DutiesDone, item.Meetings, item.Interviews));
        Assert.Empty((await p.Packages.ListAsync(p.OtherLeader, mine: true, all: false, page: 1)).Items);
        Assert.Single((await p.Packages.ListAsync(p.S.Office, mine: false, all: false, page: 1)).Items);
    }

    [Fact]
    public async Task Assign_ByTheUnitOrToSomeoneNotItsLeader_RefusedAndNothingWritten()
    {
        var p = await IssuedAsync();

        await Assert.ThrowsAsync<ForbiddenException>(() => p.Packages.AssignAsync(p.S.Officer, p.SlipId, p.Leader.UserId, null));
        var notLeader = await Assert.ThrowsAsync<SlipException>(() => p.Packages.AssignAsync(p.S.Office, p.SlipId, p.StrangerLeader.UserId, null));
        Assert.Contains("分管领导（片长）", notLeader.Message);
        await Assert.ThrowsAsync<SlipException>(() => p.Packages.AssignAsync(p.S.Office, p.SlipId, null, null));

        Assert.Empty(await p.Packages.ForMatterAsync(p.S.MatterId));
        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM audit_log WHERE action = 'may.assign_package' AND outcome = 'refused' AND subject_id = @SlipId", new { p.SlipId }));
    }

    [Fact]
    public async Task Record_ByAnotherLeaderOrWithBadInput_RefusedAndNothingWritten()
    {
        var p = await IssuedAsync();
        var id = await p.Packages.AssignAsync(p.S.Office, p.SlipId, p.Leader.UserId, null);
        var today = ChinaTime.Today(p.S.Floor.Clock);

        await Assert.ThrowsAsync<ForbiddenException>(() => p.Packages.RecordAsync(p.OtherLeader, id, new(PackageDuty.Grasp, today, "走访")));
        await Assert.ThrowsAsync<ForbiddenException>(() => p.Packages.RecordAsync(p.StrangerLeader, id, new(PackageDuty.Grasp, today, "走访")));
        await Assert.ThrowsAsync<ForbiddenException>(() => p.Packages.RecordAsync(p.S.Officer, id, new(PackageDuty.Grasp, today, "走访")));
        var empty = await Assert.ThrowsAsync<RefusedException>(() => p.Packages.RecordAsync(p.Leader, id, new(PackageDuty.Grasp, today, "  ")));
        Assert.Equal("请填写包掌握情况情况。", empty.Message);
        await Assert.ThrowsAsync<SlipException>(() => p.Packages.RecordAsync(p.Leader, id, new("visit", today, "走访")));
        await Assert.ThrowsAsync<SlipException>(() => p.Packages.RecordAsync(p.Leader, id, new(PackageDuty.Grasp, today.AddDays(1), "走访")));
        await Assert.ThrowsAsync<SlipException>(() => p.Packages.RecordAsync(p.Leader, id, new(PackageDuty.Grasp, today.AddDays(-1), "走访")));
        await Assert.ThrowsAsync<SlipException>(() => p.Packages.RecordAsync(p.Leader, id, new(PackageDuty.Grasp, null, "走访")));

        Assert.Empty(Assert.Single(await p.Packages.ForMatterAsync(p.S.MatterId)).Entries);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(3, await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM audit_log WHERE action = 'may.record_package' AND outcome = 'refused' AND subject_id = @id", new { id }));
        await Assert.ThrowsAsync<ForbiddenException>(() => p.Packages.DetailAsync(p.StrangerLeader, id));
        Assert.NotNull(await p.Packages.DetailAsync(p.Leader, id));
    }

    [Fact]
    public async Task Assign_ToAnotherLeader_EndsTheFirstPackage_TheSameLeaderTwiceRefused()
    {
        var p = await IssuedAsync();
        var first = await p.Packages.AssignAsync(p.S.Office, p.SlipId, p.Leader.UserId, null);

        var again = await Assert.ThrowsAsync<SlipException>(() => p.Packages.AssignAsync(p.S.Office, p.SlipId, p.Leader.UserId, null));
        Assert.Equal("该信访事项已由包案甲包案。", again.Message);
        p.S.Floor.Clock.Advance(TimeSpan.FromHours(1));
        var second = await p.Packages.AssignAsync(p.S.Office, p.SlipId, p.OtherLeader.UserId, "转交");

        var packages = await p.Packages.ForMatterAsync(p.S.MatterId);
        Assert.Equal([second, first], packages.Select(x => x.Id));
        Assert.True(packages[0].Open);
        Assert.False(packages[1].Open);
        var ended = await Assert.ThrowsAsync<SlipException>(() =>
            p.Packages.RecordAsync(p.Leader, first, new(PackageDuty.Grasp, ChinaTime.Today(p.S.Floor.Clock), "走访")));
        Assert.Contains("已转交", ended.Message);
    }

    [Fact]
    public void Matrix_PetitionOfficeAssigns_UnitLeaderRecords()
    {
        Assert.Equal(Permissions.RolesFor(Permission.CloseSlip), Permissions.RolesFor(Permission.AssignPackage));
        Assert.Equal([Roles.UnitLeader], Permissions.RolesFor(Permission.RecordPackage));
    }
}
