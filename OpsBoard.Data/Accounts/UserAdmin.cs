using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Dapper;
using Npgsql;
using OpsBoard.Data.Audit;

namespace OpsBoard.Data.Accounts;

public sealed record UserRow(int Id, string Login, string DisplayName, bool Active, bool TwoFactor, bool MustChangePassword, DateTime? LastLoginAt, string[] RoleLabels);

public sealed record UserPage(IReadOnlyList<UserRow> Rows, int Total, int Page, int PageSize)
{
    public int Pages => Math.Max(1, (Total + PageSize - 1) / PageSize);
}

public sealed record UserDetail(UserRow User, IReadOnlyList<UserRole> Roles);

public sealed record UnitChoice(int Id, string Name);

/// <summary>
/// <c>/admin/users</c>: the admin creates accounts, disables and enables them, grants and withdraws roles (a unit role
/// with its unit), and resets a password (to a one-time password changed at the next sign-in) or the second factor.
/// Every change rotates the account's security stamp, ends its sessions and is audited (<c>user.*</c>).
/// </summary>
public sealed partial class UserAdmin(NpgsqlDataSource dataSource, TimeProvider time, SessionStore? sessions = null)
{
    public const int PageSize = 25;

    [GeneratedRegex("^[a-z0-9_.-]{3,40}$")]
    private static partial Regex LoginPattern();

    public async Task<UserPage> ListAsync(Actor actor, string? search, int page, CancellationToken cancellationToken = default)
    {
        await RequireAsync(actor, null);
        var q = string.IsNullOrWhiteSpace(search) ? null : search.Trim();
        var pattern = q is null ? null : "%" + q.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("%", @"\%", StringComparison.Ordinal).Replace("_", @"\_", StringComparison.Ordinal) + "%";
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        const string where = """
            WHERE u.center_id = @CenterId AND (@pattern::text IS NULL OR u.login ILIKE @pattern OR u.display_name ILIKE @pattern)
            """;
        var total = await connection.ExecuteScalarAsync<int>($"SELECT count(*) FROM app_user u {where}", new { actor.CenterId, pattern });
        var pageCount = Math.Max(1, (total + PageSize - 1) / PageSize);
        page = Math.Clamp(page, 1, pageCount);
        var sql = $"""
            SELECT u.id, u.login, u.display_name AS DisplayName, u.active, u.totp_enabled_at IS NOT NULL AS TwoFactor,
                u.must_change_password AS MustChangePassword, u.last_login_at AS LastLoginAt,
                array_to_string(ARRAY(SELECT r.role || COALESCE(':' || n.name, '') FROM user_role r LEFT JOIN unit n ON n.id = r.unit_id
                      WHERE r.user_id = u.id ORDER BY r.role, n.name), '|') AS RoleList
            FROM app_user u
            {where}
            ORDER BY u.login
            LIMIT @PageSize OFFSET @offset
            """;
        var rows = await connection.QueryAsync<ListRow>(sql, new { actor.CenterId, pattern, PageSize, offset = (page - 1) * PageSize });
        return new UserPage([.. rows.Select(Labelled)], total, page, PageSize);
    }

    sealed record ListRow(int Id, string Login, string DisplayName, bool Active, bool TwoFactor, bool MustChangePassword, DateTime? LastLoginAt, string RoleList);

    /// <summary>"中心主任", "责任单位经办人（城东街道）" from the stored "role:unit".</summary>
    static UserRow Labelled(ListRow row) => new(row.Id, row.Login, row.DisplayName, row.Active, row.TwoFactor, row.MustChangePassword, row.LastLoginAt,
        [.. row.RoleList.Split('|', StringSplitOptions.RemoveEmptyEntries)
            .Select(r => r.Split(':', 2) is [var role, var unit] ? $"{Roles.DisplayName(role)}（{unit}）" : Roles.DisplayName(r))]);

    public async Task<UserDetail?> GetAsync(Actor actor, int id, CancellationToken cancellationToken = default)
    {
        await RequireAsync(actor, id);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var found = await connection.QuerySingleOrDefaultAsync<ListRow>("""
            SELECT u.id, u.login, u.display_name AS DisplayName, u.active, u.totp_enabled_at IS NOT NULL AS TwoFactor,
                u.must_change_password AS MustChangePassword, u.last_login_at AS LastLoginAt, '' AS RoleList
            FROM app_user u
            WHERE u.id = @id AND u.center_id = @CenterId
            """, new { id, actor.CenterId });
        if (found is null)
        {
            return null;
        }

        var row = Labelled(found);

        var roles = await connection.QueryAsync<UserRole>("""
            SELECT r.role, r.unit_id AS UnitId, n.name AS UnitName
            FROM user_role r
            LEFT JOIN unit n ON n.id = r.unit_id
            WHERE r.user_id = @id
            ORDER BY r.role, n.name
            """, new { id });
        return new UserDetail(row, [.. roles]);
    }

