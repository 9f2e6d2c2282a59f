using Dapper;
using OpsBoard.Data.Calendar;
using OpsBoard.Data.Notices;

namespace OpsBoard.Jobs.Tests;

public sealed class CalendarCoverageTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    async Task<int> OpenNoticesAsync(string subject)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM system_notice WHERE kind = 'calendar_missing' AND subject = @subject AND resolved_at IS NULL", new { subject });
    }

    CalendarCoverage Coverage(DateTimeOffset now) =>
        new(new CalendarStore(db.DataSource), new SystemNotices(db.DataSource), new FixedTime(now));

    [Fact]
    public async Task CheckAsync_FirstOfDecemberWithoutNextYear_RaisesOneNoticeAndOneLiveEventPerCenter()
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("INSERT INTO center (code, name, county) VALUES ('cov', '覆盖测试中心', '测试县') ON CONFLICT DO NOTHING");
        // 00:30 on 1 December in Beijing is still 30 November in UTC: the rule follows the local date.
        var firstOfDecember = new DateTimeOffset(2026, 12, 1, 0, 30, 0, TimeSpan.FromHours(8));

        var before = await Coverage(firstOfDecember.AddHours(-1)).CheckAsync();
        var first = await Coverage(firstOfDecember).CheckAsync();
        var second = await Coverage(firstOfDecember.AddHours(1)).CheckAsync();

        Assert.DoesNotContain(before, r => r.Year == 2027);
        Assert.Contains(first, r => r is { Year: 2027, Loaded: false, Warned: true });
        Assert.Contains(second, r => r is { Year: 2027, Loaded: false, Warned: false });
        Assert.Equal(1, await OpenNoticesAsync("2027"));
        var centers = await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM center");
        Assert.Equal(centers, await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM live_event WHERE kind = 'system.notice_raised' AND payload->>'subject' = '2027'"));
    }

    [Fact]
    public async Task CheckAsync_NextYearLoadedLater_ResolvesTheNotice()
    {
        var now = new DateTimeOffset(2027, 12, 5, 9, 0, 0, TimeSpan.FromHours(8));
        await Coverage(now).CheckAsync();
        Assert.Equal(1, await OpenNoticesAsync("2028"));

        await using (var connection = await db.DataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("INSERT INTO calendar_year (year, source) VALUES (2027, 'test'), (2028, 'test')");
        }

        var results = await Coverage(now).CheckAsync();

        Assert.All(results, r => Assert.True(r.Loaded));
        Assert.Equal(0, await OpenNoticesAsync("2028"));
    }
}
