using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OpsBoard.Data;
using OpsBoard.Data.Postgres;

namespace OpsBoard.Testing;

/// <summary>
/// One embedded PostgreSQL cluster per test process, started by the project's own launcher, with two template
/// databases built once: migrated-and-empty and migrated-with-demo-data. A test class copies one (CREATE DATABASE …
/// TEMPLATE), so every class has a fresh database in a few tens of milliseconds.
/// </summary>
public static class TestCluster
{
    public const string EmptyTemplate = "tpl_empty";
    public const string DemoTemplate = "tpl_demo";

    /// <summary>Fixed so a template seeded once and every app started on a copy read the same ID numbers.</summary>
    public static readonly string PersonalDataKey = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

    /// <summary>Small enough to copy fast, large enough that every screen has data.</summary>
    public const int DemoVisits = 2500;

    static readonly SemaphoreSlim Gate = new(1, 1);
    static readonly HashSet<string> Templates = [];
    static EmbeddedPostgres? server;
    static string? root;

    public static string Root => root ?? throw new InvalidOperationException("The cluster has not started");

    public static async Task<EmbeddedPostgres> ServerAsync()
    {
        await Gate.WaitAsync();
        try
        {
            return server ??= await StartAsync();
        }
        finally
        {
            Gate.Release();
        }
    }

    static async Task<EmbeddedPostgres> StartAsync()
    {
        root = Path.Combine(Path.GetTempPath(), "opsboard-tests", $"{Environment.ProcessId}-{Guid.NewGuid():N}"[..16]);
        Directory.CreateDirectory(root);
        var started = await EmbeddedPostgres.StartAsync(
            new EmbeddedPostgresOptions { DataDirectory = Path.Combine(root, "pg"), Durable = false, Database = "postgres" },
            NullLogger.Instance);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            started.DisposeAsync().AsTask().GetAwaiter().GetResult();
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp folder is harmless; failing the run over it is not.
            }
        };
        return started;
    }

    /// <summary>
    /// Creates a fresh database copied from a template, building the template on first use; returns the app role's
    /// connection string (opsboard_app, owning nothing), so every test runs under the grants production has.
    /// </summary>
    public static async Task<string> CreateDatabaseAsync(string template)
    {
        var cluster = await ServerAsync();
        await Gate.WaitAsync();
        try
        {
            if (Templates.Add(template))
            {
                await BuildTemplateAsync(cluster, template);
            }

            // Made as production makes its database: owned by the schema owner, the app connecting as its own role.
            var name = $"t_{Guid.NewGuid():N}";
            await cluster.PrepareDatabaseAsync(name, template);
            return cluster.AppConnectionString(name);
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>The schema owner's connection to the same database, for a test that sets up what only the owner may.</summary>
    public static string OwnerConnectionString(string connectionString) =>
        Started.OwnerConnectionString(new NpgsqlConnectionStringBuilder(connectionString).Database);

    /// <summary>The cluster superuser's connection to the same database, for a test that plays an attacker beyond the app.</summary>
    public static string SuperUserConnectionString(string connectionString) =>
        Started.ConnectionString(new NpgsqlConnectionStringBuilder(connectionString).Database);

    static EmbeddedPostgres Started => server ?? throw new InvalidOperationException("The cluster has not started");

    public static async Task DropDatabaseAsync(string connectionString)
    {
        var cluster = await ServerAsync();
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        await ExecuteAsync(cluster, $"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
    }

    /// <summary>Migrates (and seeds) through the app's own start-up path: the data services' hosted initializer.</summary>
    static async Task BuildTemplateAsync(EmbeddedPostgres cluster, string template)
    {
        await cluster.PrepareDatabaseAsync(template);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Testing" });
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:OpsBoard"] = cluster.AppConnectionString(template),
            ["ConnectionStrings:OpsBoardMigrations"] = cluster.OwnerConnectionString(template),
            ["OpsBoard:PersonalDataKey"] = PersonalDataKey,
            ["OpsBoard:SeedDemo"] = (template == DemoTemplate).ToString(),
            ["OpsBoard:DemoVisits"] = DemoVisits.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // The same floor at any hour: no demo window sessions or tickets in service that a test would have to clear.
            ["OpsBoard:DemoBeforeOpening"] = "true",
            ["OpsBoard:DataDirectory"] = Path.Combine(Root, "data"),
        });
        builder.AddOpsBoardData();
        using (var host = builder.Build())
        {
            await host.StartAsync();
            await host.StopAsync();
        }

        // A template must have no connections left when it is copied.
        NpgsqlConnection.ClearAllPools();
    }

    static async Task ExecuteAsync(EmbeddedPostgres cluster, string sql)
    {
        await using var connection = new NpgsqlConnection(cluster.ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
