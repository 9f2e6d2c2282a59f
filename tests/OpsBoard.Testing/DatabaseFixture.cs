using Npgsql;
using OpsBoard.Data;
using Xunit;

namespace OpsBoard.Testing;

/// <summary>A fresh, migrated, empty database for one test class.</summary>
public class DatabaseFixture : IAsyncLifetime
{
    readonly string template;
    NpgsqlDataSource? dataSource;

    public DatabaseFixture() : this(TestCluster.EmptyTemplate)
    {
    }

    protected DatabaseFixture(string template) => this.template = template;

    public string ConnectionString { get; private set; } = "";

    public NpgsqlDataSource DataSource => dataSource ?? throw new InvalidOperationException("Not initialized");

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

        await TestCluster.DropDatabaseAsync(ConnectionString);
    }
}

/// <summary>A fresh database holding the demo county (a small history), for one test class.</summary>
public sealed class DemoDatabaseFixture() : DatabaseFixture(TestCluster.DemoTemplate);
