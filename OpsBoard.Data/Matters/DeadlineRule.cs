using Dapper;
using Npgsql;
using OpsBoard.Data.Calendar;

namespace OpsBoard.Data.Matters;

/// <summary>One version of a deadline rule. Init properties rather than a positional record: Dapper maps a
/// <c>text[]</c> column to a property, but will not match it to a <c>string[]</c> constructor parameter.</summary>
public sealed record DeadlineRule
{
    public int Id { get; init; }
    public string Code { get; init; } = "";
    public int Version { get; init; }
    public string StartEvent { get; init; } = "";
    public string StopEvent { get; init; } = "";
    public int Length { get; init; }
    public string DayKind { get; init; } = "";
    public string[] PauseEvents { get; init; } = [];
    public int MaxExtensionDays { get; init; }
    public string Source { get; init; } = "";
    public DateOnly EffectiveFrom { get; init; }

    /// <summary>When an admin withdrew this version before it took effect; a withdrawn version never governs a clock.</summary>
    public DateTime? WithdrawnAt { get; init; }

    public bool InWorkingDays => DayKind == RuleDays.Working;

    public string Label => ClockKind.Label(Code);

    /// <summary>"《信访工作条例》第三十四条" reads as "条例第三十四条" on a screen.</summary>
    public string ShortSource => Source.Replace("《信访工作条例》", "条例", StringComparison.Ordinal);

    /// <summary>
    /// The due moment, the one computation of it in OpsBoard: the end (23:59:59, Beijing) of the last day of the
    /// period, counted from the start day (not counted) in working or calendar days, plus any extension and paused
    /// days; a calendar-day period whose last day is not a working day ends on the next working day
    /// (<see cref="WorkingCalendar.AddCalendarDays"/>).
    /// </summary>
    public DateTimeOffset DueFor(DateTimeOffset startedAt, WorkingCalendar calendar, int extensionDays = 0, int pausedDays = 0)
    {
        var startDay = ChinaTime.DayOf(startedAt);
        var days = Length + extensionDays + pausedDays;
        var lastDay = InWorkingDays ? calendar.AddWorkingDays(startDay, days) : calendar.AddCalendarDays(startDay, days);
        return ChinaTime.EndOf(lastDay).ToUniversalTime();
    }

    /// <summary>Whole days from one day to another, in this rule's own kind of day (for "超期 N 个工作日" / "超期 N 日").</summary>
    public int DaysBetween(DateOnly from, DateOnly to, WorkingCalendar calendar) =>
        InWorkingDays ? calendar.WorkingDaysBetween(from, to) : to.DayNumber - from.DayNumber;

    /// <summary>
    /// When a clock turns 临期: once 75 % of its time is used, or its last day has begun, whichever comes first
    /// (an OpsBoard convention, docs/sources.md "Project conventions"). Stored with the clock so the watcher compares, and never recomputes, it.
    /// </summary>
    public static DateTimeOffset ApproachingFrom(DateTimeOffset startedAt, DateTimeOffset dueAt)
    {
        var threeQuarters = startedAt + (dueAt - startedAt) * 0.75;
        var lastDayBegins = ChinaTime.StartOf(ChinaTime.DayOf(dueAt));
        var moment = threeQuarters < lastDayBegins ? threeQuarters : lastDayBegins;
        moment = moment < startedAt ? startedAt : moment;
        return new DateTimeOffset(moment.UtcTicks - moment.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
    }
}

/// <summary>How far a running or stopped clock is from its due moment, in the clock's own kind of day.</summary>
public static class ClockDistance
{
    /// <summary>"超期 2 个工作日", "今日到期", "剩余 3 日" … for a clock due on <paramref name="dueDay"/>, seen on <paramref name="today"/>.</summary>
    public static string Describe(DeadlineRule rule, DateOnly dueDay, DateOnly today, WorkingCalendar calendar, bool overdue)
    {
        var days = Math.Max(0, overdue ? rule.DaysBetween(dueDay, today, calendar) : rule.DaysBetween(today, dueDay, calendar));
        return (overdue, days) switch
        {
            (true, 0) => "今日超期",
            (true, _) => $"超期 {RuleDays.Days(rule.DayKind, days)}",
            (false, 0) => "今日到期",
            _ => $"剩余 {RuleDays.Days(rule.DayKind, days)}",
        };
    }
}

/// <summary>Deadline rules as data, versioned by effective date: a clock keeps the version it started under.</summary>
public static class DeadlineRules
{
    const string Columns = """
        id, code, version, start_event AS StartEvent, stop_event AS StopEvent, length, day_kind AS DayKind,
        pause_events AS PauseEvents, max_extension_days AS MaxExtensionDays, source, effective_from AS EffectiveFrom,
        withdrawn_at AS WithdrawnAt
        """;

    /// <summary>The version of a rule in force on a day.</summary>
    public static async Task<DeadlineRule> InForceAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string code, DateOnly day)
    {
        var sql = $"""
            SELECT {Columns}
            FROM deadline_rule
            WHERE code = @code AND effective_from <= @day AND withdrawn_at IS NULL
            ORDER BY effective_from DESC
            LIMIT 1
            """;
        return await connection.QuerySingleOrDefaultAsync<DeadlineRule>(sql, new { code, day }, transaction)
            ?? throw new InvalidOperationException($"No deadline rule '{code}' in force on {day}");
    }

