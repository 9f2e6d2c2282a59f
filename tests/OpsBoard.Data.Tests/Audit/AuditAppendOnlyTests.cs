using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OpsBoard.Data.Audit;
using OpsBoard.Data.Postgres;

namespace OpsBoard.Data.Tests.Audit;

/// <summary>
/// The operation log is append-only for the app's own role (opsboard_app), on a database made and migrated the way the
/// embedded app makes it: owned and migrated by opsboard_owner. Only <c>audit_purge</c> removes rows, and never rows
/// younger than six months.
/// </summary>
public sealed class AuditAppendOnlyTests : IAsyncLifetime
{
    string database = "";
    NpgsqlDataSource app = null!;
    EmbeddedPostgres server = null!;

    public async Task InitializeAsync()
    {
        DapperSetup.Configure();
        server = await TestCluster.ServerAsync();
        database = $"t_app_{Guid.NewGuid():N}";
        await server.PrepareDatabaseAsync(database);
        await using (var owner = NpgsqlDataSource.Create(server.OwnerConnectionString(database)))
        {
            await new MigrationRunner(owner, NullLogger<MigrationRunner>.Instance).ApplyAsync();
        }

        app = NpgsqlDataSource.Create(server.AppConnectionString(database));
    }

    public async Task DisposeAsync()
    {
        await app.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await TestCluster.DropDatabaseAsync(server.ConnectionString(database));
    }

    async Task<long> InsertAsync(NpgsqlConnection connection, string age) =>
        await connection.ExecuteScalarAsync<long>(
            $"INSERT INTO audit_log (action, at) VALUES ('test.row', now() - interval '{age}') RETURNING id");

    [Fact]
    public async Task AppRole_InsertAndSelect_Work()
    {
        await using var connection = await app.OpenConnectionAsync();
        Assert.Equal(EmbeddedPostgres.AppUser, await connection.ExecuteScalarAsync<string>("SELECT current_user"));

        await AuditLog.WriteAsync(connection, null, new AuditEntry("test.insert"));

        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM audit_log WHERE action = 'test.insert'"));
    }

    [Theory]
    [InlineData("UPDATE audit_log SET action = 'test.changed'")]
    [InlineData("DELETE FROM audit_log")]
    [InlineData("TRUNCATE audit_log")]
    public async Task AppRole_UpdateDeleteTruncate_AreRefused(string sql)
    {
        await using var connection = await app.OpenConnectionAsync();
        await InsertAsync(connection, "1 day");

        var refused = await Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync(sql));

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
    }

    [Fact]
    public async Task AppRole_SettingThePurgeFlagItself_StillCannotDelete()
    {
        await using var connection = await app.OpenConnectionAsync();
        var old = await InsertAsync(connection, "2 years");
        await using var transaction = await connection.BeginTransactionAsync();
        await connection.ExecuteAsync("SELECT set_config('opsboard.audit_purge', 'on', true)", transaction: transaction);

        var refused = await Assert.ThrowsAsync<PostgresException>(() =>
            connection.ExecuteAsync("DELETE FROM audit_log WHERE id = @old", new { old }, transaction));

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
    }

    [Fact]
    public async Task Owner_EvenASuperuser_CannotUpdateOrDeleteYoungRows()
    {
        await using (var connection = await app.OpenConnectionAsync())
        {
            await InsertAsync(connection, "1 month");
        }

        // The trigger holds whoever connects: the cluster's superuser too.
        await using var superuser = new NpgsqlConnection(server.ConnectionString(database));
        await superuser.OpenAsync();
        var update = await Assert.ThrowsAsync<PostgresException>(() => superuser.ExecuteAsync("UPDATE audit_log SET outcome = 'failed'"));
        var delete = await Assert.ThrowsAsync<PostgresException>(() => superuser.ExecuteAsync("DELETE FROM audit_log"));

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, update.SqlState);
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, delete.SqlState);
        Assert.Contains("append-only", delete.MessageText);
    }

    [Fact]
    public async Task Purge_AsAppRole_RemovesOnlyRowsOlderThanTheCutoff()
    {
        await using var connection = await app.OpenConnectionAsync();
        var old = await InsertAsync(connection, "8 months");
        var young = await InsertAsync(connection, "5 months");

        var removed = await connection.ExecuteScalarAsync<long>("SELECT audit_purge(now() - interval '7 months')");

        Assert.Equal(1, removed);
        var left = (await connection.QueryAsync<long>("SELECT id FROM audit_log WHERE id = ANY(@ids)", new { ids = new[] { old, young } })).ToList();
        Assert.Equal([young], left);
        // The owner's DELETE lasted the purge's transaction only.
        await Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync("DELETE FROM audit_log WHERE id = @young", new { young }));
    }

    [Theory]
    [InlineData("now() - interval '1 month'")]
    [InlineData("now() - interval '5 months 29 days'")]
    [InlineData("now() + interval '1 day'")]
    [InlineData("NULL")]
    public async Task Purge_CutoffYoungerThanSixMonths_IsRefusedAndRemovesNothing(string cutoff)
    {
        await using var connection = await app.OpenConnectionAsync();
        var young = await InsertAsync(connection, "3 days");

        var refused = await Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteScalarAsync<long>($"SELECT audit_purge({cutoff})"));

        Assert.Equal(PostgresErrorCodes.CheckViolation, refused.SqlState);
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM audit_log WHERE id = @young", new { young }));
    }
}
