using System.Text.Json;
using Dapper;
using Npgsql;

namespace OpsBoard.Data.Notifications;

/// <summary>
/// Notifications to staff (SMS or 政务微信 through the county's gateway) are written here in the transaction of the step
/// that causes them, so a rolled-back step sends nothing and a committed one is never forgotten; <see cref="OutboxSender"/>
/// delivers them.
/// </summary>
public static class NotificationOutbox
{
    public static Task EnqueueAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, int centerId, string kind, int? userId, string? phone,
        object payload, DateTimeOffset at) =>
        connection.ExecuteAsync("""
            INSERT INTO notification_outbox (center_id, kind, user_id, phone, payload, created_at, next_attempt_at)
            VALUES (@centerId, @kind, @userId, @phone, CAST(@payload AS jsonb), @at, @at)
            """, new { centerId, kind, userId, phone, payload = JsonSerializer.Serialize(payload), at = at.UtcDateTime }, transaction);
}
