using System.Threading.Channels;
using Dapper;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace OpsBoard.Data.Live;

/// <summary>
/// One per node: LISTENs on the journal channel and reads new rows by id above its high-water mark, so a lost
/// notification, a dropped connection or a database restart loses nothing — the next read catches up.
/// Ids are taken when a row is inserted but become visible at commit, so a transaction that commits late leaves a
/// hole below the mark for a moment; such holes are re-checked until they fill or are clearly rolled back.
/// </summary>
public sealed class LiveListener(NpgsqlDataSource dataSource, ILogger<LiveListener> logger) : BackgroundService
{
    static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(5);
    static readonly TimeSpan HoleLifetime = TimeSpan.FromSeconds(30);
    const int BatchSize = 500;

    readonly Channel<LiveEvent> events = Channel.CreateUnbounded<LiveEvent>(new UnboundedChannelOptions { SingleReader = true });
    readonly Dictionary<long, DateTime> holes = [];
    readonly TaskCompletionSource ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    long highWaterMark = -1;
    volatile bool connected;
    volatile string? lastFailure;

    public ChannelReader<LiveEvent> Events => events.Reader;

    /// <summary>The newest event id this node has read: screens compare it with their own to detect a gap.</summary>
    public long HighWaterMark => Interlocked.Read(ref highWaterMark);

    /// <summary>Completes once the listener has subscribed, so nothing committed afterwards can be missed.</summary>
    public Task Ready => ready.Task;

    /// <summary>Whether the listener holds its LISTEN connection now; false from the moment it lost it until it is back.</summary>
    public bool Connected => connected;

    /// <summary>Why the connection was last lost, while it is down.</summary>
    public string? LastFailure => lastFailure;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = TimeSpan.FromMilliseconds(250);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                await connection.ExecuteAsync($"LISTEN {LiveJournal.Channel}");
                if (HighWaterMark < 0)
                {
                    // A node that just started cares about what happens from now on; screens load current state themselves.
                    Interlocked.Exchange(ref highWaterMark, await connection.ExecuteScalarAsync<long>("SELECT coalesce(max(id), 0) FROM live_event"));
                }

                connected = true;
                lastFailure = null;
                ready.TrySetResult();
                backoff = TimeSpan.FromMilliseconds(250);
                logger.LogInformation("Live listener subscribed at event {HighWaterMark}", HighWaterMark);
                while (!stoppingToken.IsCancellationRequested)
                {
                    await ReadNewAsync(connection, stoppingToken);
                    // Wake on a notification, or poll anyway: a notification can be lost, the journal cannot.
                    await connection.WaitAsync(holes.Count > 0 ? TimeSpan.FromMilliseconds(200) : PollInterval, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                connected = false;
                lastFailure = e.Message;
                logger.LogWarning("Live listener lost the database ({Message}); reconnecting in {Delay} ms", e.Message, backoff.TotalMilliseconds);
                await Task.Delay(backoff, stoppingToken).ContinueWith(_ => { }, CancellationToken.None);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
            }
        }

        connected = false;
        events.Writer.TryComplete();
    }

    async Task ReadNewAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        const string sql = """
            SELECT id, kind, center_id AS CenterId, unit_id AS UnitId, payload::text AS Payload, at
            FROM live_event
            WHERE id > @after OR id = ANY(@holes)
            ORDER BY id
            LIMIT @BatchSize
            """;
        while (true)
        {
            var after = HighWaterMark;
            var rows = (await connection.QueryAsync<LiveEvent>(new CommandDefinition(
                sql, new { after, holes = holes.Keys.ToArray(), BatchSize }, cancellationToken: cancellationToken))).ToList();
            var now = DateTime.UtcNow;
            foreach (var row in rows)
            {
                holes.Remove(row.Id);
                if (row.Id > after)
                {
                    for (var missing = Math.Max(after, HighWaterMark) + 1; missing < row.Id; missing++)
                    {
                        holes[missing] = now;
                    }

                    Interlocked.Exchange(ref highWaterMark, Math.Max(HighWaterMark, row.Id));
                }

                await events.Writer.WriteAsync(row, cancellationToken);
            }

            // A hole still empty after this long belongs to a rolled-back transaction: sequences never reuse ids.
            foreach (var stale in holes.Where(h => now - h.Value > HoleLifetime).Select(h => h.Key).ToList())
            {
                holes.Remove(stale);
            }

            if (rows.Count < BatchSize)
            {
                return;
            }
        }
    }
}
