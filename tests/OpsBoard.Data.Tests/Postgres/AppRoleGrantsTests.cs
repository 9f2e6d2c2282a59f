using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OpsBoard.Data.Audit;
using OpsBoard.Data.Postgres;

namespace OpsBoard.Data.Tests.Postgres;

/// <summary>
/// The app's role (opsboard_app) on a database made as production makes it: owned and migrated by opsboard_owner. It does
/// the app's work and nothing that would undo the append-only protections of the operation log (网络安全法 第二十一条) or
/// the emergency timeline (信访工作条例 第四十六条).
/// </summary>
public sealed class AppRoleGrantsTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task AppRole_OwnsNothing_AndIsNoSuperuser()
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();

        var (user, super, createRole, createDb) = await connection.QuerySingleAsync<(string, bool, bool, bool)>(
            "SELECT rolname, rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user");
        Assert.Equal(EmbeddedPostgres.AppUser, user);
        Assert.False(super || createRole || createDb);
        Assert.Equal(EmbeddedPostgres.OwnerRole, await connection.ExecuteScalarAsync<string>(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()"));
        Assert.Equal(0, await connection.ExecuteScalarAsync<int>("""
            SELECT (SELECT count(*) FROM pg_class WHERE relowner = 'opsboard_app'::regrole)
                 + (SELECT count(*) FROM pg_proc WHERE proowner = 'opsboard_app'::regrole)
                 + (SELECT count(*) FROM pg_namespace WHERE nspowner = 'opsboard_app'::regrole)
            """));
        Assert.False(await connection.ExecuteScalarAsync<bool>("SELECT pg_has_role('opsboard_owner', 'MEMBER')"));
    }

    [Theory]
    [InlineData("UPDATE audit_log SET action = 'test.changed'")]
    [InlineData("DELETE FROM audit_log")]
    [InlineData("TRUNCATE audit_log")]
    [InlineData("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")]
    [InlineData("ALTER TABLE audit_log DISABLE TRIGGER ALL")]
    [InlineData("DROP TRIGGER audit_log_append_only ON audit_log")]
    [InlineData("ALTER TABLE audit_log OWNER TO opsboard_app")]
    [InlineData("DROP TABLE audit_log")]
    [InlineData("CREATE OR REPLACE FUNCTION audit_log_guard() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END $$")]
    [InlineData("ALTER FUNCTION audit_purge(timestamptz) SECURITY INVOKER")]
    [InlineData("UPDATE emergency_timeline SET detail = '无事发生'")]
    [InlineData("DELETE FROM emergency_timeline")]
    [InlineData("TRUNCATE emergency_timeline CASCADE")]
    [InlineData("ALTER TABLE emergency_timeline DISABLE TRIGGER emergency_timeline_append_only")]
    [InlineData("DROP TRIGGER emergency_timeline_append_only ON emergency_timeline")]
    [InlineData("ALTER TABLE visit ADD COLUMN intruder int")]
    [InlineData("ALTER TABLE matter DROP CONSTRAINT matter_pkey CASCADE")]
    [InlineData("DROP TABLE visit CASCADE")]
    [InlineData("DROP TABLE qrtz_locks")]
    [InlineData("TRUNCATE visit CASCADE")]
    [InlineData("CREATE TABLE intruder (id int)")]
    [InlineData("INSERT INTO schema_migration (version, name, checksum) VALUES (9999, '9999_x.sql', 'x')")]
    [InlineData("DELETE FROM schema_migration")]
    [InlineData("SET session_replication_role = replica")]
    [InlineData("SET ROLE opsboard_owner")]
    [InlineData("GRANT opsboard_owner TO opsboard_app")]
    [InlineData("ALTER ROLE opsboard_app SUPERUSER")]
    [InlineData("ALTER SCHEMA public OWNER TO opsboard_app")]
    public async Task AppRole_StatementThatCouldUndoAProtection_IsRefused(string sql)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();

        var refused = await Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync(sql));

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
    }

    [Theory]
    [InlineData("GRANT UPDATE, DELETE, TRUNCATE ON audit_log TO opsboard_app", "audit_log")]
    [InlineData("GRANT ALL ON audit_log TO PUBLIC", "audit_log")]
    [InlineData("GRANT ALL ON emergency_timeline TO opsboard_app", "emergency_timeline")]
    public async Task AppRole_GrantingItselfMore_GainsNothing(string grant, string table)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();

        // PostgreSQL refuses outright or, for a role holding some privilege without grant option, warns and grants nothing.
        try
        {
            await connection.ExecuteAsync(grant);
        }
        catch (PostgresException e)
        {
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, e.SqlState);
        }

        Assert.False(await connection.ExecuteScalarAsync<bool>(
            "SELECT has_table_privilege(@table, 'UPDATE') OR has_table_privilege(@table, 'DELETE') OR has_table_privilege(@table, 'TRUNCATE')",
            new { table }));
        var update = await Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync($"UPDATE {table} SET at = at"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, update.SqlState);
    }

    [Fact]
    public async Task AppRole_OrdinaryWork_Succeeds()
    {
        var code = $"t-{Guid.NewGuid():N}"[..20];
        await using var connection = await db.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();

        var center = await connection.ExecuteScalarAsync<int>(
            "INSERT INTO center (code, name, county) VALUES (@code, '测试中心', '测试县') RETURNING id", new { code }, transaction);
        await connection.ExecuteAsync("UPDATE center SET name = '改名中心' WHERE id = @center", new { center }, transaction);
        await AuditLog.WriteAsync(connection, transaction, new AuditEntry("test.grants", CenterId: center));
        // Quartz's tables: every kind of row change its clustered store makes.
        await connection.ExecuteAsync("""
            INSERT INTO qrtz_locks (sched_name, lock_name) VALUES (@code, 'TRIGGER_ACCESS');
            SELECT lock_name FROM qrtz_locks WHERE sched_name = @code FOR UPDATE;
            UPDATE qrtz_locks SET lock_name = 'STATE_ACCESS' WHERE sched_name = @code;
            DELETE FROM qrtz_locks WHERE sched_name = @code;
            """, new { code }, transaction);
        await connection.ExecuteAsync("CREATE TEMP TABLE scratch (id int) ON COMMIT DROP", transaction: transaction);
        var purged = await connection.ExecuteScalarAsync<long>("SELECT audit_purge(now() - interval '7 months')", transaction: transaction);
        await transaction.CommitAsync();

        Assert.Equal(0, purged);
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM audit_log WHERE action = 'test.grants' AND center_id = @center", new { center }));
    }

    [Fact]
    public async Task AppRole_DeletingARowTheLogsReference_PassesTheForeignKeyCheck()
    {
        // The check runs as audit_log's and the timeline's owner and locks FOR KEY SHARE, which needs UPDATE on a column.
        var code = $"t-{Guid.NewGuid():N}"[..20];
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var center = await connection.ExecuteScalarAsync<int>(
            "INSERT INTO center (code, name, county) VALUES (@code, '测试中心', '测试县') RETURNING id", new { code });
        var user = await connection.ExecuteScalarAsync<int>(
            "INSERT INTO app_user (center_id, login, display_name, password_hash) VALUES (@center, @code, '临时', 'x') RETURNING id",
            new { center, code });

        await connection.ExecuteAsync("DELETE FROM app_user WHERE id = @user; DELETE FROM center WHERE id = @center", new { user, center });

        Assert.Equal(0, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM center WHERE id = @center", new { center }));
    }

    [Fact]
    public async Task TableMadeByALaterMigration_GetsTheAppsGrantsByDefault()
    {
        await using (var owner = await db.OwnerDataSource.OpenConnectionAsync())
        {
            await owner.ExecuteAsync("CREATE TABLE later_probe (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text)");
        }

        await using var connection = await db.DataSource.OpenConnectionAsync();
        var id = await connection.ExecuteScalarAsync<long>("INSERT INTO later_probe (note) VALUES ('a') RETURNING id");
        await connection.ExecuteAsync("UPDATE later_probe SET note = 'b' WHERE id = @id; DELETE FROM later_probe WHERE id = @id", new { id });
        var alter = await Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync("ALTER TABLE later_probe ADD COLUMN x int"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, alter.SqlState);
    }
}

