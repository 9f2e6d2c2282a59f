using Dapper;
using Npgsql;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Calendar;
using OpsBoard.Data.Matters;
using OpsBoard.Data.Personal;

namespace OpsBoard.Data.Demo;

/// <summary>
/// 检举控告 in the demo county: the discipline unit (县纪工委监察办, with its own officer) and three accusation matters
/// registered, accepted and given through the same services the desk and the director use, so the conflict rule and
/// the redaction are there to see: one handled by the discipline unit, one by a department (which sees it redacted),
/// one still at the center.
/// </summary>
static class DemoAccusations
{
    public static readonly DemoUnit Discipline = new("jgw", "县纪工委监察办", "department", null);

    public static readonly DemoAccountSpec[] AccountSpecs =
    [
        new(new("jiwei", "韩立诚", "纪检监察单位经办人（县纪工委监察办）"), Roles.UnitOfficer, Discipline.Code, null),
    ];

    sealed record Case(string Source, string Name, string Order, string Category, string Summary, string[] AccusedUnits,
        AccusedPerson[] People, string? GivenTo);

    static readonly Case[] Cases =
    [
        new("letter", "许文斌", "031", "discipline", "实名举报上湾村村委会主任在土地征收补偿款发放中虚报冒领、优亲厚友，附部分领款名单复印件。",
            ["qingshi-02"], [new("王德福", "上湾村村委会主任")], "jgw"),
        new("online", "罗秀兰", "042", "discipline", "控告城西街道某工作人员在低保资格审核中索要好处费，要求查处并退还。",
            ["chengxi"], [new("刘某", "城西街道民政办工作人员")], "mzj"),
        new("letter", "贺建平", "057", "discipline", "检举县交通局有关人员在农村公路养护工程招标中违规指定施工单位。",
            ["jtj"], [], null),
    ];

    /// <summary>The accusers' birth day: with each case's order, an ID number the history's petitioners must not take.</summary>
    static readonly DateOnly AccusersBorn = new(1970, 3, 15);

    /// <summary>The accusers' ID numbers as the history keys them (birth day number × 1000 + order), reserved before it draws any.</summary>
    public static IEnumerable<long> ReservedIdKeys =>
        Cases.Select(c => AccusersBorn.DayNumber * 1000L + int.Parse(c.Order, System.Globalization.CultureInfo.InvariantCulture));

    public static async Task<int> SeedAsync(NpgsqlDataSource dataSource, PersonalDataProtector protector, int centerId,
        IReadOnlyDictionary<string, int> units, IReadOnlyDictionary<string, int> users, TimeProvider time)
    {
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("UPDATE unit SET is_discipline = true WHERE id = @id", new { id = units[Discipline.Code] });
        }

        var calendar = new CalendarStore(dataSource);
        await calendar.ReloadAsync();
        var clocks = new MatterClocks(calendar);
        var intake = new MatterIntake(dataSource, protector, clocks, time);
        var lifecycle = new MatterLifecycle(dataSource, clocks, new Supervisions(dataSource, clocks, time), time);
        var clerk = Actor.Center(users["clerk"], centerId, Roles.Clerk);
        var director = Actor.Center(users["director"], centerId, Roles.Director);
        foreach (var c in Cases)
        {
            var first17 = $"{DemoCounty.AreaCode}{AccusersBorn:yyyyMMdd}{c.Order}";
            var id = await intake.RegisterAsync(clerk, new NewMatter(c.Source, c.Name, first17 + ChineseIdNumber.CheckCharacterOf(first17), null,
                c.Category, c.Summary, null, IsAccusation: true)
            {
                AccusedUnitIds = [.. c.AccusedUnits.Select(u => units[u])],
                AccusedPeople = c.People,
            });
            if (c.GivenTo is { } unit)
            {
                await lifecycle.AcceptAsync(director, id, accepted: true, reason: null, noticeGiven: true);
                await lifecycle.AssignAsync(director, id, units[unit]);
            }
        }

        return Cases.Length;
    }
}
