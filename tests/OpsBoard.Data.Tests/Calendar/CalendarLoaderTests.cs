using Dapper;
using OpsBoard.Data.Calendar;
using OpsBoard.Data.Matters;
using OpsBoard.Data.Notices;
using OpsBoard.Data.Tests.Reception;

namespace OpsBoard.Data.Tests.Calendar;

/// <summary>
/// Loading a year and correcting a loaded one (a supplementary notice), on the schedules 2019–2026 the migrations load.
/// Each test that writes works on its own database (the class fixture is shared, so writers correct different years).
/// </summary>
public sealed class CalendarLoaderTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    static readonly string[] Year2026 =
    [
        "2026-01-01,holiday,元旦", "2026-01-02,holiday,元旦", "2026-01-03,holiday,元旦", "2026-01-04,workday,元旦",
        "2026-02-14,workday,春节", "2026-02-15,holiday,春节", "2026-02-16,holiday,春节", "2026-02-17,holiday,春节", "2026-02-18,holiday,春节",
        "2026-02-19,holiday,春节", "2026-02-20,holiday,春节", "2026-02-21,holiday,春节", "2026-02-22,holiday,春节", "2026-02-23,holiday,春节",
        "2026-02-28,workday,春节", "2026-04-04,holiday,清明节", "2026-04-05,holiday,清明节", "2026-04-06,holiday,清明节",
        "2026-05-01,holiday,劳动节", "2026-05-02,holiday,劳动节", "2026-05-03,holiday,劳动节", "2026-05-04,holiday,劳动节", "2026-05-05,holiday,劳动节",
        "2026-05-09,workday,劳动节", "2026-06-19,holiday,端午节", "2026-06-20,holiday,端午节", "2026-06-21,holiday,端午节",
        "2026-09-20,workday,国庆节", "2026-09-25,holiday,中秋节", "2026-09-26,holiday,中秋节", "2026-09-27,holiday,中秋节",
        "2026-10-01,holiday,国庆节", "2026-10-02,holiday,国庆节", "2026-10-03,holiday,国庆节", "2026-10-04,holiday,国庆节",
        "2026-10-05,holiday,国庆节", "2026-10-06,holiday,国庆节", "2026-10-07,holiday,国庆节", "2026-10-10,workday,国庆节",
    ];

    static string Csv(IEnumerable<string> lines) => "date,kind,name\n" + string.Join("\n", lines);

    /// <summary>A supplementary notice for 2026: 10-08 becomes a holiday, the make-up Saturday 10-10 is dropped, 端午 renamed.</summary>
    static string Corrected2026 => Csv(Year2026
        .Where(l => !l.StartsWith("2026-10-10", StringComparison.Ordinal))
        .Select(l => l.StartsWith("2026-06-19", StringComparison.Ordinal) ? "2026-06-19,holiday,端午节（补充通知）" : l)
        .Append("2026-10-08,holiday,国庆节"));

    static CalendarLoader Loader(Npgsql.NpgsqlDataSource dataSource, TimeProvider? time = null)
    {
        time ??= TestClock.WorkingMorning();
        var store = new CalendarStore(dataSource);
        return new CalendarLoader(dataSource, store, new CalendarCoverage(store, new SystemNotices(dataSource), time), time);
    }

    [Fact]
    public async Task Load_YearAlreadyLoaded_SaysSoOnceAndOffersTheCorrection()
    {
        var result = await Loader(db.DataSource).LoadAsync(2026, Csv(Year2026), "", userId: 1);

        Assert.False(result.Loaded);
        Assert.Equal(2026, result.LoadedYear);
        Assert.StartsWith("2026 年已载入；如需更正", Assert.Single(result.Errors), StringComparison.Ordinal);
        Assert.Contains("更正已载入的年份", result.Errors[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_FileOfALoadedYearUnderNextYearsNumber_NamesTheLoadedYearNotEveryLine()
    {
        var result = await Loader(db.DataSource).LoadAsync(2027, Csv(Year2026), "", userId: 1);

        Assert.Equal(2026, result.LoadedYear);
        Assert.StartsWith("文件中的日期属于 2026 年，2026 年已载入", Assert.Single(result.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_FileOfAnotherYearNotLoaded_SaysWhichYearInOneLine()
    {
        var result = await Loader(db.DataSource).LoadAsync(2028, Csv(["2027-01-01,holiday,元旦", "2027-10-01,holiday,国庆节", "2027-10-02,holiday,国庆节"]), "", 1);

        Assert.Null(result.LoadedYear);
        Assert.Contains("属于 2027 年，与所填年份 2028 不符", Assert.Single(result.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Correct_Preview_ListsTheDaysAddedRemovedAndChangedAndWritesNothing()
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var before = await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM calendar_day WHERE schedule_year = 2026");

        var result = await Loader(db.DataSource).CorrectAsync(2026, Corrected2026, "补充通知", userId: 1, apply: false);

        Assert.False(result.Applied);
        Assert.Empty(result.Errors);
        Assert.Equal([new DateOnly(2026, 10, 8)], result.Diff!.Added.Select(e => e.Day));
        Assert.Equal([new DateOnly(2026, 10, 10)], result.Diff.Removed.Select(e => e.Day));
        Assert.Equal("端午节（补充通知）", Assert.Single(result.Diff.Changed).After.Name);
        Assert.Equal(new DateOnly(2026, 6, 19), result.Diff.FirstDay);
        Assert.Equal(before, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM calendar_day WHERE schedule_year = 2026"));
        Assert.False(await connection.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM calendar_day WHERE day = '2026-10-08')"));
    }

    [Fact]
    public async Task Correct_Apply_ReplacesTheYearAuditsAnnouncesAndRecountsTheRunningClocksItReaches()
    {
        await using var own = new DatabaseFixture();
        await own.InitializeAsync();
        var floor = await FloorScenario.CreateAsync(own.DataSource);
        await using var connection = await own.DataSource.OpenConnectionAsync();
        async Task<long> MatterAsync(string code) => await connection.ExecuteScalarAsync<long>("""
            INSERT INTO matter (center_id, code, source, category, summary, status, received_at)
            VALUES (@CenterId, @code, 'letter', 'other', '测试事项', 'handling', '2026-05-29T02:00:00Z')
            RETURNING id
            """, new { floor.CenterId, code });
        var matter = await MatterAsync("XF20260929-000001");
        var earlier = await MatterAsync("XF20260601-000001");
        var rules = await DeadlineRules.AllAsync(own.DataSource);
        var calendar = await new CalendarStore(own.DataSource).ReloadAsync();
        async Task<long> ClockAsync(long matter, string code, DateTimeOffset started, bool stopped = false)
        {
            var rule = rules.Single(r => r.Code == code && r.Version == 1);
            return await connection.ExecuteScalarAsync<long>("""
                INSERT INTO matter_clock (matter_id, center_id, rule_id, started_at, due_at, stopped_at, result, alert_state)
                VALUES (@matter, @CenterId, @Id, @started, @due, CASE WHEN @stopped THEN @started END, CASE WHEN @stopped THEN 'met' END,
                        CASE WHEN @stopped THEN 'stopped' ELSE 'running' END)
                RETURNING id
                """, new { matter, floor.CenterId, rule.Id, started = started.ToUniversalTime(), due = rule.DueFor(started, calendar).ToUniversalTime(), stopped });
        }

        var beijing = TimeSpan.FromHours(8);
        // 15 working days from 09-29: the old count passes 10-08 (a working day then) and the make-up 10-10.
        var reached = await ClockAsync(matter, ClockKind.LocalHandling, new DateTimeOffset(2026, 9, 29, 10, 0, 0, beijing));
        // One working day from 06-01: due 06-02, before any changed day.
        var before = await ClockAsync(earlier, ClockKind.FirstContact, new DateTimeOffset(2026, 6, 1, 10, 0, 0, beijing));
        var stopped = await ClockAsync(matter, ClockKind.Objection, new DateTimeOffset(2026, 9, 29, 10, 0, 0, beijing), stopped: true);
        var due = await connection.QueryAsync<(long Id, DateTime Due)>("SELECT id, due_at FROM matter_clock WHERE matter_id IN (@matter, @earlier)", new { matter, earlier });
        var old = due.ToDictionary(d => d.Id, d => d.Due);
        var time = new TestClock(new DateTimeOffset(2026, 9, 30, 9, 0, 0, beijing));

        var result = await Loader(own.DataSource, time).CorrectAsync(2026, Corrected2026, "国务院办公厅关于2026年国庆节假期安排的补充通知", userId: floor.ClerkId, apply: true);

        Assert.True(result.Applied);
        Assert.Equal(1, result.ClocksMoved);
        var now = (await connection.QueryAsync<(long Id, DateTime Due)>("SELECT id, due_at FROM matter_clock WHERE matter_id IN (@matter, @earlier)", new { matter, earlier }))
            .ToDictionary(d => d.Id, d => d.Due);
        // Two working days fewer in the period (10-08 off, 10-10 no longer worked): the due date moves two working days on.
        Assert.Equal(new DateTimeOffset(2026, 10, 26, 23, 59, 59, beijing), ChinaTime.Utc(old[reached]).ToOffset(beijing));
        Assert.Equal(new DateTimeOffset(2026, 10, 28, 23, 59, 59, beijing), ChinaTime.Utc(now[reached]).ToOffset(beijing));
        Assert.Equal(old[before], now[before]);
        Assert.Equal(old[stopped], now[stopped]);
        Assert.Equal(now[reached], await connection.ExecuteScalarAsync<DateTime>("SELECT next_due_at FROM matter WHERE id = @matter", new { matter }));
        Assert.Equal(["2026-06-19|holiday|端午节（补充通知）", "2026-10-07|holiday|国庆节", "2026-10-08|holiday|国庆节"],
            await connection.QueryAsync<string>("""
                SELECT day::text || '|' || kind || '|' || name FROM calendar_day
                WHERE day IN ('2026-06-19', '2026-10-07', '2026-10-08', '2026-10-10') AND schedule_year = 2026 ORDER BY day
                """));
        var audit = await connection.ExecuteScalarAsync<string>("SELECT detail::text FROM audit_log WHERE action = 'calendar.correct'");
        Assert.Contains("2026-10-08（四）放假 国庆节", audit, StringComparison.Ordinal);
        Assert.Contains("2026-10-10（六）调休上班 国庆节", audit, StringComparison.Ordinal);
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM live_event WHERE kind = @CorrectedEvent AND center_id = @CenterId",
            new { CalendarLoader.CorrectedEvent, floor.CenterId }));
        Assert.Contains("补充通知", await connection.ExecuteScalarAsync<string>("SELECT source FROM calendar_year WHERE year = 2026"), StringComparison.Ordinal);
        Assert.False((await new CalendarStore(own.DataSource).ReloadAsync()).IsWorkingDay(new DateOnly(2026, 10, 8)));
    }

    [Fact]
    public async Task Correct_SameScheduleAgain_SaysThereIsNothingToCorrect()
    {
        var result = await Loader(db.DataSource).CorrectAsync(2026, Csv(Year2026), "", 1, apply: true);

        Assert.False(result.Applied);
        Assert.Contains("完全相同，无需更正", Assert.Single(result.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Correct_YearNotLoaded_IsRefusedWithTheLoadPath()
    {
        var result = await Loader(db.DataSource).CorrectAsync(2027, Csv(["2027-01-01,holiday,元旦"]), "", 1, apply: false);

        Assert.Contains("2027 年尚未载入", Assert.Single(result.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Correct_DayOfAnotherYearsNotice_IsRefused()
    {
        // 2022-12-31 opened the 2023 New Year break: it belongs to the 2023 notice, not to 2022's.
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var lines = await connection.QueryAsync<string>(
            "SELECT day::text || ',' || kind || ',' || name FROM calendar_day WHERE schedule_year = 2022 ORDER BY day");

        var result = await Loader(db.DataSource).CorrectAsync(2022, Csv(lines.Append("2022-12-31,holiday,元旦")), "", 1, apply: false);

        Assert.Contains("2022-12-31 属于 2023 年的安排", Assert.Single(result.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void CalendarEntry_ReadsAsTheNoticeDoes()
    {
        Assert.Equal("2026-10-10（六）调休上班 国庆节", new CalendarEntry(new DateOnly(2026, 10, 10), DayKind.Workday, "国庆节").ToString());
    }
}
