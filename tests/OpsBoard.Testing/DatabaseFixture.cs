using Npgsql;
using OpsBoard.Data;
using Xunit;

namespace OpsBoard.Testing;

/// <summary>A fresh, migrated, empty database for one test class.</summary>
public class DatabaseFixture : IAsyncLifetime
{
    readonly string template;
    NpgsqlDataSource? dataSource;
    NpgsqlDataSource? ownerDataSource;

    public DatabaseFixture() : this(TestCluster.EmptyTemplate)
    {
    }

    protected DatabaseFixture(string template) => this.template = template;

    /// <summary>The app's role (opsboard_app), which owns nothing: what the app itself connects as.</summary>
    public string ConnectionString { get; private set; } = "";

    /// <summary>The schema owner (opsboard_owner), which runs the migrations: for a test's DDL set-up only.</summary>
    public string OwnerConnectionString => TestCluster.OwnerConnectionString(ConnectionString);

    public NpgsqlDataSource DataSource => dataSource ?? throw new InvalidOperationException("Not initialized");

    public NpgsqlDataSource OwnerDataSource => ownerDataSource ??= NpgsqlDataSource.Create(OwnerConnectionString);

    public async Task InitializeAsync()
    {
        DapperSetup.Configure();
        ConnectionString = await TestCluster.CreateDatabaseAsync(template);
        dataSource = NpgsqlDataSource.Create(ConnectionString);
    }

    public async Task DisposeAsync()
    {
        if (dataSource is not null)
        {
            await dataSource.DisposeAsync();
        }

        if (ownerDataSource is not null)
        {
            await ownerDataSource.DisposeAsync();
        }

        await TestCluster.DropDatabaseAsync(ConnectionString);
    }
}

/// <summary>A fresh database holding the demo county (a small history), for one test class.</summary>
public sealed class DemoDatabaseFixture() : DatabaseFixture(TestCluster.DemoTemplate);
