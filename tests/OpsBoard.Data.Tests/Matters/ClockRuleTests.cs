using OpsBoard.Data.Calendar;
using OpsBoard.Data.Matters;

namespace OpsBoard.Data.Tests.Matters;

/// <summary>Due moments of the stored rules, on dates around the official breaks (State Council notices as loaded).</summary>
public sealed class ClockRuleTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    async Task<(DeadlineRule Rule, WorkingCalendar Calendar)> RuleAsync(string code, string day = "2025-01-01")
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var rule = await DeadlineRules.InForceAsync(connection, null, code, DateOnly.Parse(day, System.Globalization.CultureInfo.InvariantCulture));
        return (rule, await new CalendarStore(db.DataSource).ReloadAsync());
    }

    static DateTimeOffset Beijing(string iso) => DateTimeOffset.Parse(iso + "+08:00", System.Globalization.CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("handling", "2024-12-01T10:00:00", "2025-02-05T23:59:59")]      // day 60 is 2025-01-30, in the Spring Festival break
    [InlineData("handling", "2025-08-02T09:00:00", "2025-10-09T23:59:59")]      // day 60 is 2025-10-01, National Day
    [InlineData("first_contact", "2025-01-27T16:00:00", "2025-02-05T23:59:59")] // one working day over Spring Festival
    [InlineData("first_contact", "2025-01-24T16:00:00", "2025-01-26T23:59:59")] // the make-up Sunday counts
    [InlineData("objection", "2025-09-26T11:00:00", "2025-10-10T23:59:59")]     // five working days incl. make-up 09-28
    [InlineData("local_handling", "2025-09-30T11:00:00", "2025-10-28T23:59:59")] // 15 working days from the eve of National Day, make-up 10-11 counted
    [InlineData("supervision", "2025-04-29T10:00:00", "2025-05-06T23:59:59")]   // 7 days end on 05-06, after the May Day break
    public async Task DueFor_AroundOfficialBreaks_FollowsTheWorkingCalendar(string code, string start, string due)
    {
        var (rule, calendar) = await RuleAsync(code);

        Assert.Equal(Beijing(due), rule.DueFor(Beijing(start), calendar));
    }

    [Fact]
    public async Task DueFor_WithExtension_AddsTheDaysThenRolls()
    {
        var (rule, calendar) = await RuleAsync("handling");

        // 60 + 30 days from 2025-07-03 is 2025-10-01: rolls to the first working day after National Day.
        Assert.Equal(Beijing("2025-10-09T23:59:59"), rule.DueFor(Beijing("2025-07-03T10:00:00"), calendar, extensionDays: 30));
    }

    [Fact]
    public async Task Rules_EveryDomainClock_IsStoredWithItsSource()
    {
        var rules = await DeadlineRules.AllAsync(db.DataSource);

        Assert.Equal(
            ["acceptance_notice", "first_contact", "handling", "local_handling", "local_handling_remote", "objection", "re_review_decision",
             "re_review_request", "review_decision", "review_request", "supervision", "transfer", "warning_slip"],
            rules.Select(r => r.Code).Distinct().Order());
        Assert.All(rules, r => Assert.False(string.IsNullOrWhiteSpace(r.Source)));
        Assert.Equal(["hearing"], rules.Single(r => r.Code == "re_review_decision").PauseEvents);
    }
}
