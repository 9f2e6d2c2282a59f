using Dapper;
using Npgsql;
using OpsBoard.Data.Live;

namespace OpsBoard.Data.Matters;

public sealed record WatchResult(int Approaching, int Overdue);

/// <summary>
/// Marks running clocks approaching (from their stored <c>approaching_from</c>, see
/// <see cref="DeadlineRule.ApproachingFrom"/>) and overdue (past the due moment). Each clock enters each state once:
/// the update only touches clocks not yet in that state, so a second run, or a second node, finds nothing to do.
/// Paused clocks wait. A petitioner's own window (复查/复核申请) is not an office deadline and raises no alert.
/// </summary>
public sealed class ClockWatcher(NpgsqlDataSource dataSource, TimeProvider time)
{
    public async Task<WatchResult> RunAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var (approaching, overdue) = await MarkAsync(connection, transaction, time.GetUtcNow());
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

    /// <summary>
    /// The marking itself, inside the caller's transaction; the demo seeder runs it too, so its clocks carry the
    /// states this job would give them. The moments recorded are those the clock entered the state, not when a run
    /// noticed.
    /// </summary>
    /// <param name="clocks">Only these clocks (about to be stopped: <see cref="MarkBeforeStopAsync"/>), or every clock when null.</param>
    public static async Task<(IReadOnlyList<Changed> Approaching, IReadOnlyList<Changed> Overdue)> MarkAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, DateTimeOffset now, long[]? clocks = null)
    {
        var only = clocks is null ? "" : "AND k.id = ANY(@clocks)";
        now = now.ToUniversalTime(); // Npgsql writes timestamptz only from UTC offsets
        await FillApproachingFromAsync(connection, transaction);
        // A petitioner's window that ran out unused is closed, not alerted: it was the petitioner's time, not the office's.
        await connection.ExecuteAsync($"""
            UPDATE matter_clock k
            SET stopped_at = k.due_at, result = 'lapsed', overdue_seconds = 0, alert_state = 'stopped'
            FROM deadline_rule r
            WHERE r.id = k.rule_id AND r.code = ANY(@windows) AND k.stopped_at IS NULL AND k.due_at < @now {only}
            """, new { now, windows = ClockKind.PetitionerWindows.ToArray(), clocks }, transaction);
        var overdueSql = $"""
            UPDATE matter_clock k
            SET alert_state = 'overdue', overdue_at = k.due_at,
                approaching_at = coalesce(k.approaching_at, k.approaching_from)
            FROM matter m, deadline_rule r
            WHERE m.id = k.matter_id AND r.id = k.rule_id AND r.code <> ALL(@windows)
              AND k.stopped_at IS NULL AND k.alert_state <> 'overdue' AND k.due_at < @now
              AND NOT EXISTS (SELECT 1 FROM clock_pause p WHERE p.clock_id = k.id AND p.resumed_at IS NULL) {only}
            RETURNING k.id, m.center_id AS CenterId, m.responsible_unit_id AS UnitId, m.code
            """;
        var approachingSql = $"""
            UPDATE matter_clock k
            SET alert_state = 'approaching', approaching_at = k.approaching_from
            FROM matter m, deadline_rule r
            WHERE m.id = k.matter_id AND r.id = k.rule_id AND r.code <> ALL(@windows)
              AND k.stopped_at IS NULL AND k.alert_state = 'running' AND k.approaching_from <= @now
              AND NOT EXISTS (SELECT 1 FROM clock_pause p WHERE p.clock_id = k.id AND p.resumed_at IS NULL) {only}
            RETURNING k.id, m.center_id AS CenterId, m.responsible_unit_id AS UnitId, m.code
            """;
        var windows = ClockKind.PetitionerWindows.ToArray();
        var overdue = (await connection.QueryAsync<Changed>(overdueSql, new { now, windows, clocks }, transaction)).ToList();
        var approaching = (await connection.QueryAsync<Changed>(approachingSql, new { now, windows, clocks }, transaction)).ToList();
        return (approaching, overdue);
    }

    /// <summary>
    /// Before a step stops these clocks: the thresholds each crossed since the watcher's last run (it runs once a
    /// minute) are marked now, as of the step, so a stopped clock records every state it entered, as if the watcher had
    /// run at that moment. No alert goes out: the clock stops in the same transaction.
    /// </summary>
    public static async Task MarkBeforeStopAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DateTimeOffset at, long[] clocks)
    {
        if (clocks.Length > 0)
        {
            await MarkAsync(connection, transaction, at, clocks);
        }
    }

    /// <summary>Clocks written before <c>approaching_from</c> existed get it here, computed by the one rule.</summary>
    static async Task FillApproachingFromAsync(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        var missing = (await connection.QueryAsync<(long Id, DateTime StartedAt, DateTime DueAt)>("""
            SELECT id, started_at, due_at
            FROM matter_clock
            WHERE approaching_from IS NULL
            """, transaction: transaction)).ToList();
        if (missing.Count == 0)
        {
            return;
        }

        var ids = missing.Select(c => c.Id).ToArray();
        var moments = missing.Select(c => DeadlineRule.ApproachingFrom(ChinaTime.Utc(c.StartedAt), ChinaTime.Utc(c.DueAt))).ToArray();
        await connection.ExecuteAsync("""
            UPDATE matter_clock k
            SET approaching_from = v.moment
            FROM unnest(@ids, @moments) AS v(id, moment)
            WHERE k.id = v.id
            """, new { ids, moments }, transaction);
    }

    public sealed record Changed(long Id, int CenterId, int? UnitId, string Code);
}
