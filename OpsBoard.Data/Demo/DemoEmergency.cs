using Npgsql;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Emergency;

namespace OpsBoard.Data.Demo;

/// <summary>
/// The demo's responders and one response in history: the contacts for 城东街道, 县住建局 and 县人社局 (the unit accounts
/// of <see cref="DemoCounty"/>), a principal leader for 城东街道 and the police post, and a collective visit two days ago
/// taken from launch to close through <see cref="EmergencySteps"/> — so its timeline is chained as any other.
/// </summary>
static class DemoEmergency
{
    /// <summary>Responders with no desk of their own in the center: they log in only to say 收到.</summary>
    public static readonly DemoAccountSpec[] AccountSpecs =
    [
        new(new("principal", "吕建平", "城东街道党工委书记（应急响应升级对象）"), Roles.UnitLeader, "chengdong", null),
        new(new("police", "王建军", "城东派出所所长（应急响应）"), Roles.UnitOfficer, "gaj", null),
    ];

    public static async Task<int> SeedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DemoIds ids, DateTime now)
    {
        var center = ids.CenterId;
        async Task<int> Contact(string login, string role, string? unit, string title, string phone, int? up = null) =>
            await EmergencySettings.AddContactAsync(connection, transaction, center,
                new NewContact(ids.Users[login], role, unit is null ? null : ids.Units[unit], title, phone, up));

        var principal = await Contact("principal", ResponderRole.Principal, "chengdong", "城东街道党工委书记", "13905710003");
        await Contact("officer", ResponderRole.UnitHead, "chengdong", "城东街道信访办主任", "13905710001");
        await Contact("leader", ResponderRole.UnitLeader, "chengdong", "城东街道党工委副书记", "13905710002", principal);
        await Contact("leader", ResponderRole.PianZhang, "chengdong", "城东街道片长", "13905710002");
        await Contact("officer", ResponderRole.VillageTeam, "chengdong", "联村工作组组长", "13905710001");
        await Contact("officer2", ResponderRole.UnitHead, "zjj", "县住建局信访科科长", "13905720001");
        await Contact("leader2", ResponderRole.UnitLeader, "zjj", "县住建局副局长", "13905720002");
        await Contact("officer3", ResponderRole.UnitHead, "rsj", "县人社局信访科科长", "13905730001");
        await Contact("leader3", ResponderRole.UnitLeader, "rsj", "县人社局副局长", "13905730002");
        await Contact("police", ResponderRole.Police, null, "城东派出所所长", "0571-87654110");

        // Two days ago at 9:40 in Beijing: 8 owners of one estate about the lift retrofit, handled and reported in time.
        var start = new DateTimeOffset(ChinaTime.DayOf(now).AddDays(-2).ToDateTime(new TimeOnly(9, 40)), ChinaTime.Offset);
        var duty = ids.Users["duty"];
        var launched = await EmergencySteps.LaunchAsync(connection, transaction, center, duty, new LaunchEmergency
        {
            RequestKey = new Guid("6d3f0a52-2c1e-4b8e-9a55-0e6a1d2c0001"),
            Kind = EmergencyKind.Collective,
            UnitId = ids.Units["chengdong"],
            Place = "接待中心一楼大厅",
            Headcount = 8,
            Summary = "锦绣社区 8 名业主反映老旧小区加装电梯施工纠纷，情绪激动，要求街道主要领导见面。",
        }, start);
        var id = launched.EmergencyId;
        async Task<EmergencyRow> Lock() => await EmergencySteps.LockAsync(connection, transaction, center, id);
        await EmergencySteps.AcknowledgeAsync(connection, transaction, await Lock(), ids.Users["officer"], start.AddMinutes(2));
        await EmergencySteps.AcknowledgeAsync(connection, transaction, await Lock(), ids.Users["leader"], start.AddMinutes(4));
        await EmergencySteps.ReportAsync(connection, transaction, await Lock(), duty,
            new UpwardReport(ReportChannel.Phone, "县委办、县政府办、市信访局", "锦绣社区业主 8 人集体访，诉求加装电梯施工纠纷，城东街道负责人和分管领导已同步接访。"),
            start.AddMinutes(15));
        var responders = (await Dapper.SqlMapper.QueryAsync<long>(connection,
            "SELECT id FROM emergency_responder WHERE emergency_id = @id ORDER BY id", new { id }, transaction)).ToList();
        await EmergencySteps.RecordArrivalAsync(connection, transaction, await Lock(), duty, responders[0], start.AddMinutes(18));
        await EmergencySteps.RecordArrivalAsync(connection, transaction, await Lock(), duty, responders[1], start.AddMinutes(25));
        await EmergencySteps.RecordMeasureAsync(connection, transaction, await Lock(), duty,
            "安排 5 名代表到调处室座谈，其余人员在候访区休息；街道当场承诺三日内组织施工方、业委会协调。", start.AddMinutes(30));
        await EmergencySteps.CloseAsync(connection, transaction, await Lock(), duty,
            new EmergencyClosing("群众情绪平稳，11:20 有序离开，无滞留。", "城东街道三日内组织协调会，结果书面答复代表；七日后回访。",
                ChinaTime.DayOf(now).AddDays(1)), start.AddMinutes(100));
        // History: its notifications went out two days ago, not to today's gateway.
        await Dapper.SqlMapper.ExecuteAsync(connection, """
            UPDATE notification_outbox
            SET sent_at = created_at, attempts = 1
            WHERE center_id = @center AND sent_at IS NULL AND (payload ->> 'emergencyId')::bigint = @id
            """, new { center, id }, transaction);
        return 1;
    }
}
