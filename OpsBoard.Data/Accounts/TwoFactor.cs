using System.Net;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.AspNetCore.DataProtection;
using Npgsql;
using OpsBoard.Data.Audit;

namespace OpsBoard.Data.Accounts;

/// <summary>
/// Two-factor sign-in with an authenticator app (<see cref="Totp"/>), and ten one-use recovery codes for a lost phone.
/// The secret is stored protected by the app's data-protection key ring; recovery codes only as SHA-256.
/// </summary>
public sealed class TwoFactor(NpgsqlDataSource dataSource, TimeProvider time, IDataProtectionProvider protection)
{
    public const string Issuer = "OpsBoard";
    public const int RecoveryCodeCount = 10;

    readonly IDataProtector protector = protection.CreateProtector("OpsBoard.Accounts.Totp.v1");

    /// <summary>A new secret for the account, kept pending until a code from it is confirmed. Enabled accounts keep theirs.</summary>
    public async Task<byte[]> BeginEnrolmentAsync(int userId, CancellationToken cancellationToken = default)
    {
        var secret = Totp.NewSecret();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var updated = await connection.ExecuteAsync(
            "UPDATE app_user SET totp_secret = @sealed, totp_last_step = NULL WHERE id = @userId AND totp_enabled_at IS NULL",
            new { userId, @sealed = protector.Protect(Totp.Base32(secret)) });
        return updated == 1 ? secret : throw new RefusedException("该账号已启用两步验证。");
    }

    /// <summary>The pending secret of an enrolment begun and not confirmed, or null.</summary>
    public async Task<byte[]?> PendingSecretAsync(int userId, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var sealedSecret = await connection.ExecuteScalarAsync<string?>(
            "SELECT totp_secret FROM app_user WHERE id = @userId AND totp_enabled_at IS NULL", new { userId });
        return sealedSecret is null ? null : Totp.FromBase32(protector.Unprotect(sealedSecret));
    }

    /// <summary>
    /// Confirms the enrolment with a code from the app. Returns the recovery codes, shown to the person once; null when
    /// the code is wrong.
    /// </summary>
    public async Task<IReadOnlyList<string>?> ConfirmAsync(int userId, string? code, IPAddress? remoteIp, CancellationToken cancellationToken = default)
    {
        var secret = await PendingSecretAsync(userId, cancellationToken) ?? throw new RefusedException("请先生成密钥，再输入验证码。");
        var step = Totp.Verify(secret, code, time.GetUtcNow(), null);
        if (step is null)
        {
            return null;
        }

        var codes = Enumerable.Range(0, RecoveryCodeCount).Select(_ => NewRecoveryCode()).ToList();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var centerId = await connection.ExecuteScalarAsync<int>("""
            UPDATE app_user
            SET totp_enabled_at = @now, totp_last_step = @step
            WHERE id = @userId
            RETURNING center_id
            """, new { userId, step, now = time.GetUtcNow() }, transaction);
        await connection.ExecuteAsync("DELETE FROM user_recovery_code WHERE user_id = @userId", new { userId }, transaction);
        foreach (var recovery in codes)
        {
            await connection.ExecuteAsync("INSERT INTO user_recovery_code (user_id, code_hash) VALUES (@userId, @hash)",
                new { userId, hash = HashRecoveryCode(recovery) }, transaction);
        }

        await AuditLog.WriteAsync(connection, transaction, new AuditEntry("account.two_factor_enabled", centerId, userId,
            SubjectKind: "app_user", SubjectId: userId, RemoteIp: remoteIp));
        await transaction.CommitAsync(cancellationToken);
        return codes;
    }

    /// <summary>
    /// The second step of a sign-in: a current code from the app (each accepted once) or an unused recovery code.
    /// </summary>
    public async Task<bool> VerifyAsync(int userId, string? code, IPAddress? remoteIp, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // FOR UPDATE: the same code sent twice at once must be accepted once.
        var row = await connection.QuerySingleOrDefaultAsync<(string? Secret, long? LastStep, int CenterId)>("""
            SELECT totp_secret, totp_last_step, center_id
            FROM app_user
            WHERE id = @userId AND totp_enabled_at IS NOT NULL
            FOR UPDATE
            """, new { userId }, transaction);
        if (row.Secret is null)
        {
            return false;
        }

        var typed = (code ?? "").Trim();
        var step = Totp.Verify(Totp.FromBase32(protector.Unprotect(row.Secret)), typed, time.GetUtcNow(), row.LastStep);
        var how = "totp";
        if (step is not null)
        {
            await connection.ExecuteAsync("UPDATE app_user SET totp_last_step = @step WHERE id = @userId", new { userId, step }, transaction);
        }
        else
        {
            how = "recovery_code";
            var used = await connection.ExecuteAsync("""
                UPDATE user_recovery_code
                SET used_at = @now
                WHERE user_id = @userId AND code_hash = @hash AND used_at IS NULL
                """, new { userId, hash = HashRecoveryCode(typed), now = time.GetUtcNow() }, transaction);
            if (used == 0)
            {
                return false;
            }
        }

        await AuditLog.WriteAsync(connection, transaction, new AuditEntry("account.two_factor", row.CenterId, userId,
            SubjectKind: "app_user", SubjectId: userId, RemoteIp: remoteIp, Detail: new { how }));
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    public async Task<int> RecoveryCodesLeftAsync(int userId)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM user_recovery_code WHERE user_id = @userId AND used_at IS NULL", new { userId });
    }

    /// <summary>An admin's reset (a lost phone and no codes left): the account enrols again at its next sign-in.</summary>
    public static async Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int userId)
    {
        await connection.ExecuteAsync(
            "UPDATE app_user SET totp_secret = NULL, totp_enabled_at = NULL, totp_last_step = NULL WHERE id = @userId", new { userId }, transaction);
        await connection.ExecuteAsync("DELETE FROM user_recovery_code WHERE user_id = @userId", new { userId }, transaction);
    }

    const string CodeAlphabet = "abcdefghjkmnpqrstuvwxyz23456789";

    static string NewRecoveryCode()
    {
        var chars = Enumerable.Range(0, 10).Select(_ => CodeAlphabet[RandomNumberGenerator.GetInt32(CodeAlphabet.Length)]).ToArray();
        return $"{new string(chars, 0, 5)}-{new string(chars, 5, 5)}";
    }

    static byte[] HashRecoveryCode(string code) =>
        SHA256.HashData(Encoding.UTF8.GetBytes(code.Trim().ToLowerInvariant().Replace(" ", "", StringComparison.Ordinal)));
}
