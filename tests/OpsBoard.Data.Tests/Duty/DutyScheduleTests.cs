using Dapper;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Calendar;
using OpsBoard.Data.Duty;

namespace OpsBoard.Data.Tests.Duty;

/// <summary>
/// The duty rota, the county leaders' reception days and sensitive periods, on the 2026 calendar the migrations load:
/// the week of 2026-10-05 has three days of the National Day holiday (Mon–Wed) and a make-up working Saturday (10-10).
/// Each test makes its own center, so tests sharing the class database never see each other's rows.
/// </summary>
public sealed class DutyScheduleTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    static readonly DateOnly HolidayMonday = new(2026, 10, 5);
    static readonly DateOnly MakeUpSaturday = new(2026, 10, 10);

    sealed record Center(int Id, Actor Admin, Actor Clerk, int[] Leaders);

    async Task<Center> CenterAsync()
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var code = $"d{Guid.NewGuid():N}"[..12];
        var centerId = await connection.ExecuteScalarAsync<int>(
            "INSERT INTO center (code, name, county) VALUES (@code, '测试中心', '测试县') RETURNING id", new { code });
        var users = new UserStore(db.DataSource, TimeProvider.System);
        async Task<int> User(string suffix, string name, string role, string? title = null) =>
            await users.CreateAsync(connection, null, centerId, new NewUser($"{code}{suffix}", name, "x-password-1", [(role, null)], title));
        var admin = await User("a", "管理员", Roles.Admin);
        var clerk = await User("c", "登记员", Roles.Clerk);
        int[] leaders = [await User("l1", "刘海峰", Roles.DutyLeader, "县信访局副局长"), await User("l2", "黄志明", Roles.DutyLeader, "县信访局副局长")];
        return new Center(centerId, Actor.Center(admin, centerId, Roles.Admin), Actor.Center(clerk, centerId, Roles.Clerk), leaders);
    }

    static TestClock At(DateOnly day) => new(new DateTimeOffset(day.ToDateTime(new TimeOnly(9, 0)), TimeSpan.FromHours(8)));

    async Task<WorkingCalendar> CalendarAsync() => await new CalendarStore(db.DataSource).ReloadAsync();

    DutyRota Rota(TestClock clock) => new(db.DataSource, new CalendarStore(db.DataSource), clock);

    [Fact]
    public async Task DaysOf_WeekWithHolidayAndMakeUpSaturday_WorkingDaysOnly()
    {
        var calendar = await CalendarAsync();

        var days = DutyRota.DaysOf(HolidayMonday, calendar);

        Assert.Equal([new(2026, 10, 8), new(2026, 10, 9), MakeUpSaturday], days);
        Assert.Equal(DutyRota.DaysOf(new DateOnly(2026, 11, 23), calendar), [.. Enumerable.Range(0, 5).Select(i => new DateOnly(2026, 11, 23).AddDays(i))]);
    }

    [Fact]
    public async Task AssignAsync_HolidayRefusedMakeUpSaturdayKept_WeekShowsBoth()
    {
        var center = await CenterAsync();
        var rota = Rota(At(new DateOnly(2026, 9, 30)));

        var refused = await Assert.ThrowsAsync<RefusedException>(() => rota.AssignAsync(center.Admin,
            new Dictionary<DateOnly, int?> { [HolidayMonday] = center.Leaders[0], [MakeUpSaturday] = center.Leaders[1] }));
        var changed = await rota.AssignAsync(center.Admin, new Dictionary<DateOnly, int?> { [MakeUpSaturday] = center.Leaders[1] });
        var week = await rota.WeekAsync(center.Id, MakeUpSaturday);

        Assert.Equal("10月5日（一）不是工作日，不安排带班领导。", refused.Message);
        Assert.Equal(1, changed);
        Assert.Equal([new(2026, 10, 8), new(2026, 10, 9), MakeUpSaturday], week.Days.Select(d => d.Day));
        Assert.Equal("国庆节", week.Days[2].MakeUpFor);
        Assert.Equal("黄志明", week.Days[2].Leader?.Name);
        Assert.Equal("县信访局副局长", week.Days[2].Leader?.Title);
        Assert.Null(week.Days[0].Leader);
        Assert.Equal([HolidayMonday, HolidayMonday.AddDays(1), HolidayMonday.AddDays(2)], week.Holidays.Select(h => h.Day));
        Assert.Equal("黄志明", (await rota.OnDutyAsync(center.Id, MakeUpSaturday))?.Name);
        Assert.Null(await rota.OnDutyAsync(center.Id, HolidayMonday));
    }

    [Fact]
    public async Task CopyPreviousWeekAsync_FromHolidayWeek_CopiesWeekdaysAndLeavesTheRest()
    {
        var center = await CenterAsync();
        var rota = Rota(At(new DateOnly(2026, 10, 7)));
        await rota.AssignAsync(center.Admin, new Dictionary<DateOnly, int?>
        {
            [new(2026, 10, 8)] = center.Leaders[0], [new(2026, 10, 9)] = center.Leaders[1], [MakeUpSaturday] = center.Leaders[0],
        });

        var changed = await rota.CopyPreviousWeekAsync(center.Admin, new DateOnly(2026, 10, 12));
        var week = await rota.WeekAsync(center.Id, new DateOnly(2026, 10, 12));

        // Thursday and Friday have counterparts; Monday to Wednesday were holidays last week, and the Saturday is no rota day now.
        Assert.Equal(2, changed);
        Assert.Equal([null, null, null, "刘海峰", "黄志明"], week.Days.Select(d => d.Leader?.Name));
    }

    [Fact]
    public async Task AssignAsync_PastDayOrNotALeaderOrClerk_RefusedAndNothingWritten()
    {
        var center = await CenterAsync();
        var rota = Rota(At(new DateOnly(2026, 11, 25)));

        var past = await Assert.ThrowsAsync<RefusedException>(() => rota.AssignAsync(center.Admin,
            new Dictionary<DateOnly, int?> { [new(2026, 11, 26)] = center.Leaders[0], [new(2026, 11, 24)] = center.Leaders[0] }));
        var notLeader = await Assert.ThrowsAsync<RefusedException>(() => rota.AssignAsync(center.Admin,
            new Dictionary<DateOnly, int?> { [new(2026, 11, 26)] = center.Clerk.UserId }));
        var forbidden = await Assert.ThrowsAsync<ForbiddenException>(() => rota.AssignAsync(center.Clerk,
            new Dictionary<DateOnly, int?> { [new(2026, 11, 26)] = center.Leaders[0] }));

        Assert.Equal("11月24日（二）已过去，带班记录不能更改。", past.Message);
        Assert.Equal("所选人员不是带班领导，请从名单中选择。", notLeader.Message);
        Assert.Contains("中心主任、系统管理员", forbidden.Message, StringComparison.Ordinal);
        Assert.Null(await rota.OnDutyAsync(center.Id, new DateOnly(2026, 11, 26)));
    }

    [Fact]
    public async Task IsReceptionDay_InAndOutOfSensitivePeriod_WednesdaysOrEveryDay()
    {
        var calendar = await CalendarAsync();
        SensitivePeriod[] periods = [new(1, "全国“两会”", new(2026, 3, 3), new(2026, 3, 15), null)];
        SensitivePeriod[] golden = [new(2, "国庆", new(2026, 10, 3), new(2026, 10, 8), null)];

        Assert.True(LeaderReceptions.IsReceptionDay(new(2026, 3, 18), calendar, periods));   // Wednesday after the period
        Assert.False(LeaderReceptions.IsReceptionDay(new(2026, 3, 19), calendar, periods));  // Thursday after it
        Assert.False(LeaderReceptions.IsReceptionDay(new(2026, 3, 2), calendar, periods));   // Monday before it
        Assert.True(LeaderReceptions.IsReceptionDay(new(2026, 3, 5), calendar, periods));    // Thursday in it
        Assert.True(LeaderReceptions.IsReceptionDay(new(2026, 3, 7), calendar, periods));    // Saturday in it
        Assert.False(LeaderReceptions.IsReceptionDay(new(2026, 10, 7), calendar, []));       // a Wednesday in the holiday
        Assert.True(LeaderReceptions.IsReceptionDay(new(2026, 10, 7), calendar, golden));    // the same Wednesday in a period
        Assert.False(LeaderReceptions.IsReceptionDay(MakeUpSaturday, calendar, []));         // a make-up Saturday is no Wednesday
    }

    [Fact]
    public async Task ScheduleAsync_PeriodAdded_DailyReceptionsThenWednesdaysAgain()
    {
        var center = await CenterAsync();
        var clock = At(new DateOnly(2026, 11, 30));
        var periods = new SensitivePeriods(db.DataSource, clock);
        var receptions = new LeaderReceptions(db.DataSource, new CalendarStore(db.DataSource), clock);
        await periods.AddAsync(center.Admin, new SensitivePeriodInput(" 重要会议期间 ", new(2026, 12, 3), new(2026, 12, 6), null));
        await receptions.AddAsync(center.Admin, new LeaderReceptionInput(new(2026, 12, 2), "何卫东", "县委副书记", null, "征地拆迁"));

        var days = await receptions.ScheduleAsync(center.Id, new(2026, 11, 30), new(2026, 12, 13));
        var notice = await receptions.NoticeAsync(center.Id, 3);

        Assert.Equal([new(2026, 12, 2), new(2026, 12, 3), new(2026, 12, 4), new(2026, 12, 5), new(2026, 12, 6), new(2026, 12, 9)], days.Select(d => d.Day));
        Assert.Equal(ReceptionReason.Wednesday, days[0].Reason);
        Assert.Equal("何卫东", Assert.Single(days[0].Receptions).LeaderName);
        Assert.Equal("领导接访室", days[0].Receptions[0].Place);
        Assert.All(days.Skip(1).Take(4), d => Assert.Equal("敏感期每日接访（重要会议期间）", d.ReasonLabel));
        Assert.Equal(ReceptionReason.Wednesday, days[5].Reason);
        Assert.Equal(days.Take(3).Select(d => d.Day), notice.Select(d => d.Day));
        Assert.Null(await periods.ActiveAsync(center.Id));
        Assert.Equal("重要会议期间", (await periods.ActiveAsync(center.Id, new DateOnly(2026, 12, 6)))?.Name);
        Assert.False(await periods.IsActiveAsync(center.Id, new DateOnly(2026, 12, 7)));
    }

    [Fact]
    public async Task AddAsync_BadPeriodOrReception_RefusedInChineseAndNothingWritten()
    {
        var center = await CenterAsync();
        var clock = At(new DateOnly(2026, 11, 30));
        var periods = new SensitivePeriods(db.DataSource, clock);
        var receptions = new LeaderReceptions(db.DataSource, new CalendarStore(db.DataSource), clock);
        await receptions.AddAsync(center.Admin, new LeaderReceptionInput(new(2026, 12, 2), "何卫东", null, null, null));

        var backwards = await Assert.ThrowsAsync<RefusedException>(() => periods.AddAsync(center.Admin, new SensitivePeriodInput("两会", new(2027, 3, 15), new(2027, 3, 3), null)));
        var unnamed = await Assert.ThrowsAsync<RefusedException>(() => periods.AddAsync(center.Admin, new SensitivePeriodInput("  ", new(2027, 3, 3), new(2027, 3, 15), null)));
        var clerk = await Assert.ThrowsAsync<ForbiddenException>(() => periods.AddAsync(center.Clerk, new SensitivePeriodInput("两会", new(2027, 3, 3), new(2027, 3, 15), null)));
        var twice = await Assert.ThrowsAsync<RefusedException>(() => receptions.AddAsync(center.Admin, new LeaderReceptionInput(new(2026, 12, 2), "何卫东", null, null, null)));
        var past = await Assert.ThrowsAsync<RefusedException>(() => receptions.AddAsync(center.Admin, new LeaderReceptionInput(new(2026, 11, 25), "何卫东", null, null, null)));

        Assert.Equal("结束日期不能早于开始日期。", backwards.Message);
        Assert.StartsWith("请填写敏感时期的名称", unnamed.Message, StringComparison.Ordinal);
        Assert.Contains("设定敏感时期", clerk.Message, StringComparison.Ordinal);
        Assert.Equal("何卫东在12月2日（三）已安排接访。", twice.Message);
        Assert.Equal("接访日期已过，不能再安排。", past.Message);
        Assert.Empty(await periods.ListAsync(center.Id));
        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(1, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM leader_reception WHERE center_id = @Id", new { center.Id }));
    }
}
