using Dapper;
using Npgsql;
using OpsBoard.Data.Audit;
using OpsBoard.Data.Calendar;
using OpsBoard.Data.Live;
using OpsBoard.Data.Matters;

namespace OpsBoard.Data.Slips;

public sealed record DetectionResult(int Scanned, IReadOnlyList<SlipDetector.Issued> Issued, bool Full);

/// <summary>
/// Issues warning slips where a visit meets a trigger (<c>slip_trigger_rule</c>, the version in force on the visit's
/// day), all in SQL. The minute run reads visits above its high-water mark; the nightly reconciliation reads them all.
/// A visit raises a slip only when no slip of the same trigger on the same matter was open when it came: visits during
/// an open slip belong to it, and one after that slip was closed raises a new slip marked as a recurrence.
/// The open-slip unique key with ON CONFLICT DO NOTHING makes a second run, a second node or a re-run after a crash
/// issue nothing twice; a slip, its clock, its step, its audit row and its live event commit together.
/// </summary>
public sealed class SlipDetector(NpgsqlDataSource dataSource, CalendarStore calendars, TimeProvider time)
{
    /// <summary>The NOTIFY channel a desk registration signals on, so the job runs at once instead of at the next minute.</summary>
    public const string Channel = "opsboard_slips";

    // Visit ids are taken at insert and become visible at commit, so a registration that committed after a later one
    // sits just below the mark; the minute run re-reads this many ids below it (a desk commits within seconds, and a
    // thousand visits are weeks of this center), and the nightly reconciliation catches anything else.
    const long Margin = 1000;

    // Arbitrary but fixed ("OpsSlip"): runs queue behind each other instead of racing for the mark.
    const long LockKey = 0x4F7073536C6970;

    public sealed record Issued(long Id, int CenterId, int UnitId, long MatterId, string Trigger, bool Recurrence);

    public async Task<DetectionResult> RunAsync(bool full, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var calendar = await calendars.CurrentAsync(cancellationToken);
        var result = await DetectAsync(connection, transaction, calendar, time.GetUtcNow(), full);
        await transaction.CommitAsync(cancellationToken);
        return result;
    }

