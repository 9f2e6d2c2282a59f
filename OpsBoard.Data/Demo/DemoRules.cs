using OpsBoard.Data.Calendar;
using OpsBoard.Data.Matters;

namespace OpsBoard.Data.Demo;

/// <summary>
/// Every version of every deadline rule, read once from <c>deadline_rule</c> (<see cref="DeadlineRules.AllAsync"/>).
/// A demo clock takes the version in force on its Beijing start day, as <see cref="DeadlineRules.InForceAsync"/> picks
/// it for a live clock, and its due moment from <see cref="DeadlineRule.DueFor"/>: a rule an admin revised changes the demo.
/// Held in memory because the demo starts hundreds of thousands of clocks, a query each would dominate the seeding.
/// </summary>
sealed class DemoRules
{
    readonly Dictionary<string, DeadlineRule[]> newestFirst;
    readonly WorkingCalendar calendar;

    public DemoRules(IEnumerable<DeadlineRule> rules, WorkingCalendar calendar)
    {
        newestFirst = rules.GroupBy(r => r.Code, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderByDescending(r => r.EffectiveFrom).ToArray(), StringComparer.Ordinal);
        this.calendar = calendar;
    }

    public WorkingCalendar Calendar => calendar;

    /// <summary>The version of a rule in force on the Beijing day of <paramref name="startedAt"/>.</summary>
    public DeadlineRule InForce(string code, DateTime startedAt)
    {
        var day = ChinaTime.DayOf(startedAt);
        if (newestFirst.TryGetValue(code, out var versions))
        {
            foreach (var rule in versions)
            {
                if (rule.EffectiveFrom <= day)
                {
                    return rule;
                }
            }
        }

        throw new InvalidOperationException($"No deadline rule '{code}' in force on {day}");
    }

    /// <summary>The due moment of a clock of <paramref name="code"/> started at <paramref name="startedAt"/> with no extension or pause.</summary>
    public DateTime DueFor(string code, DateTime startedAt) => InForce(code, startedAt).DueFor(Utc(startedAt), calendar).UtcDateTime;

    public static DateTimeOffset Utc(DateTime utc) => new(DateTime.SpecifyKind(utc, DateTimeKind.Utc));
}
