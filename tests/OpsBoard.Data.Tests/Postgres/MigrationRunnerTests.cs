using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OpsBoard.Data.Postgres;

namespace OpsBoard.Data.Tests.Postgres;

public sealed class MigrationRunnerTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    // Migrations run as the schema owner, as the app's start-up runs them.
    MigrationRunner Runner(NpgsqlDataSource? dataSource = null) => new(dataSource ?? db.OwnerDataSource, NullLogger<MigrationRunner>.Instance);

    [Fact]
    public async Task ApplyAsync_MigratedDatabase_AppliesNothingAndReportsUpToDate()
    {
        var applied = await Runner().ApplyAsync();
        var status = await Runner().StatusAsync();

        Assert.Equal(0, applied);
        Assert.True(status.UpToDate);
        Assert.Equal(MigrationRunner.Embedded.Count, status.Applied);
    }

    [Fact]
    public async Task ApplyAsync_AppliedFileChanged_RefusesWithClearError()
    {
        var changed = MigrationRunner.Embedded
            .Select(m => m.Version == 1 ? m with { Sql = m.Sql + "\n-- edited" } : m)
            .ToList();

        var error = await Assert.ThrowsAsync<MigrationException>(() => Runner().ApplyAsync(changed));

        Assert.Contains("0001_core.sql was changed after it was applied", error.Message);
    }

    [Fact]
    public async Task ApplyAsync_DatabaseNewerThanBuild_Refuses()
    {
        var older = MigrationRunner.Embedded.Where(m => m.Version != MigrationRunner.Embedded[^1].Version).ToList();

        var error = await Assert.ThrowsAsync<MigrationException>(() => Runner().ApplyAsync(older));

        Assert.Contains("newer OpsBoard", error.Message);
    }

    [Fact]
    public async Task ApplyAsync_FailingFile_RollsBackThatFileOnly()
    {
        var extra = MigrationRunner.Embedded.Concat([
            new Migration(9001, "9001_good.sql", "CREATE TABLE migration_probe_good (id int);"),
            new Migration(9002, "9002_bad.sql", "CREATE TABLE migration_probe_bad (id int);\nSELECT no_such_function();"),
        ]).ToList();

        var error = await Assert.ThrowsAsync<MigrationException>(() => Runner().ApplyAsync(extra));

        await using var connection = await db.OwnerDataSource.OpenConnectionAsync();
        Assert.Contains("9002_bad.sql failed", error.Message);
        Assert.True(await connection.ExecuteScalarAsync<bool>("SELECT to_regclass('migration_probe_good') IS NOT NULL"));
        Assert.False(await connection.ExecuteScalarAsync<bool>("SELECT to_regclass('migration_probe_bad') IS NOT NULL"));
        Assert.Equal(0, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM schema_migration WHERE version = 9002"));
        await connection.ExecuteAsync("DELETE FROM schema_migration WHERE version = 9001; DROP TABLE migration_probe_good;");
    }

    [Fact]
    public async Task ApplyAsync_TwoNodesAtOnce_ApplyEveryFileOnce()
    {
        var server = await TestCluster.ServerAsync();
        var name = $"m_{Guid.NewGuid():N}";
        await server.PrepareDatabaseAsync(name);
        await using var dataSource = NpgsqlDataSource.Create(server.OwnerConnectionString(name));

        var counts = await Task.WhenAll(Runner(dataSource).ApplyAsync(), Runner(dataSource).ApplyAsync());

        await using var connection = await dataSource.OpenConnectionAsync();
        Assert.Equal(MigrationRunner.Embedded.Count, counts.Sum());
        Assert.Equal(MigrationRunner.Embedded.Count, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM schema_migration"));
    }

    [Fact]
    public async Task ApplyAsync_AsAppRoleOnAnUpToDateDatabase_AppliesNothing()
    {
        var applied = await Runner(db.DataSource).ApplyAsync();

        Assert.Equal(0, applied);
        Assert.True((await Runner(db.DataSource).StatusAsync()).UpToDate);
    }

    [Fact]
    public async Task ApplyAsync_AsAppRoleWithAPendingFile_RefusesAndNamesTheOwnersConnection()
    {
        var extra = MigrationRunner.Embedded.Concat([new Migration(9101, "9101_probe.sql", "CREATE TABLE migration_probe_app (id int);")]).ToList();

        var error = await Assert.ThrowsAsync<MigrationException>(() => Runner(db.DataSource).ApplyAsync(extra));

        Assert.Contains("permission denied", error.Message);
        Assert.Contains("ConnectionStrings:OpsBoardMigrations", error.Message);
    }
}