    /// <summary>
    /// The detection itself, inside the caller's transaction, as of <paramref name="now"/> (visits arrived after it are
    /// not seen yet); the demo seeder runs it through its history the same way.
    /// </summary>
    public static async Task<DetectionResult> DetectAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, WorkingCalendar calendar,
        DateTimeOffset now, bool full)
    {
        now = now.ToUniversalTime();
        await connection.ExecuteAsync("SELECT pg_advisory_xact_lock(@LockKey)", new { LockKey }, transaction);
        var mark = await connection.ExecuteScalarAsync<long>("SELECT visit_mark FROM slip_detector FOR UPDATE", transaction: transaction);
        // The newest visit arrived by now: in life the newest of all (read from the key's end), in the demo's replay of
        // its history the last one before the replayed moment.
        var top = await connection.ExecuteScalarAsync<long>("""
            SELECT coalesce((SELECT id FROM visit WHERE arrived_at <= @now ORDER BY id DESC LIMIT 1), 0)
            """, new { now }, transaction);
        var rule = await DeadlineRules.InForceAsync(connection, transaction, ClockKind.WarningSlip, ChinaTime.DayOf(now));
        var due = rule.DueFor(now, calendar);
        var from = full ? 0 : Math.Max(0, mark - Margin);

        // Each candidate visit against each trigger's version in force on its day; then, per matter and trigger, the
        // latest hit that no slip covers (open when it came), issued to the matter's unit, or else to the street or
        // town of its locality.
        // A visit's place among its matter's visits (the repeat trigger): the minute run counts each of its few candidates'
        // predecessors through the (matter, arrival) index, and no further than the highest repeat threshold of any
        // version (a count capped there meets each threshold exactly when the full count does), so a matter with a
        // long history costs it no more than a new one; the reconciliation numbers every visit in one ordered pass of
        // that index instead of a probe per visit.
        var candidates = full
            ? """
              SELECT v.id, v.matter_id, v.arrived_at, v.visit_day, v.headcount, v.level, v.behaviours, v.visit_count
              FROM (SELECT w.*, count(*) OVER (PARTITION BY w.matter_id ORDER BY w.arrived_at, w.id) AS visit_count
                    FROM visit w
                    WHERE w.matter_id IS NOT NULL) v
              WHERE v.id <= @top AND v.arrived_at <= @now
              """
            : $"""
              SELECT v.id, v.matter_id, v.arrived_at, v.visit_day, v.headcount, v.level, v.behaviours,
                     (SELECT count(*) FROM (
                          SELECT FROM visit w
                          WHERE w.matter_id = v.matter_id AND (w.arrived_at, w.id) <= (v.arrived_at, v.id)
                          ORDER BY w.arrived_at, w.id
                          LIMIT (SELECT max(threshold) FROM slip_trigger_rule WHERE trigger = '{SlipTrigger.Repeat}')) p) AS visit_count
              FROM visit v
              WHERE v.id > @from AND v.id <= @top AND v.matter_id IS NOT NULL AND v.arrived_at <= @now
              """;
        var sql = $"""
            WITH candidate AS (
                {candidates}
            ),
            -- Each trigger's versions as day spans: a version is in force from its day until the next version's.
            rule_span AS (
                SELECT t.id, t.trigger, t.threshold, t.effective_from,
                       lead(t.effective_from) OVER (PARTITION BY t.trigger ORDER BY t.effective_from) AS until
                FROM slip_trigger_rule t
            ),
            hit AS (
                SELECT c.id AS visit_id, c.matter_id, c.arrived_at, r.trigger, r.id AS rule_id,
                       c.headcount, c.level, c.behaviours, c.visit_count, r.threshold
                FROM candidate c
                JOIN rule_span r ON r.effective_from <= c.visit_day AND (r.until IS NULL OR c.visit_day < r.until)
            ),
            met AS (
                SELECT h.*
                FROM hit h
                WHERE CASE h.trigger
                        WHEN 'repeat' THEN h.visit_count >= h.threshold
                        WHEN 'escalated' THEN array_position(@levels, h.level) >= h.threshold
                        WHEN 'collective' THEN h.headcount >= h.threshold
                        WHEN 'extreme' THEN cardinality(h.behaviours) >= h.threshold
                      END
                  AND NOT EXISTS (
                        SELECT 1
                        FROM warning_slip s
                        WHERE s.matter_id = h.matter_id AND s.trigger = h.trigger
                          AND (s.closed_at IS NULL OR s.closed_at >= h.arrived_at))
            ),
            latest AS (
                SELECT DISTINCT ON (matter_id, trigger) *
                FROM met
                ORDER BY matter_id, trigger, arrived_at DESC, visit_id DESC
            )
            INSERT INTO warning_slip (center_id, matter_id, trigger, rule_id, visit_id, visit_count, unit_id, recurrence, state, issued_at, due_at)
            SELECT m.center_id, l.matter_id, l.trigger, l.rule_id, l.visit_id,
                   (SELECT count(*) FROM visit w WHERE w.matter_id = l.matter_id AND (w.arrived_at, w.id) <= (l.arrived_at, l.visit_id))::int,
                   target.unit_id,
                   EXISTS (SELECT 1 FROM warning_slip s WHERE s.matter_id = l.matter_id AND s.trigger = l.trigger AND s.closed_at IS NOT NULL),
                   'issued', @now, @due
            FROM latest l
            JOIN matter m ON m.id = l.matter_id
            LEFT JOIN unit lu ON lu.id = m.locality_id
            CROSS JOIN LATERAL (SELECT coalesce(m.responsible_unit_id, lu.parent_id, lu.id) AS unit_id) natural_unit
            -- 条例 第三十条: a slip on an accusation matter never goes to the accused unit, its parent or its child; it goes
            -- to the discipline unit instead, or, if that too is in conflict or none is marked, is not issued.
            CROSS JOIN LATERAL (
                SELECT CASE
                         WHEN NOT m.is_accusation OR NOT accusation_conflict(m.id, ARRAY[natural_unit.unit_id]) THEN natural_unit.unit_id
                         ELSE (SELECT d.id FROM unit d
                               WHERE d.center_id = m.center_id AND d.is_discipline AND NOT accusation_conflict(m.id, ARRAY[d.id]))
                       END AS unit_id) target
            WHERE target.unit_id IS NOT NULL
            ORDER BY l.matter_id, l.trigger
            ON CONFLICT (matter_id, trigger) WHERE closed_at IS NULL DO NOTHING
            RETURNING id, center_id AS CenterId, unit_id AS UnitId, matter_id AS MatterId, trigger, recurrence
            """;
        var issued = (await connection.QueryAsync<Issued>(sql,
            new { from, top, now, due, levels = SlipTrigger.LevelOrder.ToArray() }, transaction)).ToList();
        var scanned = (int)Math.Max(0, top - from);

        if (issued.Count > 0)
        {
            var ids = issued.Select(s => s.Id).ToArray();
            await connection.ExecuteAsync("""
                INSERT INTO matter_clock (matter_id, center_id, rule_id, started_at, due_at, approaching_from, slip_id)
                SELECT s.matter_id, s.center_id, @RuleId, s.issued_at, s.due_at, @approachingFrom, s.id
                FROM warning_slip s
                WHERE s.id = ANY(@ids)
                """, new { RuleId = rule.Id, approachingFrom = DeadlineRule.ApproachingFrom(now, due), ids }, transaction);
            await connection.ExecuteAsync("""
                INSERT INTO warning_slip_step (slip_id, from_state, to_state, at, note)
                SELECT s.id, NULL, 'issued', s.issued_at, CASE WHEN s.recurrence THEN '复发，再次下发' END
                FROM warning_slip s
                WHERE s.id = ANY(@ids)
                """, new { ids }, transaction);
            foreach (var slip in issued)
            {
                await AuditLog.WriteAsync(connection, transaction, new AuditEntry("slip.issue", slip.CenterId, SubjectKind: "warning_slip",
                    SubjectId: slip.Id, UnitId: slip.UnitId, Detail: new { slip.MatterId, slip.Trigger, slip.Recurrence }));
                await LiveJournal.AppendAsync(connection, transaction, "slip.issued", slip.CenterId, slip.UnitId,
                    new { id = slip.Id, slip.MatterId, slip.Trigger, slip.Recurrence });
            }
        }

        await connection.ExecuteAsync($"""
            UPDATE slip_detector
            SET visit_mark = greatest(visit_mark, @top), {(full ? "reconciled_at" : "incremental_at")} = @now
            """, new { top, now }, transaction);
        return new DetectionResult(scanned, issued, full);
    }
}