/// <summary>
/// A data directory of an earlier version, where opsboard_app owned the database and every object: the start hands it
/// all to opsboard_owner, and the migrations give the app role back only its grants.
/// </summary>
public sealed class AppRoleUpgradeTests : IAsyncLifetime
{
    string database = "";
    EmbeddedPostgres server = null!;

    public async Task InitializeAsync()
    {
        DapperSetup.Configure();
        server = await TestCluster.ServerAsync();
        database = $"t_up_{Guid.NewGuid():N}";
        await using var admin = new NpgsqlConnection(server.ConnectionString("postgres"));
        await admin.OpenAsync();
        await admin.ExecuteAsync($"CREATE DATABASE {database} OWNER {EmbeddedPostgres.AppUser}");
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await TestCluster.DropDatabaseAsync(server.ConnectionString(database));
    }

    [Fact]
    public async Task PrepareDatabase_DatabaseTheAppRoleOwns_HandsEverythingToTheOwnerAndKeepsTheData()
    {
        // As the earlier versions migrated: as the app role, owning its database.
        await using (var old = NpgsqlDataSource.Create(server.AppConnectionString(database)))
        {
            await new MigrationRunner(old, NullLogger<MigrationRunner>.Instance).ApplyAsync(MigrationRunner.Embedded.Where(m => m.Version < 35).ToList());
            await using var connection = await old.OpenConnectionAsync();
            await AuditLog.WriteAsync(connection, null, new AuditEntry("test.before_upgrade"));
        }

        NpgsqlConnection.ClearAllPools();
        await server.PrepareDatabaseAsync(database);
        await server.PrepareDatabaseAsync(database);
        await using (var owner = NpgsqlDataSource.Create(server.OwnerConnectionString(database)))
        {
            Assert.Equal(MigrationRunner.Embedded.Count(m => m.Version >= 35), await new MigrationRunner(owner, NullLogger<MigrationRunner>.Instance).ApplyAsync());
        }

        await using var app = NpgsqlDataSource.Create(server.AppConnectionString(database));
        await using var connection2 = await app.OpenConnectionAsync();
        Assert.Equal(0, await connection2.ExecuteScalarAsync<int>("""
            SELECT (SELECT count(*) FROM pg_class WHERE relowner = 'opsboard_app'::regrole)
                 + (SELECT count(*) FROM pg_proc WHERE proowner = 'opsboard_app'::regrole)
                 + (SELECT count(*) FROM pg_namespace WHERE nspowner = 'opsboard_app'::regrole)
                 + (SELECT count(*) FROM pg_database WHERE datdba = 'opsboard_app'::regrole)
            """));
        Assert.Equal(1, await connection2.ExecuteScalarAsync<int>("SELECT count(*) FROM audit_log WHERE action = 'test.before_upgrade'"));
        await AuditLog.WriteAsync(connection2, null, new AuditEntry("test.after_upgrade"));
        Assert.True(await connection2.ExecuteScalarAsync<bool>("SELECT has_table_privilege('visit', 'INSERT, UPDATE, DELETE')"));
        foreach (var sql in new[]
        {
            "UPDATE audit_log SET action = 'test.changed'",
            "ALTER TABLE audit_log DISABLE TRIGGER ALL",
            "DELETE FROM emergency_timeline",
        })
        {
            var refused = await Assert.ThrowsAsync<PostgresException>(() => connection2.ExecuteAsync(sql));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
        }
    }
}
