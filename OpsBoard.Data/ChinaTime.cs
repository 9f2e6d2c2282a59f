namespace OpsBoard.Data;

/// <summary>China Standard Time, UTC+8 all year (no daylight saving), so no time-zone database is needed.</summary>
public static class ChinaTime
{
    public static readonly TimeSpan Offset = TimeSpan.FromHours(8);

    public static TimeZoneInfo Zone { get; } = TimeZoneInfo.CreateCustomTimeZone("China Standard Time", Offset, "中国标准时间", "中国标准时间");

    public static DateTimeOffset Now(TimeProvider time) => time.GetUtcNow().ToOffset(Offset);

    public static DateOnly Today(TimeProvider time) => DateOnly.FromDateTime(Now(time).DateTime);

    public static DateTimeOffset StartOf(DateOnly day) => new(day.ToDateTime(TimeOnly.MinValue), Offset);

    /// <summary>A UTC moment as Beijing wall-clock text, e.g. for a table cell.</summary>
    public static string Format(DateTime utc, string format = "yyyy-MM-dd HH:mm") =>
        new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)).ToOffset(Offset).ToString(format, System.Globalization.CultureInfo.InvariantCulture);
}
