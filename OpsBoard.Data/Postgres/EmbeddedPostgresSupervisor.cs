using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace OpsBoard.Data.Postgres;

public enum EmbeddedServerState
{
    Running,
    Restarting,
}

/// <param name="Restarts">Restarts since this node started: more than a few a day means something kills the server.</param>
/// <param name="LastFailure">Why the last restart attempt failed, while the server is still down.</param>
public sealed record EmbeddedServerStatus(EmbeddedServerState State, int Restarts, DateTimeOffset? LastRestartAt, string? LastFailure);

/// <summary>
/// Keeps the embedded PostgreSQL running while the node runs: a server that dies (killed, crashed, out of memory) is
/// started again, with backoff while it will not start; every loss and restart is logged and its state shown by
/// /healthz and the admin system page. Stops the server when the node stops, after every service that uses it.
/// </summary>
public sealed class EmbeddedPostgresSupervisor : BackgroundService
{
    static readonly TimeSpan CheckInterval = TimeSpan.FromMilliseconds(500);
    static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);
    // Short: a failed start costs a fraction of a second, and every second past the fix is a second the board is down.
    static readonly TimeSpan LongestRetry = TimeSpan.FromSeconds(10);

    readonly EmbeddedPostgres server;
    readonly NpgsqlDataSource dataSource;
    readonly TimeProvider time;
    readonly ILogger<EmbeddedPostgresSupervisor> logger;
    EmbeddedServerStatus status = new(EmbeddedServerState.Running, 0, null, null);

    public EmbeddedPostgresSupervisor(EmbeddedPostgres server, NpgsqlDataSource dataSource, TimeProvider time, ILogger<EmbeddedPostgresSupervisor> logger)
    {
        this.server = server;
        this.dataSource = dataSource;
        this.time = time;
        this.logger = logger;
        server.UseLogger(logger);
    }

    /// <summary>The server's state; <see cref="EmbeddedServerState.Restarting"/> as soon as the process is found gone.</summary>
    public EmbeddedServerStatus Status
    {
        get
        {
            var current = Volatile.Read(ref status);
            // Between two checks the process may already be gone: never report a dead server as running.
            return current.State == EmbeddedServerState.Running && !server.IsRunning ? current with { State = EmbeddedServerState.Restarting } : current;
        }
    }

    public int? ProcessId => server.ProcessId;

    public int Port => server.Port;

    /// <summary>Raised on every change of state, for whoever wants to wait for a restart.</summary>
    public event Action<EmbeddedServerStatus>? Changed;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Process timing, not domain time: real time even where a test freezes the app's clock.
        using var timer = new PeriodicTimer(CheckInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (!server.IsRunning)
                {
                    await RestartAsync(stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    async Task RestartAsync(CancellationToken stoppingToken)
    {
        var down = Stopwatch.StartNew();
        logger.LogError("Embedded PostgreSQL (pid {Pid}) is no longer running; restarting it on port {Port}", server.ProcessId, server.Port);
        Publish(status with { State = EmbeddedServerState.Restarting });
        var delay = FirstRetry;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await server.RestartAsync(stoppingToken);
                // Every pooled connection died with the old server; without this each would fail one request first.
                dataSource.Clear();
                Publish(new EmbeddedServerStatus(EmbeddedServerState.Running, status.Restarts + 1, time.GetUtcNow(), null));
                logger.LogWarning("Embedded PostgreSQL restarted after {Elapsed} ms (attempt {Attempt}; {Restarts} restarts since this node started)",
                    down.ElapsedMilliseconds, attempt, status.Restarts);
                return;
            }
            catch (Exception e) when (e is EmbeddedPostgresException or NpgsqlException or TimeoutException)
            {
                Publish(status with { LastFailure = e.Message });
                logger.LogError("Embedded PostgreSQL did not restart (attempt {Attempt}): {Message}; next attempt in {Delay} s",
                    attempt, e.Message, delay.TotalSeconds);
            }

            await Task.Delay(delay, stoppingToken);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, LongestRetry.Ticks));
        }
    }

    void Publish(EmbeddedServerStatus next)
    {
        Volatile.Write(ref status, next);
        Changed?.Invoke(next);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await server.DisposeAsync();
    }
}
