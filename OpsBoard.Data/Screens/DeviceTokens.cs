using System.Security.Cryptography;
using System.Text;
using Dapper;
using Npgsql;
using OpsBoard.Data.Audit;

namespace OpsBoard.Data.Screens;

public sealed record Device(int Id, int CenterId, string Name, string Screen);

public sealed record DeviceRow(int Id, string Name, string Screen, DateTime CreatedAt, string CreatedBy, DateTime? LastSeenAt, DateTime? RevokedAt, DateTime? ExpiresAt);

/// <summary>
/// Tokens that let an unattended screen (wall display, hall screen) open its page without a login.
/// Only a SHA-256 of the token is stored: a leaked database does not let anyone impersonate a screen.
/// </summary>
public sealed class DeviceTokens(NpgsqlDataSource dataSource)
{
    /// <param name="screen">The one kind of screen (<see cref="ScreenKinds"/>) the token opens.</param>
    /// <param name="expiresAt">When the token stops working by itself; null for until revoked.</param>
    public async Task<(Device Device, string Token)> CreateAsync(int centerId, string name, int userId, string screen = ScreenKinds.Wall,
        DateTimeOffset? expiresAt = null, CancellationToken cancellationToken = default)
    {
        name = TextLimits.Check(name, "设备名称", TextLimits.Name);
        if (!ScreenKinds.All.Contains(screen))
        {
            throw new RefusedException("请选择屏幕类型（大屏或叫号屏）。");
        }

        if (expiresAt is { } expiry && expiry <= DateTimeOffset.UtcNow)
        {
            throw new RefusedException("有效期须晚于现在。");
        }

        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        const string sql = """
            INSERT INTO device_token (center_id, name, screen, expires_at, token_hash, created_by)
            VALUES (@centerId, @name, @screen, @expiresAt, @hash, @userId)
            RETURNING id
            """;
        var id = await connection.ExecuteScalarAsync<int>(sql, new { centerId, name, screen, expiresAt = expiresAt?.UtcDateTime, hash = Hash(token), userId }, transaction);
        await AuditLog.WriteAsync(connection, transaction, new AuditEntry("device.create", centerId, userId, SubjectKind: "device_token", SubjectId: id,
            Detail: new { name, screen, expiresAt }));
        await transaction.CommitAsync(cancellationToken);
        return (new Device(id, centerId, name, screen), token);
    }

    /// <summary>The screen behind a token, or null for an unknown, revoked or expired one, or one issued for another kind of screen.</summary>
    public async Task<Device?> ValidateAsync(string token, string screen, CancellationToken cancellationToken = default)
    {
        if (token.Length is < 16 or > 100)
        {
            return null;
        }

        const string sql = """
            SELECT id, center_id AS CenterId, name, last_seen_at AS LastSeenAt
            FROM device_token
            WHERE token_hash = @hash AND screen = @screen AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var seen = await connection.QuerySingleOrDefaultAsync<SeenDevice>(sql, new { hash = Hash(token), screen });
        if (seen is null)
        {
            return null;
        }

        // A screen validates on every fetch and connection; "last seen" is for the admin page, so a minute is precise
        // enough and a read stays a read.
        if (seen.LastSeenAt is not { } last || DateTime.UtcNow - DateTime.SpecifyKind(last, DateTimeKind.Utc) > LastSeenResolution)
        {
            await connection.ExecuteAsync("UPDATE device_token SET last_seen_at = now() WHERE id = @Id", new { seen.Id });
        }

        return new Device(seen.Id, seen.CenterId, seen.Name, screen);
    }

    public static readonly TimeSpan LastSeenResolution = TimeSpan.FromMinutes(1);

    public const string RevokedEvent = "device.revoked";

    sealed record SeenDevice(int Id, int CenterId, string Name, DateTime? LastSeenAt);

    public async Task<bool> RevokeAsync(int centerId, int id, int userId, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        const string sql = """
            UPDATE device_token
            SET revoked_at = now()
            WHERE id = @id AND center_id = @centerId AND revoked_at IS NULL
            """;
        var changed = await connection.ExecuteAsync(sql, new { id, centerId }, transaction) == 1;
        if (changed)
        {
            await AuditLog.WriteAsync(connection, transaction, new AuditEntry("device.revoke", centerId, userId, SubjectKind: "device_token", SubjectId: id));
            // Every node closes the screens still open with this token, whichever node they are connected to.
            await Live.LiveJournal.AppendAsync(connection, transaction, RevokedEvent, centerId, payload: new { deviceId = id });
        }

        await transaction.CommitAsync(cancellationToken);
        return changed;
    }

    public async Task<IReadOnlyList<DeviceRow>> ListAsync(int centerId, CancellationToken cancellationToken = default)
    {
        const string sql = """
            SELECT d.id, d.name, d.screen, d.created_at AS CreatedAt, u.display_name AS CreatedBy, d.last_seen_at AS LastSeenAt,
                   d.revoked_at AS RevokedAt, d.expires_at AS ExpiresAt
            FROM device_token d
            JOIN app_user u ON u.id = d.created_by
            WHERE d.center_id = @centerId
            ORDER BY d.revoked_at IS NOT NULL, d.name
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return [.. await connection.QueryAsync<DeviceRow>(new CommandDefinition(sql, new { centerId }, cancellationToken: cancellationToken))];
    }

    static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
}
