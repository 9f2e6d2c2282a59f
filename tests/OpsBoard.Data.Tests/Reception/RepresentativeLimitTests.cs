using Dapper;
using Npgsql;
using OpsBoard.Data.Reception;

namespace OpsBoard.Data.Tests.Reception;

/// <summary>《信访工作条例》第二十条 at the data layer: five representatives in all, the principal being one.</summary>
public sealed class RepresentativeLimitTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    static Visitor[] Representatives(int count) =>
        [.. Enumerable.Range(1, count).Select(i => new Visitor($"代表{i}", FloorScenario.NewIdNumber(), null))];

    [Fact]
    public async Task RegisterAsync_PrincipalAndFiveMore_IsRefusedWithFieldMessageAndChangesNothing()
    {
        var floor = await FloorScenario.CreateAsync(db.DataSource);
        var visit = floor.Visit(headcount: 20) with { Representatives = Representatives(VisitRegistry.MaxRepresentatives) };

        Assert.Contains("第二十条", VisitRegistry.Validate(visit)["Representatives"]);
        var error = await Assert.ThrowsAsync<FloorException>(() => floor.Registry.RegisterAsync(visit));

        Assert.Contains("含登记人", error.Message);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(0, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM visit WHERE center_id = @CenterId", new { floor.CenterId }));
    }

    [Fact]
    public async Task RegisterAsync_PrincipalAndFourMore_FillsExactlyTheLimitTheTriggerEnforces()
    {
        var floor = await FloorScenario.CreateAsync(db.DataSource);
        var visit = floor.Visit(headcount: 20) with { Representatives = Representatives(VisitRegistry.MaxRepresentatives - 1) };

        var registered = await floor.Registry.RegisterAsync(visit);

        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(VisitRegistry.MaxRepresentatives, await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM visit_person WHERE visit_id = @VisitId AND is_representative", new { registered.VisitId }));
        // One more row breaks the trigger: page, registry and constraint count the same five.
        var extra = await connection.ExecuteScalarAsync<long>(
            "SELECT id FROM petitioner WHERE center_id = @CenterId AND id NOT IN (SELECT petitioner_id FROM visit_person WHERE visit_id = @VisitId) LIMIT 1",
            new { floor.CenterId, registered.VisitId });
        if (extra == 0)
        {
            var other = await floor.ArriveAsync();
            extra = await connection.ExecuteScalarAsync<long>("SELECT petitioner_id FROM visit WHERE id = @VisitId", new { other.VisitId });
        }

        var violation = await Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync(
            "INSERT INTO visit_person (visit_id, petitioner_id, is_representative) VALUES (@VisitId, @extra, true)", new { registered.VisitId, extra }));
        Assert.Equal("visit_person_max_representatives", violation.ConstraintName);
    }

    [Fact]
    public void Validate_PrincipalNamedAgainAsRepresentative_NamesThatRow()
    {
        var principal = FloorScenario.NewIdNumber();
        var visit = new RegisterVisit
        {
            CenterId = 1,
            UserId = 1,
            RequestKey = Guid.NewGuid(),
            Principal = new Visitor("张三", principal, null),
            Representatives = [new Visitor("李四", FloorScenario.NewIdNumber(), null), new Visitor("张三", principal.ToLowerInvariant(), null)],
            Headcount = 8,
            Category = "urban_construction",
            Summary = "测试",
            ServiceLineId = 1,
        };

        var errors = VisitRegistry.Validate(visit);

        Assert.Contains("同一人", errors["Representatives[1]"]);
        Assert.False(errors.ContainsKey("Representatives[0]"));
    }

    [Fact]
    public async Task RegisterAsync_UnknownLocality_IsARefusalNotADatabaseFault()
    {
        var floor = await FloorScenario.CreateAsync(db.DataSource);
        var visit = floor.Visit() with { LocalityId = int.MaxValue };

        var error = await Assert.ThrowsAsync<FloorException>(() => floor.Registry.RegisterAsync(visit));

        Assert.Contains("不存在", error.Message);
    }
}
