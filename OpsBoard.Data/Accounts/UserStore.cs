using Dapper;
using Microsoft.AspNetCore.Identity;
using Npgsql;
using OpsBoard.Data.Audit;

namespace OpsBoard.Data.Accounts;

public enum SignInStatus
{
    Succeeded,
    Failed,
    LockedOut,
}

public sealed record SignInResult(SignInStatus Status, AppUser? User = null, DateTimeOffset? LockedUntil = null);

/// <param name="Title">The person's post (县信访局副局长), printed beside the name on the rota, the wall and the hall.</param>
public sealed record NewUser(string Login, string DisplayName, string Password, IReadOnlyList<(string Role, int? UnitId)> Roles, string? Title = null);

/// <summary>Accounts in PostgreSQL; passwords hashed with ASP.NET Core Identity's PasswordHasher (PBKDF2).</summary>
public sealed class UserStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    public const int MaxFailedLogins = 5;
    public static readonly TimeSpan LockoutDuration = TimeSpan.FromMinutes(15);

    static readonly PasswordHasher<string> Hasher = new();

    public static string HashPassword(string password) => Hasher.HashPassword("", password);

    sealed record Credentials(int Id, string PasswordHash, int FailedLogins, DateTime? LockedUntil, bool Active);

    public async Task<SignInResult> SignInAsync(string login, string password, System.Net.IPAddress? remoteIp, CancellationToken cancellationToken = default)
    {
        login = login.Trim().ToLowerInvariant();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // FOR UPDATE: two simultaneous wrong passwords must both count.
        const string sql = """
            SELECT id, password_hash AS PasswordHash, failed_logins AS FailedLogins, locked_until AS LockedUntil, active
            FROM app_user
            WHERE login = @login
            FOR UPDATE
            """;
        var user = await connection.QuerySingleOrDefaultAsync<Credentials>(sql, new { login }, transaction);
        var now = time.GetUtcNow();
        SignInResult result;
        if (user is null || !user.Active)
        {
            // Unknown login: hash anyway so the answer takes as long as for a real account.
            Hasher.VerifyHashedPassword("", HashPassword("x"), password);
            result = new SignInResult(SignInStatus.Failed);
        }
        else if (user.LockedUntil > now.UtcDateTime)
        {
            result = new SignInResult(SignInStatus.LockedOut, LockedUntil: new DateTimeOffset(user.LockedUntil.Value, TimeSpan.Zero));
        }
        else if (Hasher.VerifyHashedPassword("", user.PasswordHash, password) == PasswordVerificationResult.Failed)
        {
            var failures = user.FailedLogins + 1;
            DateTimeOffset? lockedUntil = failures >= MaxFailedLogins ? now + LockoutDuration : null;
            const string fail = """
                UPDATE app_user
                SET failed_logins = CASE WHEN @locked THEN 0 ELSE @failures END, locked_until = @lockedUntil
                WHERE id = @id
                """;
            await connection.ExecuteAsync(fail, new { id = user.Id, failures, locked = lockedUntil is not null, lockedUntil }, transaction);
            result = lockedUntil is null
                ? new SignInResult(SignInStatus.Failed)
                : new SignInResult(SignInStatus.LockedOut, LockedUntil: lockedUntil);
        }
        else
        {
            await connection.ExecuteAsync(
                "UPDATE app_user SET failed_logins = 0, locked_until = NULL, last_login_at = @now WHERE id = @id",
                new { id = user.Id, now }, transaction);
            result = new SignInResult(SignInStatus.Succeeded, await FindAsync(connection, transaction, user.Id));
        }

        await AuditLog.WriteAsync(connection, transaction, new AuditEntry(
            Action: "account.sign_in",
            UserId: user?.Id,
            Outcome: result.Status == SignInStatus.Succeeded ? "ok" : "refused",
            Detail: new { login, status = result.Status.ToString() },
            RemoteIp: remoteIp));
        await transaction.CommitAsync(cancellationToken);
        return result;
    }

    /// <summary>The user behind a cookie, or null when the account is gone, disabled or its stamp changed.</summary>
    public async Task<AppUser?> FindAsync(int id, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await FindAsync(connection, null, id);
    }

    static async Task<AppUser?> FindAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, int id)
    {
        const string userSql = """
            SELECT id, center_id AS CenterId, login, display_name AS DisplayName, security_stamp AS SecurityStamp
            FROM app_user
            WHERE id = @id AND active
            """;
        const string rolesSql = """
            SELECT r.role, r.unit_id AS UnitId, u.name AS UnitName
            FROM user_role r
            LEFT JOIN unit u ON u.id = r.unit_id
            WHERE r.user_id = @id
            ORDER BY r.role, u.name
            """;
        var row = await connection.QuerySingleOrDefaultAsync<(int Id, int CenterId, string Login, string DisplayName, Guid SecurityStamp)>(
            userSql, new { id }, transaction);
        if (row.Id == 0)
        {
            return null;
        }

        var roles = (await connection.QueryAsync<UserRole>(rolesSql, new { id }, transaction)).ToList();
        return new AppUser(row.Id, row.CenterId, row.Login, row.DisplayName, row.SecurityStamp, roles);
    }

    public async Task<int> CreateAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, int centerId, NewUser user)
    {
        const string insertUser = """
            INSERT INTO app_user (center_id, login, display_name, password_hash, title)
            VALUES (@centerId, @Login, @DisplayName, @hash, @Title)
            RETURNING id
            """;
        var id = await connection.ExecuteScalarAsync<int>(insertUser,
            new { centerId, user.Login, user.DisplayName, hash = HashPassword(user.Password), user.Title }, transaction);
        const string insertRole = """
            INSERT INTO user_role (user_id, role, unit_id)
            VALUES (@id, @Role, @UnitId)
            """;
        foreach (var (role, unitId) in user.Roles)
        {
            await connection.ExecuteAsync(insertRole, new { id, Role = role, UnitId = unitId }, transaction);
        }

        return id;
    }
}
