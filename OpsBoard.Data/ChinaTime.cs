namespace OpsBoard.Data;

/// <summary>China Standard Time, UTC+8 all year (no daylight saving), so no time-zone database is needed.</summary>
public static class ChinaTime
{
    public static readonly TimeSpan Offset = TimeSpan.FromHours(8);

    public static TimeZoneInfo Zone { get; } = TimeZoneInfo.CreateCustomTimeZone("China Standard Time", Offset, "中国标准时间", "中国标准时间");

    public static DateTimeOffset Now(TimeProvider time) => time.GetUtcNow().ToOffset(Offset);

    public static DateOnly Today(TimeProvider time) => DateOnly.FromDateTime(Now(time).DateTime);

    /// <summary>The Beijing calendar day a moment falls on.</summary>
    public static DateOnly DayOf(DateTimeOffset moment) => DateOnly.FromDateTime(moment.ToOffset(Offset).DateTime);

    /// <summary>A <c>timestamptz</c> read through Dapper (a DateTime of unspecified kind, in UTC) as the moment it is.</summary>
    public static DateTimeOffset Utc(DateTime utc) => new(DateTime.SpecifyKind(utc, DateTimeKind.Utc));

    /// <summary>The Beijing calendar day of a UTC moment read from the database.</summary>
    public static DateOnly DayOf(DateTime utc) => DayOf(Utc(utc));

    /// <summary>23:59:59 Beijing of a day: the due moment of a period whose last day it is.</summary>
    public static DateTimeOffset EndOf(DateOnly day) => StartOf(day.AddDays(1)).AddSeconds(-1);

    public static DateTimeOffset StartOf(DateOnly day) => new(day.ToDateTime(TimeOnly.MinValue), Offset);

    /// <summary>A UTC moment as Beijing wall-clock text, e.g. for a table cell.</summary>
    public static string Format(DateTime utc, string format = "yyyy-MM-dd HH:mm") =>
        Utc(utc).ToOffset(Offset).ToString(format, System.Globalization.CultureInfo.InvariantCulture);
}
