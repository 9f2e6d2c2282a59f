using System.Text.Json;
using Dapper;
using Npgsql;

namespace OpsBoard.Data.Live;

/// <summary>
/// Writes a live event into the journal and notifies listeners, inside the caller's transaction:
/// NOTIFY is delivered only on commit, so a screen never hears of a change that was rolled back.
/// </summary>
public static class LiveJournal
{
    public const string Channel = "opsboard_live";

    public static async Task<long> AppendAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction,
        string kind, int centerId, int? unitId = null, object? payload = null)
    {
        // The notification carries only the id (NOTIFY payloads are capped at 8000 bytes); listeners read the row.
        const string sql = """
            WITH e AS (
                INSERT INTO live_event (kind, center_id, unit_id, payload)
                VALUES (@kind, @centerId, @unitId, CAST(@payload AS jsonb))
                RETURNING id
            )
            SELECT id
            FROM e, pg_notify('opsboard_live', e.id::text)
            """;
        var json = JsonSerializer.Serialize(payload ?? new { });
        return await connection.ExecuteScalarAsync<long>(sql, new { kind, centerId, unitId, payload = json }, transaction);
    }
}
