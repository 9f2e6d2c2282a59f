using Dapper;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Calendar;
using OpsBoard.Data.Matters;
using OpsBoard.Data.Tests.Reception;

namespace OpsBoard.Data.Tests.Matters;

/// <summary>
/// Walks the whole matrix: every matter step × every role, each on a fresh matter brought to the step's starting
/// status. A role the matrix grants succeeds; every other role is refused with 403's exception and an audit row.
/// </summary>
public sealed class PermissionMatrixTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    public static TheoryData<MatterStep> Steps => [.. MatterSteps.All.Select(s => s.Step)];

    [Theory]
    [MemberData(nameof(Steps))]
    public async Task Step_EveryRole_AllowedExactlyAsTheMatrixSays(MatterStep step)
    {
        var floor = await FloorScenario.CreateAsync(db.DataSource);
        var clocks = new MatterClocks(new CalendarStore(db.DataSource));
        var supervisions = new Supervisions(db.DataSource, clocks, floor.Clock);
        var lifecycle = new MatterLifecycle(db.DataSource, clocks, supervisions, floor.Clock);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var unitId = await connection.ExecuteScalarAsync<int>("SELECT id FROM unit WHERE center_id = @CenterId AND code = 'dept-zjj'", new { floor.CenterId });
        var director = Actor.Center(floor.ClerkId, floor.CenterId, Roles.Director);
        // The unit's own steps are driven by another person than the one under test, who must not approve their own request.
        var unitLeader = Actor.OfUnit(floor.ClerkId, floor.CenterId, unitId, Roles.UnitOfficer, Roles.UnitLeader);
        var rule = MatterSteps.Of(step);

        foreach (var role in Roles.All)
        {
            var matterId = await MatterAtAsync(floor, lifecycle, director, unitLeader, unitId, step);
            var actor = Roles.IsUnitScoped(role)
                ? Actor.OfUnit(floor.OtherClerkId, floor.CenterId, unitId, role)
                : Actor.Center(floor.OtherClerkId, floor.CenterId, role);
            var args = new StepArguments(Text: "测试说明", UnitId: unitId, RepliedOn: ChinaTime.Today(floor.Clock), Outcome: ReplyOutcome.Explained,
                Days: 10, PetitionerNotified: true);
            var refusalsBefore = await RefusalsAsync(connection, matterId, rule.Permission);

            var error = await Record.ExceptionAsync(() => lifecycle.RunAsync(actor, matterId, step, args));

            if (Permissions.Allows(role, rule.Permission))
            {
                Assert.True(error is null, $"{role} should be allowed to {step}: {error?.Message}");
            }
            else
            {
                Assert.True(error is ForbiddenException, $"{role} should be refused {step}, got {error?.GetType().Name ?? "success"}");
                Assert.Equal(refusalsBefore + 1, await RefusalsAsync(connection, matterId, rule.Permission));
            }
        }
    }

    [Fact]
    public void Matrix_StatisticianAndClerk_TakeNoMatterDecision()
    {
        Permission[] decisions = [Permission.AcceptMatter, Permission.AssignMatter, Permission.Supervise, Permission.CloseMatter,
            Permission.DecideReview, Permission.Hearing, Permission.DecideReReview, Permission.ApproveExtension];

        foreach (var decision in decisions)
        {
            Assert.False(Permissions.Allows(Roles.Statistician, decision));
            Assert.False(Permissions.Allows(Roles.Clerk, decision));
            Assert.False(Permissions.Allows(Roles.Admin, decision));
        }

        Assert.All(Enum.GetValues<Permission>(), p => Assert.Contains(Permissions.Matrix, g => g.Permission == p));
    }

    [Fact]
    public void Available_UnitOfficerOnAnotherUnitsMatter_OffersNothing()
    {
        var officer = Actor.OfUnit(1, 1, unitId: 7, Roles.UnitOfficer);
        var context = new StepContext(MatterStatus.Assigned, UnitId: 8, ExtensionPending: false, HearingOpen: false, HandlingRunning: false);

        Assert.Empty(MatterSteps.Available(officer, context));
        Assert.Equal([MatterStep.Receive, MatterStep.Return], MatterSteps.Available(officer, context with { UnitId = 7 }).Select(s => s.Step));
    }

    [Fact]
    public void Available_ExtensionRequestedByTheLeaderThemself_IsNotOfferedToThem()
    {
        var leader = Actor.OfUnit(5, 1, unitId: 7, Roles.UnitOfficer, Roles.UnitLeader);
        var context = new StepContext(MatterStatus.Handling, UnitId: 7, ExtensionPending: true, HearingOpen: false, HandlingRunning: true,
            ExtensionRequestedBy: 5);

        Assert.DoesNotContain(MatterSteps.Available(leader, context), s => s.Step is MatterStep.ApproveExtension or MatterStep.DenyExtension);
        Assert.Contains(MatterSteps.Available(leader, context with { ExtensionRequestedBy = 6 }), s => s.Step == MatterStep.ApproveExtension);
    }

    [Fact]
    public void Available_NoticeGivenOrNoUnit_NoNoticeStepNoSupervision()
    {
        var director = Actor.Center(1, 1, Roles.Director);
        var accepted = new StepContext(MatterStatus.Accepted, UnitId: null, ExtensionPending: false, HearingOpen: false, HandlingRunning: true);

        Assert.DoesNotContain(MatterSteps.Available(director, accepted), s => s.Step is MatterStep.NotifyAcceptance or MatterStep.Supervise);
        Assert.Contains(MatterSteps.Available(director, accepted with { NoticePending = true }), s => s.Step == MatterStep.NotifyAcceptance);
    }

    static Task<int> RefusalsAsync(Npgsql.NpgsqlConnection connection, long matterId, Permission permission) =>
        connection.ExecuteScalarAsync<int>(
            "SELECT count(*)::int FROM audit_log WHERE subject_id = @matterId AND outcome = 'refused' AND action = @action",
            new { matterId, action = PermissionGuard.AuditAction(permission) });

    /// <summary>A fresh matter in the state the step starts from, driven there by the people whose job each step is.</summary>
    async Task<long> MatterAtAsync(FloorScenario floor, MatterLifecycle lifecycle, Actor director, Actor unit, int unitId, MatterStep step)
    {
        var registered = await floor.ArriveAsync();
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var id = await connection.ExecuteScalarAsync<long>("SELECT matter_id FROM visit WHERE id = @VisitId", new { registered.VisitId });
        var today = ChinaTime.Today(floor.Clock);
        var rule = MatterSteps.Of(step);
        var target = rule.From[0];
        var path = new List<Func<Task>>
        {
            () => lifecycle.AcceptAsync(director, id, true, null, noticeGiven: step != MatterStep.NotifyAcceptance),
            () => lifecycle.AssignAsync(director, id, unitId),
            () => lifecycle.ReceiveAsync(unit, id),
            () => lifecycle.FirstContactAsync(unit, id, "电话联系"),
            () => lifecycle.ReplyAsync(unit, id, today, ReplyOutcome.NotSupported),
            () => lifecycle.CloseAsync(director, id),
            () => lifecycle.RequestReviewAsync(director, id),
            () => lifecycle.DecideReviewAsync(director, id),
            () => lifecycle.RequestReReviewAsync(director, id),
        };
        string[] reached = [MatterStatus.Registered, MatterStatus.Accepted, MatterStatus.Assigned, MatterStatus.Received, MatterStatus.Handling,
            MatterStatus.Replied, MatterStatus.Closed, MatterStatus.Review, MatterStatus.Reviewed, MatterStatus.ReReview];
        if (target is MatterStatus.Returned)
        {
            await path[0]();
            await path[1]();
            await lifecycle.ReturnAsync(unit, id, "非本单位职责");
            return id;
        }

        for (var i = 0; reached[i] != target; i++)
        {
            await path[i]();
        }

        switch (step)
        {
            case MatterStep.HearingEnd:
                await lifecycle.HearingAsync(director, id, true);
                break;
            case MatterStep.ApproveExtension or MatterStep.DenyExtension:
                await lifecycle.RequestExtensionAsync(unit, id, 10, "需现场勘验");
                break;
        }

        return id;
    }
}