    public async Task<IReadOnlyList<UnitChoice>> UnitsAsync(int centerId)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        return [.. await connection.QueryAsync<UnitChoice>(
            "SELECT id, name FROM unit WHERE center_id = @centerId AND active ORDER BY kind, name", new { centerId })];
    }

    /// <summary>Creates the account with one role; returns its id and the one-time password to hand over.</summary>
    public async Task<(int Id, string OneTimePassword)> CreateAsync(Actor actor, string? login, string? displayName, string? role, int? unitId, IPAddress? remoteIp)
    {
        await RequireAsync(actor, null);
        var cleanLogin = (login ?? "").Trim().ToLowerInvariant();
        if (!LoginPattern().IsMatch(cleanLogin))
        {
            throw new RefusedException("用户名为 3 至 40 位小写字母、数字或 . _ -。");
        }

        var name = (displayName ?? "").Trim();
        if (name.Length is 0 or > 40)
        {
            throw new RefusedException("请填写姓名（不超过 40 个字）。");
        }

        await using var connection = await dataSource.OpenConnectionAsync();
        await CheckRoleAsync(connection, actor, role, unitId);
        if (await connection.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM app_user WHERE login = @cleanLogin)", new { cleanLogin }))
        {
            throw new RefusedException($"用户名 {cleanLogin} 已被使用。");
        }

        var password = OneTimePassword();
        var hash = UserStore.HashPassword(password);
        await using var transaction = await connection.BeginTransactionAsync();
        var id = await connection.ExecuteScalarAsync<int>("""
            INSERT INTO app_user (center_id, login, display_name, password_hash, must_change_password)
            VALUES (@CenterId, @cleanLogin, @name, @hash, true)
            RETURNING id
            """, new { actor.CenterId, cleanLogin, name, hash }, transaction);
        await connection.ExecuteAsync("INSERT INTO user_role (user_id, role, unit_id) VALUES (@id, @role, @unitId)",
            new { id, role, unitId = Roles.IsUnitScoped(role!) ? unitId : null }, transaction);
        await AuditLog.WriteAsync(connection, transaction, new AuditEntry("user.created", actor.CenterId, actor.UserId,
            SubjectKind: "app_user", SubjectId: id, RemoteIp: remoteIp, Detail: new { login = cleanLogin, role, unitId }));
        await transaction.CommitAsync();
        return (id, password);
    }

    public Task SetActiveAsync(Actor actor, int id, bool active, IPAddress? remoteIp) =>
        ChangeAsync(actor, id, active ? "user.enabled" : "user.disabled", remoteIp, new { active }, async (connection, transaction) =>
        {
            if (!active && id == actor.UserId)
            {
                throw new RefusedException("不能停用自己的账号。");
            }

            await connection.ExecuteAsync("UPDATE app_user SET active = @active, failed_logins = 0, locked_until = NULL WHERE id = @id", new { id, active }, transaction);
            await RequireAnAdminAsync(connection, transaction);
        });

    public Task AddRoleAsync(Actor actor, int id, string? role, int? unitId, IPAddress? remoteIp) =>
        ChangeAsync(actor, id, "user.role_granted", remoteIp, new { role, unitId }, async (connection, transaction) =>
        {
            await CheckRoleAsync(connection, actor, role, unitId);
            var added = await connection.ExecuteAsync("""
                INSERT INTO user_role (user_id, role, unit_id)
                VALUES (@id, @role, @unitId)
                ON CONFLICT DO NOTHING
                """, new { id, role, unitId = Roles.IsUnitScoped(role!) ? unitId : null }, transaction);
            if (added == 0)
            {
                throw new RefusedException("该账号已有此角色。");
            }
        });

    public Task RemoveRoleAsync(Actor actor, int id, string? role, int? unitId, IPAddress? remoteIp) =>
        ChangeAsync(actor, id, "user.role_withdrawn", remoteIp, new { role, unitId }, async (connection, transaction) =>
        {
            if (id == actor.UserId && role == Roles.Admin)
            {
                throw new RefusedException("不能撤销自己的系统管理员角色。");
            }

            var removed = await connection.ExecuteAsync(
                "DELETE FROM user_role WHERE user_id = @id AND role = @role AND unit_id IS NOT DISTINCT FROM @unitId",
                new { id, role, unitId }, transaction);
            if (removed == 0)
            {
                throw new RefusedException("该账号没有此角色。");
            }

            await RequireAnAdminAsync(connection, transaction);
        });

    /// <summary>A new one-time password, to be changed at the next sign-in; returned to be handed over once.</summary>
    public async Task<string> ResetPasswordAsync(Actor actor, int id, IPAddress? remoteIp)
    {
        var password = OneTimePassword();
        var hash = UserStore.HashPassword(password);
        await ChangeAsync(actor, id, "user.password_reset", remoteIp, null, (connection, transaction) => connection.ExecuteAsync("""
            UPDATE app_user
            SET password_hash = @hash, must_change_password = true, password_changed_at = @now, failed_logins = 0, locked_until = NULL
            WHERE id = @id
            """, new { id, hash, now = time.GetUtcNow() }, transaction));
        return password;
    }

    public Task ResetTwoFactorAsync(Actor actor, int id, IPAddress? remoteIp) =>
        ChangeAsync(actor, id, "user.two_factor_reset", remoteIp, null, (connection, transaction) => TwoFactor.ResetAsync(connection, transaction, id));

    /// <summary>One change to an account: the change, a new security stamp, its sessions ended, the audit row — one transaction.</summary>
    async Task ChangeAsync(Actor actor, int id, string action, IPAddress? remoteIp, object? detail, Func<NpgsqlConnection, NpgsqlTransaction, Task> change)
    {
        await RequireAsync(actor, id);
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var found = await connection.ExecuteScalarAsync<int?>(
            "SELECT id FROM app_user WHERE id = @id AND center_id = @CenterId FOR UPDATE", new { id, actor.CenterId }, transaction);
        if (found is null)
        {
            throw new RefusedException("没有这个账号。");
        }

        await change(connection, transaction);
        await connection.ExecuteAsync("UPDATE app_user SET security_stamp = gen_random_uuid() WHERE id = @id", new { id }, transaction);
        await SessionStore.EndAllAsync(connection, transaction, id, actor.CenterId, time.GetUtcNow());
        await AuditLog.WriteAsync(connection, transaction, new AuditEntry(action, actor.CenterId, actor.UserId,
            SubjectKind: "app_user", SubjectId: id, RemoteIp: remoteIp, Detail: detail));
        await transaction.CommitAsync();
        // This node at once; the others when the live event of the ended sessions reaches them.
        sessions?.ForgetUser(id);
    }

    Task RequireAsync(Actor actor, long? userId) =>
        PermissionGuard.RequireAsync(dataSource, actor, Permission.ManageUsers, null, "app_user", userId, "账号");

    static async Task CheckRoleAsync(NpgsqlConnection connection, Actor actor, string? role, int? unitId)
    {
        if (role is null || !Roles.All.Contains(role))
        {
            throw new RefusedException("请选择角色。");
        }

        if (Roles.IsUnitScoped(role))
        {
            if (unitId is null || !await connection.ExecuteScalarAsync<bool>(
                    "SELECT EXISTS (SELECT 1 FROM unit WHERE id = @unitId AND center_id = @CenterId AND active)", new { unitId, actor.CenterId }))
            {
                throw new RefusedException($"“{Roles.DisplayName(role)}”须选择所属责任单位。");
            }
        }
    }

    /// <summary>The center keeps an active admin: nobody could manage accounts or settings otherwise.</summary>
    static async Task RequireAnAdminAsync(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        var admins = await connection.ExecuteScalarAsync<int>("""
            SELECT count(*)
            FROM app_user u
            JOIN user_role r ON r.user_id = u.id AND r.role = 'admin'
            WHERE u.active
            """, transaction: transaction);
        if (admins == 0)
        {
            throw new RefusedException("至少要保留一个启用的系统管理员账号。");
        }
    }

    const string PasswordAlphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";

    /// <summary>Fifteen characters from an alphabet without look-alikes (0/O, 1/l/I), in three groups: 85 bits.</summary>
    public static string OneTimePassword()
    {
        var chars = Enumerable.Range(0, 15).Select(_ => PasswordAlphabet[RandomNumberGenerator.GetInt32(PasswordAlphabet.Length)]).ToArray();
        return $"{new string(chars, 0, 5)}-{new string(chars, 5, 5)}-{new string(chars, 10, 5)}";
    }
}
