using System.Globalization;

namespace OpsBoard.Data.Metrics;

/// <summary>A calendar month of China time, or the part of it up to now: the period every KPI is counted over.</summary>
public sealed record MetricPeriod(DateOnly Month, DateOnly FromDay, DateOnly ToDay)
{
    /// <summary>The whole month, or up to the end of today for the current month.</summary>
    public static MetricPeriod For(DateOnly month, DateOnly today)
    {
        var first = new DateOnly(month.Year, month.Month, 1);
        var next = first.AddMonths(1);
        return new MetricPeriod(first, first, next <= today ? next : today.AddDays(1));
    }

    public bool IsComplete(DateOnly today) => Month.AddMonths(1) <= today;

    public DateTime From => ChinaTime.StartOf(FromDay).UtcDateTime;

    public DateTime To => ChinaTime.StartOf(ToDay).UtcDateTime;

    public MetricPeriod SameMonthLastYear()
    {
        var month = Month.AddYears(-1);
        var end = month.AddMonths(1);
        // Compare like with like: a month so far against the same days of last year's month.
        var days = ToDay.DayNumber - FromDay.DayNumber;
        return new MetricPeriod(month, month, ToDay == Month.AddMonths(1) || month.AddDays(days) > end ? end : month.AddDays(days));
    }

    public string Label => $"{Month.Year} 年 {Month.Month} 月";

    public string Key => Month.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    /// <summary>Reads "2026-10" from a query string: null when malformed.</summary>
    public static DateOnly? ParseMonth(string? text) =>
        DateOnly.TryParseExact(text + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) ? day : null;
}
