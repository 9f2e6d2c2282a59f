using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OpsBoard.Data.Notifications;

namespace OpsBoard.Data.Tests.Notifications;

public sealed class OutboxSenderTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    async Task<(Guid Key, int CenterId)> EnqueueAsync(TestClock clock)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var code = $"o{Guid.NewGuid():N}"[..12];
        var centerId = await connection.ExecuteScalarAsync<int>("INSERT INTO center (code, name, county) VALUES (@code, '测试中心', '测试县') RETURNING id", new { code });
        await NotificationOutbox.EnqueueAsync(connection, null, centerId, "emergency.notify", null, "13900000001", new { text = "【应急处置】集体访，一楼大厅，6 人" }, clock.Now);
        return (await connection.ExecuteScalarAsync<Guid>("SELECT idempotency_key FROM notification_outbox WHERE center_id = @centerId", new { centerId }), centerId);
    }

    OutboxSender SenderOn(string? url, TestClock clock, int timeoutSeconds = 5) => new(db.DataSource, Options.Create(new OpsBoardOptions
    {
        NotificationWebhook = url,
        NotificationTimeoutSeconds = timeoutSeconds,
        NotificationRetrySeconds = 5,
        NotificationRetryMaxSeconds = 600,
    }), clock, NullLogger<OutboxSender>.Instance);

    async Task<(int Attempts, DateTime? SentAt, DateTime NextAttemptAt, string? LastError)> RowAsync(Guid key)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        return await connection.QuerySingleAsync<(int, DateTime?, DateTime, string?)>(
            "SELECT attempts, sent_at, next_attempt_at, last_error FROM notification_outbox WHERE idempotency_key = @key", new { key });
    }

    [Fact]
    public async Task Run_GatewayFailsTwice_RetriedWithBackoffAndDeliveredWithTheSameKey()
    {
        var clock = TestClock.WorkingMorning();
        var start = clock.Now;
        using var gateway = new LoopbackGateway(failFirst: 2);
        var (key, _) = await EnqueueAsync(clock);
        using var sender = SenderOn(gateway.Url, clock);

        await sender.RunAsync();
        var first = await RowAsync(key);
        await sender.RunAsync(); // before the backoff: not tried
        var waiting = await RowAsync(key);
        clock.Advance(TimeSpan.FromSeconds(5));
        await sender.RunAsync();
        var second = await RowAsync(key);
        clock.Advance(TimeSpan.FromSeconds(9));
        await sender.RunAsync(); // 9 s after the second failure: the backoff doubled to 10 s
        Assert.Null((await RowAsync(key)).SentAt);
        clock.Advance(TimeSpan.FromSeconds(1));
        await sender.RunAsync();
        var done = await RowAsync(key);
        clock.Advance(TimeSpan.FromMinutes(30));
        await sender.RunAsync();

        Assert.Equal((1, "HTTP 500"), (first.Attempts, first.LastError));
        Assert.Equal(start.AddSeconds(5).UtcDateTime, first.NextAttemptAt, TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, waiting.Attempts);
        Assert.Equal(2, second.Attempts);
        Assert.Equal(3, done.Attempts);
        Assert.NotNull(done.SentAt);
        Assert.Null(done.LastError);
        Assert.Equal(3, gateway.Calls.Count(c => c.Key == key.ToString()));
        Assert.Contains(gateway.Calls, c => c.Body.Contains("13900000001") && c.Body.Contains("应急处置"));
    }

    [Fact]
    public async Task Run_GatewayHangs_TimedOutRetriedAndDeliveredOnce()
    {
        var clock = TestClock.WorkingMorning();
        using var gateway = new LoopbackGateway(failFirst: 1, hang: true);
        var (key, _) = await EnqueueAsync(clock);
        using var sender = SenderOn(gateway.Url, clock, timeoutSeconds: 1);

        await sender.RunAsync();
        var hung = await RowAsync(key);
        clock.Advance(TimeSpan.FromSeconds(5));
        await sender.RunAsync();

        Assert.StartsWith("no answer within 1 s", hung.LastError);
        Assert.NotNull((await RowAsync(key)).SentAt);
        Assert.Single(gateway.Delivered.Keys, k => k == key.ToString());
    }

    [Fact]
    public async Task Run_GatewayDownThenUp_NothingLost()
    {
        var clock = TestClock.WorkingMorning();
        var (key, _) = await EnqueueAsync(clock);
        using (var down = SenderOn("http://127.0.0.1:9/sms/", clock))
        {
            await down.RunAsync();
        }

        using (var unset = SenderOn(null, clock))
        {
            clock.Advance(TimeSpan.FromMinutes(1));
            Assert.True((await unset.RunAsync()).Pending >= 1);
        }

        var refused = await RowAsync(key);
        using var gateway = new LoopbackGateway(failFirst: 0);
        using var sender = SenderOn(gateway.Url, clock);
        await sender.RunAsync();

        Assert.Equal(1, refused.Attempts);
        Assert.Null(refused.SentAt);
        Assert.NotNull((await RowAsync(key)).SentAt);
        Assert.Contains(key.ToString(), gateway.Delivered.Keys);
    }
}
