using Dapper;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using OpsBoard.Data.Audit;
using OpsBoard.Data.Demo;

namespace OpsBoard.Data.Accounts;

/// <summary>An account set-up the app must not run with; the operator sees its message as one line.</summary>
public sealed class AccountSetupException(string message) : Exception(message);

/// <summary>
/// Accounts at start-up. In demo mode the demo accounts (one published password) are the point, and the log says so.
/// Outside demo mode: the first start creates one admin with a one-time password, printed once to the log and changed
/// at the first sign-in; and the app refuses to start while an active account still has the demo password.
/// </summary>
public sealed class AccountBootstrap(NpgsqlDataSource dataSource, IOptions<OpsBoardOptions> options, ILogger<AccountBootstrap> logger)
{
    public const string FirstAdminLogin = "admin";

    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        if (options.Value.SeedDemo)
        {
            logger.LogWarning(
                "DEMO MODE: the demo accounts all share the published password {Password}; never enter real petitioners' data. " +
                "Set OpsBoard:SeedDemo=false (with a new database) for a real deployment.", DemoSeeder.DemoPassword);
            return;
        }

        await CreateFirstAdminAsync(cancellationToken);
        await RefuseDemoPasswordsAsync(cancellationToken);
    }

    /// <summary>On a database without accounts: the center (if none) and one admin who must change the password.</summary>
    public async Task<string?> CreateFirstAdminAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Two nodes starting on one new database: one creates the admin, the other sees it.
        await connection.ExecuteAsync("SELECT pg_advisory_xact_lock(@key)", new { key = 0x4F707341646D696EL }, transaction);
        if (await connection.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM app_user)", transaction: transaction))
        {
            return null;
        }

        var centerId = await connection.ExecuteScalarAsync<int?>("SELECT min(id) FROM center", transaction: transaction)
            ?? await connection.ExecuteScalarAsync<int>("""
                INSERT INTO center (code, name, county)
                VALUES ('center', @CenterName, @County)
                RETURNING id
                """, new { options.Value.CenterName, options.Value.County }, transaction);
        var password = UserAdmin.OneTimePassword();
        var id = await connection.ExecuteScalarAsync<int>("""
            INSERT INTO app_user (center_id, login, display_name, password_hash, must_change_password)
            VALUES (@centerId, @FirstAdminLogin, '系统管理员', @hash, true)
            RETURNING id
            """, new { centerId, FirstAdminLogin, hash = UserStore.HashPassword(password) }, transaction);
        await connection.ExecuteAsync("INSERT INTO user_role (user_id, role) VALUES (@id, 'admin')", new { id }, transaction);
        await AuditLog.WriteAsync(connection, transaction, new AuditEntry("user.first_admin_created", centerId, SubjectKind: "app_user", SubjectId: id));
        await transaction.CommitAsync(cancellationToken);
        // The one and only time this password exists in clear: it is not stored, and a lost one is reset by database.
        logger.LogWarning(
            "First start: created the account {Login} with the one-time password {Password} — sign in with it now; " +
            "you must choose a new password and set up two-factor sign-in. It is not shown again.", FirstAdminLogin, password);
        return password;
    }

    /// <summary>Outside demo mode no active account may still open with the published demo password.</summary>
    public async Task RefuseDemoPasswordsAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var accounts = (await connection.QueryAsync<(string Login, string Hash)>(
            "SELECT login, password_hash FROM app_user WHERE active ORDER BY login")).ToList();
        var demo = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.ForEach(accounts, a =>
        {
            if (UserStore.Matches(a.Hash, DemoSeeder.DemoPassword))
            {
                demo.Add(a.Login);
            }
        });
        if (!demo.IsEmpty)
        {
            throw new AccountSetupException(
                $"{demo.Count} active account(s) still have the published demo password ({string.Join(", ", demo.Order().Take(10))}{(demo.Count > 10 ? ", …" : "")}); " +
                "outside demo mode that would let anyone in. Use a new database for a real deployment, or run with OpsBoard:SeedDemo=true " +
                "and change or disable these accounts at /admin/users first");
        }
    }
}
