using System.Globalization;
using Dapper;
using Npgsql;
using OpsBoard.Data.Audit;
using OpsBoard.Data.Live;

namespace OpsBoard.Data.Calendar;

public sealed record CalendarLoadResult(bool Loaded, IReadOnlyList<string> Errors, int Rows);

/// <summary>
/// Loads a year's official schedule from CSV (<c>date,kind,name</c>, as the State Council notice lists it): every line is
/// checked first and any error rejects the whole file with its line numbers; only a clean file is written, in one
/// transaction. Running clocks due from then on are recomputed on the new calendar.
/// </summary>
public sealed class CalendarLoader(NpgsqlDataSource dataSource, CalendarStore calendars, CalendarCoverage coverage)
{
    public async Task<CalendarLoadResult> LoadAsync(int year, string csv, string source, int userId)
    {
        var errors = new List<string>();
        var rows = new List<CalendarEntry>();
        if (year is < 2000 or > 2100)
        {
            errors.Add("年份无效。");
        }

        var lines = csv.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            var number = i + 1;
            if (line.Length == 0 || (i == 0 && line.StartsWith("date", StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            var parts = line.Split(',', 3);
            if (parts.Length != 3)
            {
                errors.Add($"第 {number} 行：应为“日期,类型,名称”三项。");
                continue;
            }

            if (!DateOnly.TryParseExact(parts[0].Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            {
                errors.Add($"第 {number} 行：日期“{parts[0]}”格式应为 yyyy-MM-dd。");
                continue;
            }

            var kind = parts[1].Trim() switch
            {
                "holiday" => DayKind.Holiday,
                "workday" => DayKind.Workday,
                _ => (DayKind?)null,
            };
            if (kind is null)
            {
                errors.Add($"第 {number} 行：类型“{parts[1]}”未知，只能是 holiday（放假）或 workday（调休上班）。");
                continue;
            }

            // A New Year break may begin in the last days of December of the year before (e.g. 2018-12-30 for 2019).
            if (day.Year != year && !(day.Year == year - 1 && day.Month == 12 && day.Day >= 25))
            {
                errors.Add($"第 {number} 行：日期 {day:yyyy-MM-dd} 不属于 {year} 年的安排。");
                continue;
            }

            if (kind == DayKind.Workday && day.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday))
            {
                errors.Add($"第 {number} 行：{day:yyyy-MM-dd} 是工作日，无需登记为调休上班。");
                continue;
            }

            if (string.IsNullOrWhiteSpace(parts[2]))
            {
                errors.Add($"第 {number} 行：缺少节日名称。");
                continue;
            }

            if (rows.Any(r => r.Day == day))
            {
                errors.Add($"第 {number} 行：日期 {day:yyyy-MM-dd} 重复。");
                continue;
            }

            rows.Add(new CalendarEntry(day, kind.Value, parts[2].Trim()));
        }

        if (rows.Count == 0 && errors.Count == 0)
        {
            errors.Add("文件中没有任何日期。");
        }

        if (errors.Count > 0)
        {
            return new CalendarLoadResult(false, errors, 0);
        }

        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        if (await connection.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM calendar_year WHERE year = @year)", new { year }, transaction))
        {
            return new CalendarLoadResult(false, [$"{year} 年的日历已载入，不能重复载入。"], 0);
        }

        var clash = await connection.QueryAsync<DateOnly>("SELECT day FROM calendar_day WHERE day = ANY(@days)",
            new { days = rows.Select(r => r.Day).ToArray() }, transaction);
        if (clash.Any())
        {
            return new CalendarLoadResult(false, [.. clash.Select(d => $"日期 {d:yyyy-MM-dd} 已在现有日历中。")], 0);
        }

        foreach (var row in rows)
        {
            await connection.ExecuteAsync("INSERT INTO calendar_day (day, kind, name) VALUES (@Day, @kind, @Name)",
                new { row.Day, kind = row.Kind == DayKind.Holiday ? "holiday" : "workday", row.Name }, transaction);
        }

        await connection.ExecuteAsync("INSERT INTO calendar_year (year, source, loaded_by) VALUES (@year, @source, @userId)",
            new { year, source = string.IsNullOrWhiteSpace(source) ? $"国务院办公厅关于{year}年部分节假日安排的通知" : source.Trim(), userId }, transaction);
        await AuditLog.WriteAsync(connection, transaction, new AuditEntry("calendar.load", UserId: userId, Detail: new { year, rows = rows.Count }));
        foreach (var centerId in await connection.QueryAsync<int>("SELECT id FROM center", transaction: transaction))
        {
            await LiveJournal.AppendAsync(connection, transaction, "system.calendar_loaded", centerId, payload: new { year });
        }

        await transaction.CommitAsync();

        var calendar = await calendars.ReloadAsync();
        await RecomputeRunningClocksAsync(calendar, new DateOnly(year - 1, 12, 25));
        await coverage.CheckAsync();
        return new CalendarLoadResult(true, [], rows.Count);
    }

    /// <summary>Clocks counted while the year was unknown assumed only weekends; recount them on the official days.</summary>
    async Task RecomputeRunningClocksAsync(WorkingCalendar calendar, DateOnly from)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        const string sql = """
            SELECT k.id, k.started_at AS StartedAt, k.extension_days AS ExtensionDays, r.length, r.day_kind AS DayKind, m.center_id AS CenterId
            FROM matter_clock k
            JOIN deadline_rule r ON r.id = k.rule_id
            JOIN matter m ON m.id = k.matter_id
            WHERE k.stopped_at IS NULL AND k.due_at >= @from
              AND NOT EXISTS (SELECT 1 FROM clock_pause p WHERE p.clock_id = k.id)
            FOR UPDATE OF k
            """;
        var running = await connection.QueryAsync<RunningClock>(sql, new { from = ChinaTime.StartOf(from).ToUniversalTime() }, transaction);
        foreach (var clock in running)
        {
            var rule = new Matters.DeadlineRule { Length = clock.Length, DayKind = clock.DayKind };
            var started = ChinaTime.Utc(clock.StartedAt);
            var due = rule.DueFor(started, calendar, clock.ExtensionDays);
            await connection.ExecuteAsync("UPDATE matter_clock SET due_at = @due, approaching_from = @approachingFrom WHERE id = @Id",
                new { due, approachingFrom = Matters.DeadlineRule.ApproachingFrom(started, due), clock.Id }, transaction);
        }

        await transaction.CommitAsync();
    }

    sealed record RunningClock(long Id, DateTime StartedAt, int ExtensionDays, int Length, string DayKind, int CenterId);
}
