using Dapper;
using OpsBoard.Data.Reception;

namespace OpsBoard.Data.Tests.Reception;

public sealed class RegistrationTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Theory]
    [InlineData(0, "来访人数")]
    [InlineData(501, "来访人数")]
    public async Task RegisterAsync_AbsurdHeadcount_IsRefusedAndChangesNothing(int headcount, string expected)
    {
        var floor = await FloorScenario.CreateAsync(db.DataSource);

        var error = await Assert.ThrowsAsync<FloorException>(() => floor.Registry.RegisterAsync(floor.Visit(headcount: headcount)));

        Assert.Contains(expected, error.Message);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(0, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM visit WHERE center_id = @CenterId", new { floor.CenterId }));
    }

    [Fact]
    public async Task RegisterAsync_TextOverItsLimit_IsRefusedNamingTheFieldAndChangesNothing()
    {
        var floor = await FloorScenario.CreateAsync(db.DataSource);
        var visit = floor.Visit();

        var longName = await Assert.ThrowsAsync<FloorException>(() => floor.Registry.RegisterAsync(
            visit with { Principal = visit.Principal with { Name = new string('张', TextLimits.Name + 1) } }));
        var longSummary = await Assert.ThrowsAsync<FloorException>(() => floor.Registry.RegisterAsync(
            floor.Visit() with { Summary = new string('诉', TextLimits.Summary + 1) }));
        var longReason = await Assert.ThrowsAsync<FloorException>(() => floor.Registry.RegisterAsync(
            floor.Visit(priority: true, reason: new string('老', TextLimits.Reason + 1))));
        var longStaff = await Assert.ThrowsAnyAsync<RefusedException>(() => floor.Store.SetJointWindowAsync(
            floor.CenterId, 1, DateOnly.FromDateTime(DateTime.Today), 1, new string('李', TextLimits.Name + 1), floor.ClerkId));

        Assert.Contains("来访人姓名不超过 40 个字", longName.Message);
        Assert.Contains("诉求摘要不超过 2000 个字", longSummary.Message);
        Assert.Contains("绿色通道原因不超过 500 个字", longReason.Message);
        Assert.Contains("值班人员姓名不超过 40 个字", longStaff.Message);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(0, await Dapper.SqlMapper.ExecuteScalarAsync<int>(connection, "SELECT count(*) FROM visit WHERE center_id = @CenterId", new { floor.CenterId }));
    }

    [Fact]
    public async Task Validate_InvalidIdNumberAndPriorityWithoutReason_NamesBothFields()
    {
        var floor = await FloorScenario.CreateAsync(db.DataSource);
        var visit = floor.Visit(priority: true) with { Principal = new Visitor("李四", "110105194912310021", null) };

        var errors = VisitRegistry.Validate(visit);

        Assert.Contains("校验位", errors["IdNumber"]);
        Assert.Contains("绿色通道", errors["PriorityReason"]);
    }

    [Fact]
    public async Task Validate_SixRepresentatives_IsRefusedCitingArticle20()
    {
        var floor = await FloorScenario.CreateAsync(db.DataSource);
        var visit = floor.Visit(headcount: 30) with
        {
            Representatives = [.. Enumerable.Range(0, 6).Select(_ => new Visitor("代表", FloorScenario.NewIdNumber(), null))],
        };

        Assert.Contains("第二十条", VisitRegistry.Validate(visit)["Representatives"]);
    }

    [Fact]
    public async Task RegisterAsync_CollectiveVisit_RecordsRepresentativesAndFillsTheWaitingAreaByPeople()
    {
        var floor = await FloorScenario.CreateAsync(db.DataSource);
        var visit = floor.Visit(headcount: 9) with
        {
            Representatives = [.. Enumerable.Range(0, 4).Select(i => new Visitor($"代表{i}", FloorScenario.NewIdNumber(), null))],
        };

        var registered = await floor.Registry.RegisterAsync(visit);
        var area = (await floor.Floor.OccupancyAsync(floor.CenterId)).Single();

        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(5, await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM visit_person WHERE visit_id = @VisitId AND is_representative", new { registered.VisitId }));
        Assert.True(await connection.ExecuteScalarAsync<bool>("SELECT is_collective FROM visit WHERE id = @VisitId", new { registered.VisitId }));
        Assert.Equal(9, area.Present);
        Assert.Equal("warn", area.Level); // 9 of 10 seats
    }

    [Theory]
    [InlineData(7, "ok")]
    [InlineData(8, "warn")]
    [InlineData(10, "alarm")]
    [InlineData(12, "alarm")]
    public void Occupancy_Level_WarnsAt80PercentAndAlarmsWhenFull(int present, string level) =>
        Assert.Equal(level, new AreaOccupancy(1, "候访区", 10, present).Level);

    [Fact]
    public async Task RecordLeavingAsync_MorePeopleThanPresent_IsRefused_ValidDepartureLowersOccupancy()
    {
        var floor = await FloorScenario.CreateAsync(db.DataSource);
        await floor.ArriveAsync(headcount: 3);

        var error = await Assert.ThrowsAsync<FloorException>(() => floor.Store.RecordLeavingAsync(floor.CenterId, floor.AreaId, 4, floor.ClerkId));
        await floor.Store.RecordLeavingAsync(floor.CenterId, floor.AreaId, 2, floor.ClerkId);

        Assert.Contains("只有 3 人", error.Message);
        Assert.Equal(1, (await floor.Floor.OccupancyAsync(floor.CenterId)).Single().Present);
    }

    [Fact]
    public async Task RegisterAsync_ExistingMatter_IsARepeatVisitOnThatMatter()
    {
        var floor = await FloorScenario.CreateAsync(db.DataSource);
        var first = await floor.ArriveAsync();
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var matterId = await connection.ExecuteScalarAsync<long>("SELECT matter_id FROM visit WHERE id = @VisitId", new { first.VisitId });

        var again = await floor.Registry.RegisterAsync(floor.Visit() with { MatterId = matterId, Category = null, Summary = null });

        Assert.False(await connection.ExecuteScalarAsync<bool>("SELECT is_first_visit FROM visit WHERE id = @VisitId", new { again.VisitId }));
        Assert.Equal(matterId, await connection.ExecuteScalarAsync<long>("SELECT matter_id FROM visit WHERE id = @VisitId", new { again.VisitId }));
    }

    [Fact]
    public async Task RegisterAsync_WritesLiveEventsInTheSameTransaction()
    {
        var floor = await FloorScenario.CreateAsync(db.DataSource);

        await floor.ArriveAsync();

        await using var connection = await db.DataSource.OpenConnectionAsync();
        var kinds = await connection.QueryAsync<string>("SELECT kind FROM live_event WHERE center_id = @CenterId ORDER BY id", new { floor.CenterId });
        Assert.Equal(["waiting.entered", "visit.registered", "ticket.issued"], kinds.ToArray()[^3..]);
    }
}
