using System.Security.Cryptography;
using System.Text;
using Dapper;
using Npgsql;
using OpsBoard.Data.Audit;

namespace OpsBoard.Data.Screens;

public sealed record Device(int Id, int CenterId, string Name);

public sealed record DeviceRow(int Id, string Name, DateTime CreatedAt, string CreatedBy, DateTime? LastSeenAt, DateTime? RevokedAt);

/// <summary>
/// Tokens that let an unattended screen (wall display, hall screen) open its page without a login.
/// Only a SHA-256 of the token is stored: a leaked database does not let anyone impersonate a screen.
/// </summary>
public sealed class DeviceTokens(NpgsqlDataSource dataSource)
{
    public async Task<(Device Device, string Token)> CreateAsync(int centerId, string name, int userId, CancellationToken cancellationToken = default)
    {
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        const string sql = """
            INSERT INTO device_token (center_id, name, token_hash, created_by)
            VALUES (@centerId, @name, @hash, @userId)
            RETURNING id
            """;
        var id = await connection.ExecuteScalarAsync<int>(sql, new { centerId, name = name.Trim(), hash = Hash(token), userId }, transaction);
        await AuditLog.WriteAsync(connection, transaction, new AuditEntry("device.create", centerId, userId, SubjectKind: "device_token", SubjectId: id, Detail: new { name }));
        await transaction.CommitAsync(cancellationToken);
        return (new Device(id, centerId, name.Trim()), token);
    }

    /// <summary>The screen behind a token, or null for an unknown or revoked one.</summary>
    public async Task<Device?> ValidateAsync(string token, CancellationToken cancellationToken = default)
    {
        if (token.Length is < 16 or > 100)
        {
            return null;
        }

        const string sql = """
            SELECT id, center_id AS CenterId, name, last_seen_at AS LastSeenAt
            FROM device_token
            WHERE token_hash = @hash AND revoked_at IS NULL
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var seen = await connection.QuerySingleOrDefaultAsync<SeenDevice>(sql, new { hash = Hash(token) });
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

        return new Device(seen.Id, seen.CenterId, seen.Name);
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
            SELECT d.id, d.name, d.created_at AS CreatedAt, u.display_name AS CreatedBy, d.last_seen_at AS LastSeenAt, d.revoked_at AS RevokedAt
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
