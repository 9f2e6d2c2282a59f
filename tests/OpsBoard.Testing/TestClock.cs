namespace OpsBoard.Testing;

/// <summary>Time that moves only when a test moves it.</summary>
public sealed class TestClock(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; private set; } = start.ToUniversalTime();

    /// <summary>A working Monday, 10:00 in Beijing.</summary>
    public static TestClock WorkingMorning() => new(new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.FromHours(8)));

    public override DateTimeOffset GetUtcNow() => Now;

    public void Advance(TimeSpan by) => Now += by;
}
