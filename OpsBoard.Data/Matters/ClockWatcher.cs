using Dapper;
using Npgsql;
using OpsBoard.Data.Live;

namespace OpsBoard.Data.Matters;

public sealed record WatchResult(int Approaching, int Overdue);

/// <summary>
/// Marks running clocks approaching (75 % of the time used, or their last day begun) and overdue (past the due
/// moment). Each clock enters each state once: the update only touches clocks not yet in that state, so a second run,
/// or a second node, finds nothing to do. Paused clocks wait.
/// </summary>
public sealed class ClockWatcher(NpgsqlDataSource dataSource, TimeProvider time)
{
    public async Task<WatchResult> RunAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        const string overdueSql = """
            UPDATE matter_clock k
            SET alert_state = 'overdue', overdue_at = @now
            FROM matter m
            WHERE m.id = k.matter_id AND k.stopped_at IS NULL AND k.alert_state <> 'overdue' AND k.due_at < @now
              AND NOT EXISTS (SELECT 1 FROM clock_pause p WHERE p.clock_id = k.id AND p.resumed_at IS NULL)
            RETURNING k.id, m.center_id AS CenterId, m.responsible_unit_id AS UnitId, m.code
            """;
        // The last day begins at 00:00 Beijing of the due day (due moments are 23:59:59 of that day).
        const string approachingSql = """
            UPDATE matter_clock k
            SET alert_state = 'approaching', approaching_at = @now
            FROM matter m
            WHERE m.id = k.matter_id AND k.stopped_at IS NULL AND k.alert_state = 'running'
              AND @now >= least(k.started_at + (k.due_at - k.started_at) * 0.75,
                                date_trunc('day', k.due_at AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'Asia/Shanghai')
              AND NOT EXISTS (SELECT 1 FROM clock_pause p WHERE p.clock_id = k.id AND p.resumed_at IS NULL)
            RETURNING k.id, m.center_id AS CenterId, m.responsible_unit_id AS UnitId, m.code
            """;
        var overdue = (await connection.QueryAsync<Changed>(overdueSql, new { now }, transaction)).ToList();
        var approaching = (await connection.QueryAsync<Changed>(approachingSql, new { now }, transaction)).ToList();
        foreach (var (kind, rows) in new[] { ("clock.overdue", overdue), ("clock.approaching", approaching) })
        {
            foreach (var row in rows)
            {
                await LiveJournal.AppendAsync(connection, transaction, kind, row.CenterId, row.UnitId, new { clockId = row.Id, row.Code });
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return new WatchResult(approaching.Count, overdue.Count);
    }

    sealed record Changed(long Id, int CenterId, int? UnitId, string Code);
}
