using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpsBoard.Data.Personal;
using OpsBoard.Data.Postgres;

namespace OpsBoard.Web.Tests.Health;

/// <summary>The embedded cluster as a fresh node makes it: passwords, not trust; the app not a superuser; secrets owner-only.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class EmbeddedAuthTests(EmbeddedAppFixture app) : IClassFixture<EmbeddedAppFixture>
{
    EmbeddedPostgres Server => app.Services.GetRequiredService<EmbeddedPostgres>();

    [Fact]
    public void Cluster_AsksEveryConnectionForAPassword_SecretsAreOwnerOnly()
    {
        var rules = File.ReadAllLines(Path.Combine(Server.DataDirectory, "pg_hba.conf"))
            .Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();

        Assert.NotEmpty(rules);
        Assert.All(rules, rule => Assert.EndsWith("scram-sha-256", rule));
        foreach (var file in new[]
        {
            Path.Combine(Server.DataDirectory, EmbeddedPostgres.SuperUserPasswordFile),
            Path.Combine(Server.DataDirectory, EmbeddedPostgres.OwnerPasswordFile),
            Path.Combine(Server.DataDirectory, EmbeddedPostgres.AppPasswordFile),
        })
        {
            Assert.True(File.Exists(file), file);
            Assert.Equal(OwnerOnlyFile.Mode, File.GetUnixFileMode(file));
        }
    }

    [Fact]
    public void PersonalDataKeyFile_MadeOrFoundReadableByOthers_IsOwnerOnly()
    {
        var folder = Path.Combine(Path.GetTempPath(), "opsboard-key-" + Guid.NewGuid().ToString("N")[..8]);
        var made = Path.Combine(folder, PersonalDataProtector.KeyFileName);
        var found = Path.Combine(folder, "old.key");
        try
        {
            PersonalDataProtector.FromKeyOrFile(null, made);
            File.WriteAllText(found, File.ReadAllText(made));
            File.SetUnixFileMode(found, OwnerOnlyFile.Mode | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            PersonalDataProtector.FromKeyOrFile(null, found);

            Assert.Equal(OwnerOnlyFile.Mode, File.GetUnixFileMode(made));
            Assert.Equal(OwnerOnlyFile.Mode, File.GetUnixFileMode(found));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Superuser_WithoutPassword_IsRefused()
    {
        var builder = new NpgsqlConnectionStringBuilder(Server.ConnectionString()) { Password = null, Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);

        var refused = await Assert.ThrowsAnyAsync<NpgsqlException>(() => connection.OpenAsync());

        Assert.True(refused is PostgresException { SqlState: "28P01" or "28000" } || refused.Message.Contains("password", StringComparison.OrdinalIgnoreCase), refused.Message);
    }

    [Fact]
    public async Task App_ConnectsAsNonSuperuserOwningNothing()
    {
        await using var connection = await app.DataSource.OpenConnectionAsync();

        var (user, super, createRole, createDb) = await connection.QuerySingleAsync<(string, bool, bool, bool)>(
            "SELECT rolname, rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user");
        Assert.Equal(EmbeddedPostgres.AppUser, user);
        Assert.False(super);
        Assert.False(createRole);
        Assert.False(createDb);
        // The schema owner migrated and seeded this fresh directory; the app's role owns nothing in it.
        Assert.Equal(0, await connection.ExecuteScalarAsync<int>("""
            SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND pg_get_userbyid(c.relowner) <> 'opsboard_owner'
            """));
        Assert.Equal(0, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM pg_class WHERE relowner = 'opsboard_app'::regrole"));
        Assert.Equal("opsboard_owner", await connection.ExecuteScalarAsync<string>(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()"));
        Assert.True(await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") > 10);
        var denied = await Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteScalarAsync<string>("SELECT rolpassword FROM pg_authid LIMIT 1"));
        Assert.Equal("42501", denied.SqlState);
        await Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync("CREATE ROLE intruder SUPERUSER"));
    }
}
