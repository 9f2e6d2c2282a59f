using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OpsBoard.Data.Live;

namespace OpsBoard.Data.Tests.Live;

public sealed class LiveListenerTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    readonly List<LiveListener> started = [];
    int centerId;

    public async Task InitializeAsync()
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        centerId = await connection.ExecuteScalarAsync<int>("""
            INSERT INTO center (code, name, county) VALUES ('live', '实时测试中心', '测试县')
            ON CONFLICT (code) DO UPDATE SET name = excluded.name
            RETURNING id
            """);
    }

    async Task<LiveListener> StartAsync()
    {
        var listener = new LiveListener(db.DataSource, NullLogger<LiveListener>.Instance);
        started.Add(listener);
        await listener.StartAsync(CancellationToken.None);
        await listener.Ready.WaitAsync(TimeSpan.FromSeconds(10));
        return listener;
    }

    async Task<long> AppendAsync(string kind, NpgsqlConnection? connection = null, NpgsqlTransaction? transaction = null)
    {
        if (connection is not null)
        {
            return await LiveJournal.AppendAsync(connection, transaction, kind, centerId);
        }

        await using var own = await db.DataSource.OpenConnectionAsync();
        return await LiveJournal.AppendAsync(own, null, kind, centerId);
    }

    static async Task<List<LiveEvent>> ReadAsync(LiveListener listener, int count)
    {
        var events = new List<LiveEvent>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (events.Count < count)
        {
            events.Add(await listener.Events.ReadAsync(timeout.Token));
        }

        return events;
    }

    [Fact]
    public async Task Listener_CommittedEvents_AreDeliveredInOrder()
    {
        var listener = await StartAsync();

        var ids = new[] { await AppendAsync("test.one"), await AppendAsync("test.two"), await AppendAsync("test.three") };

        Assert.Equal(ids, (await ReadAsync(listener, 3)).Select(e => e.Id));
    }

    [Fact]
    public async Task Listener_TransactionThatCommitsLate_IsStillDelivered()
    {
        var listener = await StartAsync();
        await using var slow = await db.DataSource.OpenConnectionAsync();
        await using var transaction = await slow.BeginTransactionAsync();
        var lateId = await AppendAsync("test.late", slow, transaction);     // takes the lower id, commits last
        var earlyId = await AppendAsync("test.early");                      // higher id, visible first

        var first = await ReadAsync(listener, 1);
        await transaction.CommitAsync();
        var second = await ReadAsync(listener, 1);

        Assert.Equal(earlyId, first[0].Id);
        Assert.Equal(lateId, second[0].Id);
    }

    [Fact]
    public async Task Listener_ConnectionKilled_ReconnectsAndLosesNothing()
    {
        var listener = await StartAsync();
        var unpooled = new NpgsqlConnectionStringBuilder(db.ConnectionString) { Pooling = false }.ConnectionString;
        await using (var admin = new NpgsqlConnection(unpooled))
        {
            await admin.OpenAsync();
            // Cut every other connection to the database, the listener's included, as a database restart would.
            await admin.ExecuteAsync("""
                SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
                """);
        }

        await using var writer = new NpgsqlConnection(unpooled);
        await writer.OpenAsync();
        var id = await AppendAsync("test.after_restart", writer);

        Assert.Contains(id, (await ReadAsync(listener, 1)).Select(e => e.Id));
    }

    public async Task DisposeAsync()
    {
        foreach (var listener in started)
        {
            await listener.StopAsync(CancellationToken.None);
            listener.Dispose();
        }
    }
}
