using OpsBoard.Data.Calendar;

namespace OpsBoard.Data.Tests.Calendar;

/// <summary>Dates from the official schedules as loaded by the migration (State Council notices 2019–2026).</summary>
public sealed class WorkingCalendarTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    static DateOnly D(string iso) => DateOnly.Parse(iso, System.Globalization.CultureInfo.InvariantCulture);

    async Task<WorkingCalendar> CalendarAsync() => await new CalendarStore(db.DataSource).ReloadAsync();

    [Theory]
    [InlineData("2025-01-26", true)]  // Sunday, make-up working day before Spring Festival
    [InlineData("2025-01-28", false)] // Tuesday, Spring Festival
    [InlineData("2025-02-04", false)] // last day of the Spring Festival break
    [InlineData("2025-02-08", true)]  // Saturday, make-up working day
    [InlineData("2025-09-28", true)]  // Sunday, make-up before National Day
    [InlineData("2025-10-08", false)] // Wednesday, National Day break
    [InlineData("2025-10-11", true)]  // Saturday, make-up after National Day
    [InlineData("2025-10-12", false)] // ordinary Sunday
    [InlineData("2024-02-18", true)]  // Sunday, make-up after Spring Festival 2024
    [InlineData("2018-12-29", true)]  // Saturday, make-up for New Year 2019
    [InlineData("2026-10-07", false)]
    [InlineData("2026-10-10", true)]
    [InlineData("2026-11-23", true)]  // ordinary Monday
    public async Task IsWorkingDay_OfficialSchedule_MatchesNotice(string day, bool working)
    {
        var calendar = await CalendarAsync();

        Assert.Equal(working, calendar.IsWorkingDay(D(day)));
    }

    [Theory]
    [InlineData("2025-01-27", 1, "2025-02-05")] // over the whole Spring Festival break
    [InlineData("2025-01-24", 1, "2025-01-26")] // Friday + 1 lands on the make-up Sunday
    [InlineData("2025-09-26", 2, "2025-09-29")] // counts the make-up Sunday 09-28
    [InlineData("2025-09-30", 1, "2025-10-09")] // over National Day
    [InlineData("2025-09-30", 3, "2025-10-11")] // ends on the make-up Saturday
    [InlineData("2025-03-03", 0, "2025-03-03")]
    [InlineData("2025-03-07", 5, "2025-03-14")] // ordinary week: start day not counted
    public async Task AddWorkingDays_AroundHolidays_SkipsHolidaysAndCountsMakeUpDays(string start, int days, string expected)
    {
        var calendar = await CalendarAsync();

        Assert.Equal(D(expected), calendar.AddWorkingDays(D(start), days));
    }

    [Theory]
    [InlineData("2025-09-16", 15, "2025-10-09")] // last day 10-01 is a holiday: rolls past the break
    [InlineData("2025-01-13", 15, "2025-02-05")] // last day 01-28 is Spring Festival
    [InlineData("2025-01-11", 15, "2025-01-26")] // last day is a make-up Sunday: stays
    [InlineData("2025-03-03", 60, "2025-05-06")] // 05-02 is in the May Day break (05-01..05-05)
    public async Task AddCalendarDays_LastDayOnHoliday_RollsToNextWorkingDay(string start, int days, string expected)
    {
        var calendar = await CalendarAsync();

        Assert.Equal(D(expected), calendar.AddCalendarDays(D(start), days));
    }

    [Theory]
    [InlineData("2025-09-30", "2025-10-11", 3)]
    [InlineData("2025-10-11", "2025-09-30", -3)]
    [InlineData("2025-01-27", "2025-02-08", 4)] // 02-05, 02-06, 02-07 and the make-up 02-08
    [InlineData("2025-03-03", "2025-03-03", 0)]
    public async Task WorkingDaysBetween_AcrossBreaks_CountsWorkingDaysAfterStart(string from, string to, int expected)
    {
        var calendar = await CalendarAsync();

        Assert.Equal(expected, calendar.WorkingDaysBetween(D(from), D(to)));
    }

    [Fact]
    public async Task LoadedYears_AfterMigration_Are2019To2026()
    {
        var calendar = await CalendarAsync();

        Assert.Equal(Enumerable.Range(2019, 8), calendar.LoadedYears.Order());
        Assert.False(calendar.IsLoaded(2027));
        Assert.False(calendar.IsLoaded(2018));
    }
}
