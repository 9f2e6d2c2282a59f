namespace OpsBoard.Data.Calendar;

public enum DayKind
{
    Holiday,
    Workday,
}

public sealed record CalendarEntry(DateOnly Day, DayKind Kind, string Name)
{
    /// <summary>放假 or 调休上班: the one label of a calendar day's kind.</summary>
    public static string KindLabel(DayKind kind) => kind == DayKind.Holiday ? "放假" : "调休上班";

    /// <summary>"2026-10-01（四）放假 国庆节", as the admin reads a day against the notice.</summary>
    public override string ToString() => $"{Day:yyyy-MM-dd}（{"日一二三四五六"[(int)Day.DayOfWeek]}）{KindLabel(Kind)} {Name}";
}

/// <summary>
/// Working days as the State Council's yearly holiday notices define them (docs/sources.md): Monday–Friday,
/// minus public holidays, plus make-up working days (调休上班).
/// Counting follows the usual rule for periods: the start day is not counted, and a period whose last day
/// is not a working day ends on the next working day.
/// An immutable snapshot: the store swaps in a new one when an admin loads a year.
/// </summary>
public sealed class WorkingCalendar
{
    readonly Dictionary<DateOnly, CalendarEntry> entries;

    public WorkingCalendar(IEnumerable<CalendarEntry> entries, IEnumerable<int> loadedYears)
    {
        this.entries = entries.ToDictionary(e => e.Day);
        LoadedYears = loadedYears.ToHashSet();
    }

    public static WorkingCalendar Empty { get; } = new([], []);

    /// <summary>Years whose whole official schedule is loaded. Outside them only weekends are known.</summary>
    public IReadOnlySet<int> LoadedYears { get; }

    public bool IsLoaded(int year) => LoadedYears.Contains(year);

    public CalendarEntry? EntryFor(DateOnly day) => entries.GetValueOrDefault(day);

    public bool IsWorkingDay(DateOnly day) => entries.TryGetValue(day, out var entry)
        ? entry.Kind == DayKind.Workday
        : day.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday);

    /// <summary>The day on which a period of <paramref name="days"/> working days that starts on <paramref name="start"/> ends.</summary>
    public DateOnly AddWorkingDays(DateOnly start, int days)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(days);
        var day = start;
        for (var counted = 0; counted < days;)
        {
            day = day.AddDays(1);
            if (IsWorkingDay(day))
            {
                counted++;
            }
        }

        return day;
    }

    /// <summary>The last day of a period of calendar days; a last day that is not a working day rolls forward.</summary>
    public DateOnly AddCalendarDays(DateOnly start, int days)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(days);
        return NextWorkingDayOnOrAfter(start.AddDays(days));
    }

    public DateOnly NextWorkingDayOnOrAfter(DateOnly day)
    {
        while (!IsWorkingDay(day))
        {
            day = day.AddDays(1);
        }

        return day;
    }

    /// <summary>Working days after <paramref name="from"/> up to and including <paramref name="to"/>; negative when <paramref name="to"/> is earlier.</summary>
    public int WorkingDaysBetween(DateOnly from, DateOnly to)
    {
        if (to < from)
        {
            return -WorkingDaysBetween(to, from);
        }

        var count = 0;
        for (var day = from.AddDays(1); day <= to; day = day.AddDays(1))
        {
            if (IsWorkingDay(day))
            {
                count++;
            }
        }

        return count;
    }
}
