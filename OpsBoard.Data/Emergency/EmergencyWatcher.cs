using Dapper;
using Npgsql;

namespace OpsBoard.Data.Emergency;

public sealed record WatcherRun(int Escalated, int Late);

/// <summary>
/// Run by a clustered job: escalates responders who have not said 收到 within their kind's time, and flags 缓报 on
/// responses not reported upward within theirs. Each response is handled in its own transaction, under its row lock, so a
/// step taken at the same moment (a late 收到) either comes first and is respected, or waits.
/// </summary>
public sealed class EmergencyWatcher(NpgsqlDataSource dataSource, TimeProvider time)
{
    sealed record DueItem(long EmergencyId, int CenterId, long? ResponderId);

    public async Task<WatcherRun> RunAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        List<DueItem> escalations, lates;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        {
            escalations = [.. await connection.QueryAsync<DueItem>("""
                SELECT e.id AS EmergencyId, e.center_id AS CenterId, r.id AS ResponderId
                FROM emergency_responder r
                JOIN emergency e ON e.id = r.emergency_id
                WHERE r.acknowledged_at IS NULL AND r.arrived_at IS NULL AND r.escalated_at IS NULL AND r.ack_due_at <= @now AND e.state = 'active'
                ORDER BY r.ack_due_at
                """, new { now = now.UtcDateTime })];
            lates = [.. await connection.QueryAsync<DueItem>("""
                SELECT id AS EmergencyId, center_id AS CenterId, NULL::bigint AS ResponderId
                FROM emergency
                WHERE state = 'active' AND reported_at IS NULL AND late_at IS NULL AND report_due_at <= @now
                """, new { now = now.UtcDateTime })];
        }

        int escalated = 0, late = 0;
        foreach (var item in escalations)
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var row = await EmergencySteps.LockAsync(connection, transaction, item.CenterId, item.EmergencyId);
            var still = await connection.ExecuteScalarAsync<bool>(
                "SELECT acknowledged_at IS NULL AND arrived_at IS NULL AND escalated_at IS NULL FROM emergency_responder WHERE id = @ResponderId",
                new { item.ResponderId }, transaction);
            if (still && row.State == EmergencyState.Active)
            {
                await EmergencySteps.EscalateAsync(connection, transaction, row, item.ResponderId!.Value, now);
                escalated++;
            }

            await transaction.CommitAsync(cancellationToken);
        }

        foreach (var item in lates)
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var row = await EmergencySteps.LockAsync(connection, transaction, item.CenterId, item.EmergencyId);
            if (row.State == EmergencyState.Active && row.ReportedAt is null && row.LateAt is null)
            {
                await EmergencySteps.MarkLateAsync(connection, transaction, row, now);
                late++;
            }

            await transaction.CommitAsync(cancellationToken);
        }

        return new WatcherRun(escalated, late);
    }
}
