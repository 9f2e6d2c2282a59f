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
/// <param name="MustChangePassword">A one-time password (first admin, an admin's reset): changed at the first sign-in.</param>
public sealed record NewUser(string Login, string DisplayName, string Password, IReadOnlyList<(string Role, int? UnitId)> Roles, string? Title = null,
    bool MustChangePassword = false);

/// <summary>Accounts in PostgreSQL; passwords hashed with ASP.NET Core Identity's PasswordHasher (PBKDF2).</summary>
public sealed class UserStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    public const int MaxFailedLogins = 5;
    public static readonly TimeSpan LockoutDuration = TimeSpan.FromMinutes(15);

    static readonly PasswordHasher<string> Hasher = new();

    // Verified against when the login is unknown or disabled, so every answer costs one PBKDF2 run (no timing oracle).
    static readonly Lazy<string> DummyHash = new(() => HashPassword(Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16))));

    public static string HashPassword(string password) => Hasher.HashPassword("", password);

    public static bool Matches(string passwordHash, string password) =>
        Hasher.VerifyHashedPassword("", passwordHash, password) != PasswordVerificationResult.Failed;

    sealed record Credentials(int Id, int CenterId, string PasswordHash, DateTime? LockedUntil, bool Active);

    /// <summary>
    /// Checks a login and password. The hash is verified with no connection held and no transaction open, so a flood of
    /// logins cannot hold rows or drain the pool; the failure count is then raised in one atomic UPDATE. Unknown,
    /// disabled and locked accounts do the same work and give the same answer to the page.
    /// </summary>
    public async Task<SignInResult> SignInAsync(string login, string password, System.Net.IPAddress? remoteIp, CancellationToken cancellationToken = default)
    {
        login = login.Trim().ToLowerInvariant();
        Credentials? user;
        await using (var read = await dataSource.OpenConnectionAsync(cancellationToken))
        {
            const string sql = """
                SELECT id, center_id AS CenterId, password_hash AS PasswordHash, locked_until AS LockedUntil, active
                FROM app_user
                WHERE login = @login
                """;
            user = await read.QuerySingleOrDefaultAsync<Credentials>(sql, new { login });
        }

        var verified = Matches(user?.PasswordHash ?? DummyHash.Value, password);
        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        SignInResult result;
        if (user is null || !user.Active)
        {
            result = new SignInResult(SignInStatus.Failed);
        }
        else if (user.LockedUntil > now.UtcDateTime)
        {
            result = new SignInResult(SignInStatus.LockedOut, LockedUntil: new DateTimeOffset(user.LockedUntil.Value, TimeSpan.Zero));
        }
        else if (!verified)
        {
            var lockedUntil = await CountFailureAsync(connection, transaction, user.Id, now);
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
            CenterId: user?.CenterId,
            UserId: user?.Id,
            Outcome: result.Status == SignInStatus.Succeeded ? "ok" : "refused",
            Detail: new { login, status = result.Status.ToString() },
            RemoteIp: remoteIp));
        await transaction.CommitAsync(cancellationToken);
        return result;
    }

    /// <summary>One more failure (a wrong password or a wrong second-factor code); the fifth locks. Returns the lock's end.</summary>
    static async Task<DateTimeOffset?> CountFailureAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int id, DateTimeOffset now)
    {
        // Atomic: two simultaneous wrong passwords both count without a row lock held across the hash.
        const string fail = """
            UPDATE app_user
            SET failed_logins = CASE WHEN failed_logins + 1 >= @max THEN 0 ELSE failed_logins + 1 END,
                locked_until = CASE WHEN failed_logins + 1 >= @max THEN @lockedUntil ELSE locked_until END
            WHERE id = @id
            RETURNING locked_until
            """;
        var lockedUntil = now + LockoutDuration;
        var until = await connection.ExecuteScalarAsync<DateTime?>(fail, new { id, max = MaxFailedLogins, lockedUntil }, transaction);
        return until is { } u && u > now.UtcDateTime ? new DateTimeOffset(u, TimeSpan.Zero) : null;
    }

    /// <summary>A wrong second-factor code counts like a wrong password, so the code cannot be guessed either.</summary>
    public async Task<DateTimeOffset?> CountFailureAsync(int userId, System.Net.IPAddress? remoteIp, string action, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var lockedUntil = await CountFailureAsync(connection, transaction, userId, time.GetUtcNow());
        await AuditLog.WriteAsync(connection, transaction, new AuditEntry(action, UserId: userId, Outcome: "refused", RemoteIp: remoteIp));
        await transaction.CommitAsync(cancellationToken);
        return lockedUntil;
    }

    /// <summary>Whether the account is locked now (a second factor is refused while it is).</summary>
    public async Task<bool> IsLockedAsync(int userId, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var until = await connection.ExecuteScalarAsync<DateTime?>("SELECT locked_until FROM app_user WHERE id = @userId", new { userId });
        return until > time.GetUtcNow().UtcDateTime;
    }

    /// <summary>
    /// The person's own change: the current password typed again, the new one checked by <see cref="PasswordPolicy"/>.
    /// Clears a forced change, rotates the security stamp (every other session of the account ends) and is audited.
    /// Returns the new stamp, for the session that made the change to stay signed in.
    /// </summary>
    public async Task<Guid> ChangePasswordAsync(int userId, string currentPassword, string newPassword, System.Net.IPAddress? remoteIp, CancellationToken cancellationToken = default)
    {
        string hash, login;
        int centerId;
        await using (var read = await dataSource.OpenConnectionAsync(cancellationToken))
        {
            (hash, login, centerId) = await read.QuerySingleAsync<(string, string, int)>(
                "SELECT password_hash, login, center_id FROM app_user WHERE id = @userId", new { userId });
        }

        if (!Matches(hash, currentPassword ?? ""))
        {
            await CountFailureAsync(userId, remoteIp, "account.password_change");
            throw new RefusedException("当前密码不正确。");
        }

        if (PasswordPolicy.Problem(newPassword, login) is { } problem)
        {
            throw new RefusedException(problem);
        }

        if (newPassword == currentPassword)
        {
            throw new RefusedException("新密码不能与当前密码相同。");
        }

        var newHash = HashPassword(newPassword);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var stamp = await connection.ExecuteScalarAsync<Guid>("""
            UPDATE app_user
            SET password_hash = @newHash, must_change_password = false, password_changed_at = @now,
                security_stamp = gen_random_uuid(), failed_logins = 0
            WHERE id = @userId
            RETURNING security_stamp
            """, new { userId, newHash, now = time.GetUtcNow() }, transaction);
        await AuditLog.WriteAsync(connection, transaction, new AuditEntry("account.password_changed", centerId, userId,
            SubjectKind: "app_user", SubjectId: userId, RemoteIp: remoteIp));
        await transaction.CommitAsync(cancellationToken);
        return stamp;
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
            SELECT id, center_id AS CenterId, login, display_name AS DisplayName, security_stamp AS SecurityStamp,
                must_change_password AS MustChangePassword, totp_enabled_at IS NOT NULL AS TwoFactorEnabled
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
        var row = await connection.QuerySingleOrDefaultAsync<(int Id, int CenterId, string Login, string DisplayName, Guid SecurityStamp, bool MustChangePassword, bool TwoFactorEnabled)>(
            userSql, new { id }, transaction);
        if (row.Id == 0)
        {
            return null;
        }

        var roles = (await connection.QueryAsync<UserRole>(rolesSql, new { id }, transaction)).ToList();
        return new AppUser(row.Id, row.CenterId, row.Login, row.DisplayName, row.SecurityStamp, roles)
        {
            MustChangePassword = row.MustChangePassword,
            TwoFactorEnabled = row.TwoFactorEnabled,
        };
    }

    public async Task<int> CreateAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, int centerId, NewUser user)
    {
        const string insertUser = """
            INSERT INTO app_user (center_id, login, display_name, password_hash, title, must_change_password)
            VALUES (@centerId, @Login, @DisplayName, @hash, @Title, @MustChangePassword)
            RETURNING id
            """;
        var id = await connection.ExecuteScalarAsync<int>(insertUser,
            new { centerId, user.Login, user.DisplayName, hash = HashPassword(user.Password), user.Title, user.MustChangePassword }, transaction);
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
