using Dapper;
using Npgsql;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Emergency;
using OpsBoard.Data.Tests.Reception;

namespace OpsBoard.Data.Tests.Emergency;

/// <summary>
/// A floor of its own with 县住建局's responders (负责人, 分管领导 who escalates to the 主要领导), a center-wide police
/// contact, the duty leader, and a stranger who is no responder; the response services on the floor's clock.
/// </summary>
public sealed class EmergencyScenario
{
    public required FloorScenario Floor { get; init; }
    public required NpgsqlDataSource DataSource { get; init; }
    public required EmergencyResponses Responses { get; init; }
    public required EmergencyQueries Queries { get; init; }
    public required EmergencyWatcher Watcher { get; init; }
    public required int UnitId { get; init; }
    public required Actor Duty { get; init; }
    public required Actor Head { get; init; }
    public required Actor Leader { get; init; }
    public required Actor Principal { get; init; }
    public required Actor Police { get; init; }
    public required Actor Stranger { get; init; }
    public required Actor Clerk { get; init; }

    public static async Task<EmergencyScenario> CreateAsync(NpgsqlDataSource dataSource)
    {
        var floor = await FloorScenario.CreateAsync(dataSource);
        await using var connection = await dataSource.OpenConnectionAsync();
        var unitId = await connection.ExecuteScalarAsync<int>("SELECT id FROM unit WHERE center_id = @CenterId AND code = 'dept-zjj'", new { floor.CenterId });
        var police = await connection.ExecuteScalarAsync<int>(
            "INSERT INTO unit (center_id, kind, code, name) VALUES (@CenterId, 'department', 'dept-gaj', '县公安局') RETURNING id", new { floor.CenterId });
        var duty = await floor.AccountAsync("刘带班", Roles.DutyLeader, null);
        var head = await floor.AccountAsync("孙负责", Roles.UnitOfficer, unitId);
        var leader = await floor.AccountAsync("徐分管", Roles.UnitLeader, unitId);
        var principal = await floor.AccountAsync("王局长", Roles.UnitLeader, unitId);
        var cop = await floor.AccountAsync("赵所长", Roles.UnitOfficer, police);
        var stranger = await floor.AccountAsync("钱路人", Roles.UnitOfficer, unitId);
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            var top = await EmergencySettings.AddContactAsync(connection, transaction, floor.CenterId,
                new NewContact(principal, ResponderRole.Principal, unitId, "局长", "13900000003", null));
            await EmergencySettings.AddContactAsync(connection, transaction, floor.CenterId,
                new NewContact(head, ResponderRole.UnitHead, unitId, "办公室主任", "13900000001", null));
            await EmergencySettings.AddContactAsync(connection, transaction, floor.CenterId,
                new NewContact(leader, ResponderRole.UnitLeader, unitId, "副局长", "13900000002", top));
            await EmergencySettings.AddContactAsync(connection, transaction, floor.CenterId,
                new NewContact(cop, ResponderRole.Police, null, "城东派出所所长", "0571-8888110", null));
            await transaction.CommitAsync();
        }

        return new EmergencyScenario
        {
            Floor = floor, DataSource = dataSource, UnitId = unitId,
            Responses = new EmergencyResponses(dataSource, floor.Clock),
            Queries = new EmergencyQueries(dataSource, floor.Clock),
            Watcher = new EmergencyWatcher(dataSource, floor.Clock),
            Duty = Actor.Center(duty, floor.CenterId, Roles.DutyLeader),
            Head = Actor.OfUnit(head, floor.CenterId, unitId, Roles.UnitOfficer),
            Leader = Actor.OfUnit(leader, floor.CenterId, unitId, Roles.UnitLeader),
            Principal = Actor.OfUnit(principal, floor.CenterId, unitId, Roles.UnitLeader),
            Police = Actor.OfUnit(cop, floor.CenterId, police, Roles.UnitOfficer),
            Stranger = Actor.OfUnit(stranger, floor.CenterId, unitId, Roles.UnitOfficer),
            Clerk = Actor.Center(floor.ClerkId, floor.CenterId, Roles.Clerk),
        };
    }

    public LaunchEmergency Launch(string kind = EmergencyKind.Collective, Guid? key = null, long? visitId = null) => new()
    {
        RequestKey = key ?? Guid.NewGuid(),
        Kind = kind,
        VisitId = visitId,
        UnitId = UnitId,
        Place = "一楼接待大厅",
        Headcount = visitId is null ? 6 : null,
        Summary = "小区业主集体反映加装电梯纠纷",
    };

    public async Task<EmergencyDetail> DetailAsync(long id) => (await Queries.DetailAsync(Floor.CenterId, id))!;
}
