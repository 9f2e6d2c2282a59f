using Dapper;
using Npgsql;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Calendar;
using OpsBoard.Data.Slips;
using OpsBoard.Data.Tests.Reception;

namespace OpsBoard.Data.Tests.Slips;

/// <summary>
/// A floor of its own with one matter assigned to 县住建局, its officer and leader, a stranger unit, and the slip
/// services on the floor's clock. Visits are added through the desk or, for what the desk never records (a visit that
/// reached the city or province), written as a higher level reports them.
/// </summary>
public sealed class SlipScenario
{
    public required FloorScenario Floor { get; init; }
    public required NpgsqlDataSource DataSource { get; init; }
    public required SlipDetector Detector { get; init; }
    public required SlipLifecycle Lifecycle { get; init; }
    public required SlipQueries Queries { get; init; }
    public required long MatterId { get; init; }
    public required long PetitionerId { get; init; }
    public required int UnitId { get; init; }
    public required Actor Office { get; init; }
    public required Actor Officer { get; init; }
    public required Actor Leader { get; init; }
    public required Actor Stranger { get; init; }

    public static async Task<SlipScenario> CreateAsync(NpgsqlDataSource dataSource)
    {
        var floor = await FloorScenario.CreateAsync(dataSource);
        var first = await floor.ArriveAsync();
        await using var connection = await dataSource.OpenConnectionAsync();
        var (matterId, petitionerId) = await connection.QuerySingleAsync<(long, long)>(
            "SELECT matter_id, petitioner_id FROM visit WHERE id = @VisitId", new { first.VisitId });
        var unitId = await connection.ExecuteScalarAsync<int>("SELECT id FROM unit WHERE center_id = @CenterId AND code = 'dept-zjj'", new { floor.CenterId });
        var otherUnit = await connection.ExecuteScalarAsync<int>(
            "INSERT INTO unit (center_id, kind, code, name) VALUES (@CenterId, 'department', 'dept-gaj', '县公安局') RETURNING id", new { floor.CenterId });
        await connection.ExecuteAsync("UPDATE matter SET responsible_unit_id = @unitId WHERE id = @matterId", new { unitId, matterId });
        var calendars = new CalendarStore(dataSource);
        return new SlipScenario
        {
            Floor = floor, DataSource = dataSource, MatterId = matterId, PetitionerId = petitionerId, UnitId = unitId,
            Detector = new SlipDetector(dataSource, calendars, floor.Clock),
            Lifecycle = new SlipLifecycle(dataSource, floor.Clock),
            Queries = new SlipQueries(dataSource),
            Office = Actor.Center(floor.ClerkId, floor.CenterId, Roles.Director),
            Officer = Actor.OfUnit(floor.OtherClerkId, floor.CenterId, unitId, Roles.UnitOfficer),
            Leader = Actor.OfUnit(floor.ClerkId, floor.CenterId, unitId, Roles.UnitLeader),
            Stranger = Actor.OfUnit(floor.OtherClerkId, floor.CenterId, otherUnit, Roles.UnitOfficer, Roles.UnitLeader),
        };
    }

    /// <summary>Another visit on the scenario's matter, registered at the desk a minute later.</summary>
    public async Task<long> VisitAgainAsync(int headcount = 1, params string[] behaviours)
    {
        Floor.Clock.Advance(TimeSpan.FromMinutes(1));
        var visit = Floor.Visit(headcount: headcount) with { MatterId = MatterId, Behaviours = behaviours };
        return (await Floor.Registry.RegisterAsync(visit)).VisitId;
    }

    /// <summary>A visit the petitioner made to a higher level, as it is reported back (the desk records only this center's).</summary>
    public async Task<long> VisitAtLevelAsync(string level, DateTimeOffset? at = null)
    {
        Floor.Clock.Advance(TimeSpan.FromMinutes(1));
        var moment = (at ?? Floor.Clock.Now).ToUniversalTime();
        await using var connection = await DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>("""
            INSERT INTO visit (center_id, matter_id, petitioner_id, arrived_at, visit_day, headcount, is_first_visit, level)
            VALUES (@CenterId, @MatterId, @PetitionerId, @moment, @day, 1, false, @level)
            RETURNING id
            """, new { Floor.CenterId, MatterId, PetitionerId, moment, day = ChinaTime.DayOf(moment), level });
    }

    public async Task<List<(long Id, string Trigger, string State, bool Recurrence)>> SlipsAsync()
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        return [.. await connection.QueryAsync<(long, string, string, bool)>(
            "SELECT id, trigger, state, recurrence FROM warning_slip WHERE matter_id = @MatterId ORDER BY id", new { MatterId })];
    }

    public static SlipAnswer Answer(DateOnly on) => new("再次上门核实，诉求属实", "前期答复解释不到位", "协调施工方限期整改", "安排专人联系，每周回访", on, "王强、李明");
}