    /// <summary>The exact version a clock started under.</summary>
    public static async Task<DeadlineRule> ByIdAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, int id)
    {
        var sql = $"""
            SELECT {Columns}
            FROM deadline_rule
            WHERE id = @id
            """;
        return await connection.QuerySingleAsync<DeadlineRule>(sql, new { id }, transaction);
    }

    /// <summary>Every version that governs or will govern clocks; with <paramref name="withdrawn"/>, also those withdrawn (for the admin's page).</summary>
    public static async Task<IReadOnlyList<DeadlineRule>> AllAsync(NpgsqlDataSource dataSource, bool withdrawn = false)
    {
        var sql = $"""
            SELECT {Columns}
            FROM deadline_rule
            WHERE @withdrawn OR withdrawn_at IS NULL
            ORDER BY code, effective_from DESC, version DESC
            """;
        await using var connection = await dataSource.OpenConnectionAsync();
        return [.. await connection.QueryAsync<DeadlineRule>(sql, new { withdrawn })];
    }

    /// <summary>
    /// A change is a new version effective from a date; clocks already running keep the version they started with.
    /// </summary>
    public static async Task<DeadlineRule> ReviseAsync(NpgsqlDataSource dataSource, string code, int length, string dayKind, int maxExtensionDays,
        string source, DateOnly effectiveFrom, int userId, DateOnly today)
    {
        // A 0-day period would make every clock of the rule overdue the moment it starts.
        if (length is < 1 or > 365)
        {
            throw new MatterException("期限天数应在 1 到 365 之间。");
        }

        if (!RuleDays.Labels.Contains(dayKind))
        {
            throw new MatterException("计算方式只能是自然日或工作日。");
        }

        if (maxExtensionDays is < 0 or > 30)
        {
            throw new MatterException("延期上限不得超过 30 日（《信访工作条例》第三十四条）。");
        }

        if (string.IsNullOrWhiteSpace(source))
        {
            throw new MatterException("请注明依据。");
        }

        if (effectiveFrom < today)
        {
            throw new MatterException("生效日期不能早于今天：已经开始计时的期限不受影响，但历史不能改写。");
        }

        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var current = await InForceAsync(connection, transaction, code, effectiveFrom);
        const string sql = """
            INSERT INTO deadline_rule (code, version, name, start_event, stop_event, length, day_kind, pause_events,
                                       max_extension_days, source, effective_from, created_by)
            SELECT code, (SELECT max(version) + 1 FROM deadline_rule WHERE code = @code), name, start_event, stop_event,
                   @length, @dayKind, pause_events, @maxExtensionDays, @source, @effectiveFrom, @userId
            FROM deadline_rule
            WHERE id = @Id
            RETURNING id
            """;
        try
        {
            await connection.ExecuteAsync(sql, new { code, length, dayKind, maxExtensionDays, source = source.Trim(), effectiveFrom, userId, current.Id }, transaction);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new MatterException("该规则在这一天已有一个版本生效，请选择其他生效日期。");
        }

        await Audit.AuditLog.WriteAsync(connection, transaction, new Audit.AuditEntry("rule.revise", UserId: userId, SubjectKind: "deadline_rule",
            Detail: new { code, length, dayKind, maxExtensionDays, effectiveFrom }));
        await transaction.CommitAsync();
        return await InForceAsync(connection, null, code, effectiveFrom);
    }

    /// <summary>
    /// Withdraws a version that has not taken effect (a mistake caught in time): from then on the version before it stays
    /// in force, as if the wrong one had never been saved. A version already in effect can never be withdrawn: clocks
    /// were started and their due moments computed under it, and a clock keeps its version for life. The row is kept,
    /// marked, so its version number is never given again and the page still shows it. Audited; rule changes are not
    /// live events (no screen shows a rule), so neither is this.
    /// </summary>
    public static async Task<DeadlineRule> WithdrawAsync(NpgsqlDataSource dataSource, int ruleId, int userId, DateOnly today)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var sql = $"""
            SELECT {Columns}
            FROM deadline_rule
            WHERE id = @ruleId
            FOR UPDATE
            """;
        var rule = await connection.QuerySingleOrDefaultAsync<DeadlineRule>(sql, new { ruleId }, transaction)
            ?? throw new MatterException("没有这个规则版本。");
        if (rule.WithdrawnAt is not null)
        {
            throw new MatterException($"“{rule.Label}”第 {rule.Version} 版已经撤回。");
        }

        // A clock started under the version is the proof it took effect, whatever the date says.
        var used = await connection.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM matter_clock WHERE rule_id = @ruleId)", new { ruleId }, transaction);
        if (rule.EffectiveFrom <= today || used)
        {
            throw new MatterException(
                $"“{rule.Label}”第 {rule.Version} 版已于 {rule.EffectiveFrom:yyyy-MM-dd} 生效，不能撤回：已有期限按这一版计算，计时中的期限始终按开始时的版本。如需改变，请保存一个新版本并注明生效日期。");
        }

        await connection.ExecuteAsync("UPDATE deadline_rule SET withdrawn_at = now(), withdrawn_by = @userId WHERE id = @ruleId",
            new { ruleId, userId }, transaction);
        await Audit.AuditLog.WriteAsync(connection, transaction, new Audit.AuditEntry("rule.withdraw", UserId: userId, SubjectKind: "deadline_rule",
            SubjectId: ruleId, Detail: new { rule.Code, rule.Version, rule.Length, rule.DayKind, rule.MaxExtensionDays, rule.Source, rule.EffectiveFrom }));
        await transaction.CommitAsync();
        return rule;
    }
}
