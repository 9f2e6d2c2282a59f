using Npgsql;
using OpsBoard.Data.Calendar;
using OpsBoard.Data.Duty;

namespace OpsBoard.Data.Demo;

/// <summary>
/// The demo's schedule through the domain's own writes: a past and an upcoming sensitive period, the duty rota from
/// today to the end of next week, and the county leaders' reception days of the next three weeks by the reception rule.
/// </summary>
static class DemoSchedule
{
    static readonly string[] Topics = ["征地拆迁、房屋征收", "农民工工资拖欠", "城乡建设与物业管理", "土地承包与村务", "社会保障"];

    public static async Task SeedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DemoIds ids, WorkingCalendar calendar,
        DateOnly today, IReadOnlyDictionary<DateOnly, int?> dutyPlan, CancellationToken cancellationToken)
    {
        var admin = ids.Users["admin"];
        var director = ids.Users["director"];

        // The last 全国"两会" that has ended, and a period that begins next week.
        var twoSessionsYear = today > new DateOnly(today.Year, 3, 15) ? today.Year : today.Year - 1;
        await SensitivePeriods.AddAsync(connection, transaction, ids.CenterId, admin, new SensitivePeriodInput(
            "全国“两会”", new DateOnly(twoSessionsYear, 3, 3), new DateOnly(twoSessionsYear, 3, 15), "全天候联合接访，县级领导每日接访"), cancellationToken);
        var upcomingFrom = today.AddDays(8);
        await SensitivePeriods.AddAsync(connection, transaction, ids.CenterId, admin, new SensitivePeriodInput(
            "重要会议期间", upcomingFrom, upcomingFrom.AddDays(6), "各单位加强值班值守，做好劝返稳控"), cancellationToken);

        await DutyRota.AssignAsync(connection, transaction, calendar, ids.CenterId, director, today, dutyPlan, cancellationToken);

        var to = today.AddDays(21);
        var periods = await SensitivePeriods.OverlappingAsync(connection, transaction, ids.CenterId, today, to, cancellationToken);
        var turn = 0;
        for (var day = today; day <= to; day = day.AddDays(1))
        {
            if (!LeaderReceptions.IsReceptionDay(day, calendar, periods))
            {
                continue;
            }

            var (name, title) = DemoCounty.CountyLeaders[turn % DemoCounty.CountyLeaders.Length];
            await LeaderReceptions.AddAsync(connection, transaction, ids.CenterId, director, today, new LeaderReceptionInput(
                day, name, title, LeaderReceptions.DefaultPlace, Topics[turn % Topics.Length]), cancellationToken);
            turn++;
        }
    }
}
