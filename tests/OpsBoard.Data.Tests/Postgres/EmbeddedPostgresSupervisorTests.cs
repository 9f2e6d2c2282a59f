using System.Collections.Concurrent;
using System.Diagnostics;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OpsBoard.Data.Postgres;

namespace OpsBoard.Data.Tests.Postgres;

/// <summary>A killed embedded server comes back by itself, with everything committed before the kill.</summary>
public sealed class EmbeddedPostgresSupervisorTests : IAsyncLifetime
{
    static readonly TimeSpan RestartLimit = TimeSpan.FromSeconds(60);

    readonly string root = Path.Combine(Path.GetTempPath(), "opsboard-tests", "supervised-" + Guid.NewGuid().ToString("N")[..8]);
    readonly ConcurrentQueue<EmbeddedServerStatus> changes = new();
    EmbeddedPostgres server = default!;
    NpgsqlDataSource dataSource = default!;
    EmbeddedPostgresSupervisor supervisor = default!;

    public async Task InitializeAsync()
    {
        // Crash safety on, as on a real board: the test is about what survives a kill.
        server = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions { DataDirectory = Path.Combine(root, "pg") }, NullLogger.Instance);
        dataSource = NpgsqlDataSource.Create(server.ConnectionString());
        supervisor = new EmbeddedPostgresSupervisor(server, dataSource, TimeProvider.System, NullLogger<EmbeddedPostgresSupervisor>.Instance);
        supervisor.Changed += changes.Enqueue;
        await supervisor.StartAsync(CancellationToken.None);
        await using var connection = await dataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("CREATE TABLE probe (id int PRIMARY KEY, note text NOT NULL)");
    }

    Task<EmbeddedServerStatus> NextAsync(Func<EmbeddedServerStatus, bool> condition)
    {
        var reached = new TaskCompletionSource<EmbeddedServerStatus>(TaskCreationOptions.RunContinuationsAsynchronously);
        supervisor.Changed += s =>
        {
            if (condition(s))
            {
                reached.TrySetResult(s);
            }
        };
        return reached.Task.WaitAsync(RestartLimit);
    }

    void Kill()
    {
        using var process = Process.GetProcessById(server.ProcessId!.Value);
        process.Kill();
    }

    [Fact]
    public async Task Supervisor_ServerKilled_RestartsItWithCommittedRowsKept()
    {
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("INSERT INTO probe (id, note) VALUES (1, '崩溃前已提交')");
        }

        var killed = server.ProcessId;
        var running = NextAsync(s => s.State == EmbeddedServerState.Running);
        Kill();

        var back = await running;

        Assert.Equal(EmbeddedServerState.Restarting, changes.First().State);
        Assert.Equal(1, back.Restarts);
        Assert.NotEqual(killed, server.ProcessId);
        await using var after = await dataSource.OpenConnectionAsync();
        Assert.Equal("崩溃前已提交", await after.ExecuteScalarAsync<string>("SELECT note FROM probe WHERE id = 1"));
    }

    [Fact]
    public async Task Supervisor_ServerWillNotStartAgain_KeepsTryingAndSaysWhy()
    {
        // A setting the server refuses at start: the running one never reads it, the restarted one must.
        var conf = Path.Combine(server.DataDirectory, "postgresql.conf");
        var good = await File.ReadAllTextAsync(conf);
        await File.AppendAllTextAsync(conf, "\nshared_buffers = 'no such size'\n");
        var failed = NextAsync(s => s.LastFailure is not null);
        Kill();

        var failing = await failed;

        Assert.Equal(EmbeddedServerState.Restarting, failing.State);
        Assert.Contains("did not start again", failing.LastFailure);
        Assert.Equal(EmbeddedServerState.Restarting, supervisor.Status.State);

        var running = NextAsync(s => s.State == EmbeddedServerState.Running);
        await File.WriteAllTextAsync(conf, good);

        var back = await running;
        Assert.Equal(1, back.Restarts);
        Assert.Null(back.LastFailure);
    }

    public async Task DisposeAsync()
    {
        await supervisor.StopAsync(CancellationToken.None);
        supervisor.Dispose();
        await dataSource.DisposeAsync();
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
