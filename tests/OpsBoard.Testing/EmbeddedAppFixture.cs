using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpsBoard.Data.Postgres;

namespace OpsBoard.Testing;

/// <summary>
/// The app as a node runs with no database configured: it creates, seeds (a short demo history) and supervises its own
/// embedded PostgreSQL in a data directory of its own, with crash safety on — so a test may kill that server.
/// </summary>
public sealed class EmbeddedAppFixture() : AppFixture(database: null, ownsDatabase: false)
{
    readonly string root = Path.Combine(Path.GetTempPath(), "opsboard-tests", "embedded-app-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>The notification gateway the node's outbox job posts to.</summary>
    public LoopbackGateway Gateway { get; } = new();

    public NpgsqlDataSource DataSource => Services.GetRequiredService<NpgsqlDataSource>();

    public EmbeddedPostgresSupervisor Supervisor => Services.GetRequiredService<EmbeddedPostgresSupervisor>();

    protected override void Configure(IConfiguration configuration)
    {
        configuration["OpsBoard:DataDirectory"] = root;
        configuration["OpsBoard:PersonalDataKey"] = TestCluster.PersonalDataKey;
        configuration["OpsBoard:DemoVisits"] = "300";
        configuration["OpsBoard:DemoBeforeOpening"] = "true";
        configuration["OpsBoard:LoginAttemptsPerMinute"] = "100000";
        configuration["OpsBoard:NotificationWebhook"] = Gateway.Url;
        configuration["OpsBoard:NotificationRetrySeconds"] = "1";
        configuration["OpsBoard:NotificationRetryMaxSeconds"] = "2";
    }

    /// <summary>What <c>kill -9</c> on the postmaster does: no shutdown, no checkpoint; its children die with it.</summary>
    public void KillServer()
    {
        var pid = Supervisor.ProcessId ?? throw new InvalidOperationException("The embedded server has no process");
        using var process = Process.GetProcessById(pid);
        process.Kill();
    }

    /// <summary>
    /// Keeps a killed server from starting again until the returned handle is disposed: the restart meets a setting
    /// PostgreSQL refuses, so an outage lasts as long as a test needs it — a restart on a small database takes well
    /// under a second.
    /// </summary>
    public IDisposable HoldServerDown()
    {
        var conf = Path.Combine(Services.GetRequiredService<EmbeddedPostgres>().DataDirectory, "postgresql.conf");
        var good = File.ReadAllText(conf);
        File.AppendAllText(conf, "\nshared_buffers = 'held down by a test'\n");
        return new Restore(() => File.WriteAllText(conf, good));
    }

    sealed class Restore(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Gateway.Dispose();
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A leftover temp folder is harmless; failing the run over it is not.
        }
    }
}
