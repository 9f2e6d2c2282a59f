using Dapper;
using Npgsql;
using OpsBoard.Data.Calendar;

namespace OpsBoard.Data.Matters;

/// <summary>
/// Starts, stops, extends and pauses the clocks of a matter inside the caller's transaction, so a lifecycle step and
/// its clocks always agree.
/// </summary>
public sealed class MatterClocks(CalendarStore calendars)
{
    public async Task<long> StartAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long matterId, string ruleCode, DateTimeOffset at)
    {
        var rule = await DeadlineRules.InForceAsync(connection, transaction, ruleCode, ChinaTime.DayOf(at));
        var calendar = await calendars.CurrentAsync();
        var due = rule.DueFor(at, calendar);
        const string sql = """
            INSERT INTO matter_clock (matter_id, center_id, rule_id, started_at, due_at, approaching_from)
            SELECT @matterId, center_id, @Id, @at, @due, @approachingFrom FROM matter WHERE id = @matterId
            ON CONFLICT (matter_id, rule_id) WHERE stopped_at IS NULL AND slip_id IS NULL DO NOTHING
            RETURNING id
            """;
        return await connection.ExecuteScalarAsync<long?>(sql,
            new { matterId, rule.Id, at, due, approachingFrom = DeadlineRule.ApproachingFrom(at, due) }, transaction) ?? 0;
    }

    /// <summary>Stops the running clock of a rule: met when stopped by its due moment, breached (and by how much) after.</summary>
    public async Task StopAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long matterId, string ruleCode, DateTimeOffset at)
    {
        long[] running = [.. await connection.QueryAsync<long>("""
            SELECT k.id FROM matter_clock k JOIN deadline_rule r ON r.id = k.rule_id
            WHERE r.code = @ruleCode AND k.matter_id = @matterId AND k.stopped_at IS NULL
            """, new { matterId, ruleCode }, transaction)];
        await ClockWatcher.MarkBeforeStopAsync(connection, transaction, at, running);
        const string sql = """
            UPDATE matter_clock k
            SET stopped_at = @at,
                result = CASE WHEN @at <= k.due_at THEN 'met' ELSE 'breached' END,
                overdue_seconds = greatest(0, extract(epoch FROM @at - k.due_at))::bigint,
                alert_state = 'stopped'
            FROM deadline_rule r
            WHERE r.id = k.rule_id AND r.code = @ruleCode AND k.matter_id = @matterId AND k.stopped_at IS NULL
            """;
        await connection.ExecuteAsync(sql, new { matterId, ruleCode, at }, transaction);
        await connection.ExecuteAsync("""
            UPDATE clock_pause p SET resumed_at = @at
            FROM matter_clock k
            WHERE p.clock_id = k.id AND k.matter_id = @matterId AND p.resumed_at IS NULL AND k.stopped_at = @at
            """, new { matterId, at }, transaction);
    }

    /// <summary>
    /// Closes a petitioner's window (复查/复核申请, 《信访工作条例》第三十五、三十六条) when the request comes; a request
    /// after the latest window has run out is refused, whether or not the watcher has closed it yet. A matter with no
    /// window clock (registered before windows were kept) is let through.
    /// </summary>
    public async Task StopWindowAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long matterId, string ruleCode, DateTimeOffset at)
    {
        const string sql = """
            SELECT k.due_at
            FROM matter_clock k
            JOIN deadline_rule r ON r.id = k.rule_id
            WHERE k.matter_id = @matterId AND r.code = @ruleCode AND (k.stopped_at IS NULL OR k.result = 'lapsed')
            ORDER BY k.started_at DESC
            LIMIT 1
            """;
        if (await connection.ExecuteScalarAsync<DateTime?>(sql, new { matterId, ruleCode }, transaction) is { } due
            && at > ChinaTime.Utc(due))
        {
            throw new MatterException($"已超过{ClockKind.Label(ruleCode)}期限（{ChinaTime.Format(due)} 截止），不能再申请。");
        }

        await StopAsync(connection, transaction, matterId, ruleCode, at);
    }

    public sealed record RunningClock(long Id, DateTime StartedAt, DateTime DueAt, int ExtensionDays, int RuleId)
    {
        public DateTimeOffset Started => ChinaTime.Utc(StartedAt);

        public DateTimeOffset Due => ChinaTime.Utc(DueAt);
    }

    /// <summary>
    /// 条例 第三十四条: an extension adds at most the rule's own limit in all (30 days for 办理答复). Checked when a unit
    /// asks and again when its leader approves, against the version the clock started under.
    /// </summary>
    public static void CheckExtension(RunningClock clock, DeadlineRule rule, int days)
    {
        if (days < 1)
        {
            throw new MatterException("延期天数至少 1 日。");
        }

        if (clock.ExtensionDays + days > rule.MaxExtensionDays)
        {
            throw new MatterException(rule.MaxExtensionDays == 0
                ? $"“{rule.Label}”期限不能延期（{rule.ShortSource}）。"
                : $"延期合计不得超过 {rule.MaxExtensionDays} 日（{rule.ShortSource}）；已延期 {clock.ExtensionDays} 日，最多还可申请 {rule.MaxExtensionDays - clock.ExtensionDays} 日。");
        }
    }

    /// <summary>The rule version a running clock started under, with the check a request for more days must pass.</summary>
    public static async Task<(RunningClock Clock, DeadlineRule Rule)> ExtensibleAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        long matterId, string ruleCode, int days)
    {
        var clock = await RunningAsync(connection, transaction, matterId, ruleCode)
            ?? throw new MatterException($"“{ClockKind.Label(ruleCode)}”期限未在计时，不能延期。");
        var rule = await DeadlineRules.ByIdAsync(connection, transaction, clock.RuleId);
        CheckExtension(clock, rule, days);
        return (clock, rule);
    }

    public static async Task<RunningClock?> RunningAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long matterId, string ruleCode)
    {
        const string sql = """
            SELECT k.id, k.started_at AS StartedAt, k.due_at AS DueAt, k.extension_days AS ExtensionDays, k.rule_id AS RuleId
            FROM matter_clock k
            JOIN deadline_rule r ON r.id = k.rule_id
            WHERE k.matter_id = @matterId AND r.code = @ruleCode AND k.stopped_at IS NULL
            FOR UPDATE OF k
            """;
        return await connection.QuerySingleOrDefaultAsync<RunningClock>(sql, new { matterId, ruleCode }, transaction);
    }

    /// <summary>
    /// Extends a running clock (条例 第三十四条: at most 30 days in all, approved by the unit's head, the reason told
    /// to the petitioner). The due moment is recomputed from the rule version the clock started under.
    /// </summary>
    public async Task ExtendAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long matterId, string ruleCode,
        int days, string reason, int approverId, bool petitionerNotified)
    {
        var (clock, rule) = await ExtensibleAsync(connection, transaction, matterId, ruleCode, days);
        if (string.IsNullOrWhiteSpace(reason))
        {
            throw new MatterException("延期须写明理由，并告知信访人。");
        }

        var calendar = await calendars.CurrentAsync();
        var paused = await PausedDaysAsync(connection, transaction, clock.Id, rule, calendar);
        var due = rule.DueFor(clock.Started, calendar, clock.ExtensionDays + days, paused);
        const string sql = """
            UPDATE matter_clock
            SET extension_days = extension_days + @days, extension_reason = @reason, extension_approver = @approverId,
                extension_notified = @petitionerNotified, due_at = @due, approaching_from = @approachingFrom,
                alert_state = CASE WHEN @approachingFrom > now() THEN 'running' WHEN @due > now() THEN 'approaching' ELSE alert_state END,
                approaching_at = CASE WHEN @approachingFrom > now() THEN NULL ELSE approaching_at END,
                overdue_at = CASE WHEN @due > now() THEN NULL ELSE overdue_at END
            WHERE id = @Id
            """;
        await connection.ExecuteAsync(sql, new
        {
            days, reason = reason.Trim(), approverId, petitionerNotified, due, approachingFrom = DeadlineRule.ApproachingFrom(clock.Started, due), clock.Id,
        }, transaction);
    }

    /// <summary>A hearing pauses a clock that allows it (复核, 条例 第三十六条); resuming pushes the due moment by the days paused.</summary>
    public async Task PauseAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long matterId, string ruleCode, string reason, DateTimeOffset at)
    {
        var clock = await RunningAsync(connection, transaction, matterId, ruleCode)
            ?? throw new MatterException("该期限未在计时，不能暂停。");
        var rule = await DeadlineRules.ByIdAsync(connection, transaction, clock.RuleId);
        if (!rule.PauseEvents.Contains(reason))
        {
            throw new MatterException($"“{rule.Label}”期限不因此事由暂停。");
        }

        try
        {
            await connection.ExecuteAsync("INSERT INTO clock_pause (clock_id, reason, paused_at) VALUES (@Id, @reason, @at)",
                new { clock.Id, reason, at }, transaction);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new MatterException("该期限已处于暂停状态。");
        }
    }

    public async Task ResumeAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long matterId, string ruleCode, DateTimeOffset at)
    {
        var clock = await RunningAsync(connection, transaction, matterId, ruleCode)
            ?? throw new MatterException("该期限未在计时。");
        var resumed = await connection.ExecuteAsync(
            "UPDATE clock_pause SET resumed_at = @at WHERE clock_id = @Id AND resumed_at IS NULL", new { clock.Id, at }, transaction);
        if (resumed == 0)
        {
            throw new MatterException("该期限未暂停。");
        }

        var rule = await DeadlineRules.ByIdAsync(connection, transaction, clock.RuleId);
        var calendar = await calendars.CurrentAsync();
        var paused = await PausedDaysAsync(connection, transaction, clock.Id, rule, calendar);
        var due = rule.DueFor(clock.Started, calendar, clock.ExtensionDays, paused);
        await connection.ExecuteAsync("UPDATE matter_clock SET due_at = @due, approaching_from = @approachingFrom WHERE id = @Id",
            new { due, approachingFrom = DeadlineRule.ApproachingFrom(clock.Started, due), clock.Id }, transaction);
    }

    /// <summary>
    /// Recounts the running clocks on a changed calendar (a year loaded or corrected): each due moment is computed
    /// again by <see cref="DeadlineRule.DueFor"/> from its start, its rule version, its extension and the days it spent
    /// paused, exactly as it was first computed. Only clocks due on or after <paramref name="from"/>, the first day that
    /// changed, can move: a count that ended earlier never reached the change. A clock paused now is left alone, its
    /// due moment is computed anew when it resumes; a stopped clock keeps its result, a judgment already made.
    /// An alert raised under the old due moment that no longer holds is taken back, so the watcher raises what the new
    /// one calls for (and announces it). Returns how many due moments moved.
    /// </summary>
    public static async Task<int> RecountAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, WorkingCalendar calendar,
        DateOnly from, DateTimeOffset now)
    {
        const string runningSql = """
            SELECT k.id, k.started_at AS StartedAt, k.due_at AS DueAt, k.extension_days AS ExtensionDays, k.rule_id AS RuleId
            FROM matter_clock k
            WHERE k.stopped_at IS NULL AND k.due_at >= @from
              AND NOT EXISTS (SELECT 1 FROM clock_pause p WHERE p.clock_id = k.id AND p.resumed_at IS NULL)
            ORDER BY k.id
            FOR UPDATE OF k
            """;
        const string updateSql = """
            UPDATE matter_clock
            SET due_at = @due, approaching_from = @approachingFrom,
                alert_state = CASE WHEN alert_state IN ('approaching', 'overdue') AND @approachingFrom > @now THEN 'running'
                                   WHEN alert_state = 'overdue' AND @due > @now THEN 'approaching'
                                   ELSE alert_state END,
                approaching_at = CASE WHEN @approachingFrom > @now THEN NULL ELSE approaching_at END,
                overdue_at = CASE WHEN @due > @now THEN NULL ELSE overdue_at END
            WHERE id = @Id
            """;
        var running = (await connection.QueryAsync<RunningClock>(runningSql,
            new { from = ChinaTime.StartOf(from).ToUniversalTime() }, transaction)).ToList();
        var spans = (await connection.QueryAsync<(long ClockId, DateTime From, DateTime To)>(
                "SELECT clock_id, paused_at, resumed_at FROM clock_pause WHERE clock_id = ANY(@ids) AND resumed_at IS NOT NULL",
                new { ids = running.Select(k => k.Id).ToArray() }, transaction))
            .ToLookup(span => span.ClockId, span => (span.From, span.To));
        var rules = new Dictionary<int, DeadlineRule>();
        var moved = 0;
        now = now.ToUniversalTime();
        foreach (var clock in running)
        {
            if (!rules.TryGetValue(clock.RuleId, out var rule))
            {
                rules[clock.RuleId] = rule = await DeadlineRules.ByIdAsync(connection, transaction, clock.RuleId);
            }

            var due = rule.DueFor(clock.Started, calendar, clock.ExtensionDays, PausedDays(spans[clock.Id], rule, calendar));
            if (due == clock.Due)
            {
                continue;
            }

            await connection.ExecuteAsync(updateSql,
                new { due, approachingFrom = DeadlineRule.ApproachingFrom(clock.Started, due), now, clock.Id }, transaction);
            moved++;
        }

        return moved;
    }

    /// <summary>Whole days spent paused, in the rule's own kind of day.</summary>
    static async Task<int> PausedDaysAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long clockId, DeadlineRule rule, WorkingCalendar calendar)
    {
        var spans = await connection.QueryAsync<(DateTime From, DateTime To)>(
            "SELECT paused_at, resumed_at FROM clock_pause WHERE clock_id = @clockId AND resumed_at IS NOT NULL", new { clockId }, transaction);
        return PausedDays(spans, rule, calendar);
    }

    static int PausedDays(IEnumerable<(DateTime From, DateTime To)> spans, DeadlineRule rule, WorkingCalendar calendar) =>
        spans.Sum(span => rule.DaysBetween(ChinaTime.DayOf(span.From), ChinaTime.DayOf(span.To), calendar));
}
