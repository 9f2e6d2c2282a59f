using System.Net;
using System.Text.Json;
using Dapper;
using Npgsql;

namespace OpsBoard.Data.Audit;

public sealed record AuditEntry(
    string Action,
    int? CenterId = null,
    int? UserId = null,
    string? Device = null,
    string? SubjectKind = null,
    long? SubjectId = null,
    int? UnitId = null,
    string Outcome = "ok",
    object? Detail = null,
    IPAddress? RemoteIp = null);

/// <summary>The operation log: who did what to which record, including refusals.</summary>
public static class AuditLog
{
    public static Task WriteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, AuditEntry entry)
    {
        const string sql = """
            INSERT INTO audit_log (center_id, user_id, device, action, subject_kind, subject_id, unit_id, outcome, detail, remote_ip)
            VALUES (@CenterId, @UserId, @Device, @Action, @SubjectKind, @SubjectId, @UnitId, @Outcome, CAST(@Detail AS jsonb), @RemoteIp)
            """;
        return connection.ExecuteAsync(sql, new
        {
            entry.CenterId,
            entry.UserId,
            entry.Device,
            entry.Action,
            entry.SubjectKind,
            entry.SubjectId,
            entry.UnitId,
            entry.Outcome,
            Detail = JsonSerializer.Serialize(entry.Detail ?? new { }),
            entry.RemoteIp,
        }, transaction);
    }

    public static async Task WriteAsync(NpgsqlDataSource dataSource, AuditEntry entry)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await WriteAsync(connection, null, entry);
    }
}
