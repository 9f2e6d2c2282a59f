using System.Globalization;
using Dapper;
using Npgsql;
using OpsBoard.Data.Audit;
using OpsBoard.Data.Live;
using OpsBoard.Data.Matters;

namespace OpsBoard.Data.Calendar;

/// <summary>
/// The outcome of loading a year. <paramref name="LoadedYear"/> is set when the file is for a year already loaded: the
/// page then offers to correct that year instead of listing every line as wrong.
/// </summary>
public sealed record CalendarLoadResult(bool Loaded, IReadOnlyList<string> Errors, int Rows, int? LoadedYear = null, int ClocksMoved = 0);

public sealed record CalendarDayChange(CalendarEntry Before, CalendarEntry After);

/// <summary>What a corrected file changes in a loaded year: days added, removed, and days whose kind or name changed.</summary>
public sealed record CalendarDiff(IReadOnlyList<CalendarEntry> Added, IReadOnlyList<CalendarEntry> Removed, IReadOnlyList<CalendarDayChange> Changed)
{
    public bool IsEmpty => Added.Count == 0 && Removed.Count == 0 && Changed.Count == 0;

    /// <summary>The earliest day that changed: clocks due before it never counted a changed day.</summary>
    public DateOnly? FirstDay => Added.Select(e => e.Day).Concat(Removed.Select(e => e.Day)).Concat(Changed.Select(c => c.After.Day))
        .Cast<DateOnly?>().Min();
}

/// <summary>A correction previewed (<see cref="Applied"/> false, nothing written) or applied, with the running clocks it moved.</summary>
public sealed record CalendarCorrectionResult(bool Applied, IReadOnlyList<string> Errors, CalendarDiff? Diff, int ClocksMoved = 0);

/// <summary>
/// Loads a year's official schedule from CSV (<c>date,kind,name</c>, as the State Council notice lists it): every line is
/// checked first and any error rejects the whole file with its line numbers; only a clean file is written, in one
/// transaction. A supplementary notice (补充通知) is applied as a correction of a loaded year: the year's days are
/// replaced by the corrected file, in one transaction, after a preview of what changes. Either way the running clocks
/// that could be affected are recounted on the new calendar in the same transaction (<see cref="MatterClocks.RecountAsync"/>).
/// </summary>
public sealed class CalendarLoader(NpgsqlDataSource dataSource, CalendarStore calendars, CalendarCoverage coverage, TimeProvider time)
{
    /// <summary>Live events: each web node reloads its calendar on hearing them.</summary>
    public const string LoadedEvent = "system.calendar_loaded";

    public const string CorrectedEvent = "system.calendar_corrected";

    // Serializes loads and corrections of the calendar across nodes ("OpsCal").
    const long LockKey = 0x4F7073_43616C;

    public async Task<CalendarLoadResult> LoadAsync(int year, string csv, string source, int userId)
    {
        if (year is < 2000 or > 2100)
        {
            return new CalendarLoadResult(false, ["年份无效，应在 2000 到 2100 之间。"], 0);
        }

        var (rows, errors, fileYear) = Parse(year, csv);
        await using var connection = await dataSource.OpenConnectionAsync();
        var loaded = (await connection.QueryAsync<int>("SELECT year FROM calendar_year")).ToHashSet();
        // A year loaded already, or a file of another year: one plain sentence rather than every line "wrong".
        if (loaded.Contains(year) || (fileYear is { } other && other != year && loaded.Contains(other)))
        {
            var already = loaded.Contains(year) ? year : fileYear!.Value;
            return new CalendarLoadResult(false, [AlreadyLoaded(already, year)], 0, already);
        }

        if (fileYear is { } wrong && wrong != year)
        {
            return new CalendarLoadResult(false, [$"文件中的日期属于 {wrong} 年，与所填年份 {year} 不符：请把年份改为 {wrong}，或换成 {year} 年的文件。"], 0);
        }

        if (errors.Count > 0)
        {
            return new CalendarLoadResult(false, errors, 0);
        }

        await using var transaction = await connection.BeginTransactionAsync();
        await connection.ExecuteAsync("SELECT pg_advisory_xact_lock(@LockKey)", new { LockKey }, transaction);
        if (await connection.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM calendar_year WHERE year = @year)", new { year }, transaction))
        {
            return new CalendarLoadResult(false, [AlreadyLoaded(year, year)], 0, year);
        }

        var clash = await connection.QueryAsync<(DateOnly Day, int Year)>("SELECT day, schedule_year FROM calendar_day WHERE day = ANY(@days)",
            new { days = rows.Select(r => r.Day).ToArray() }, transaction);
        if (clash.Any())
        {
            return new CalendarLoadResult(false, [.. clash.Select(c => $"日期 {c.Day:yyyy-MM-dd} 已在 {c.Year} 年的安排中。")], 0);
        }

        await InsertAsync(connection, transaction, year, rows);
        await connection.ExecuteAsync("INSERT INTO calendar_year (year, source, loaded_by) VALUES (@year, @source, @userId)",
            new { year, source = string.IsNullOrWhiteSpace(source) ? $"国务院办公厅关于{year}年部分节假日安排的通知" : source.Trim(), userId }, transaction);
        // Clocks counted while the year was unknown assumed only weekends; recount them on the official days.
        var moved = await MatterClocks.RecountAsync(connection, transaction, await CalendarStore.ReadAsync(connection, transaction),
            new DateOnly(year - 1, 12, 25), time.GetUtcNow());
        await AuditLog.WriteAsync(connection, transaction, new AuditEntry("calendar.load", UserId: userId, Detail: new { year, rows = rows.Count, clocksMoved = moved }));
        await AnnounceAsync(connection, transaction, LoadedEvent, year);
        await transaction.CommitAsync();

        await calendars.ReloadAsync();
        await coverage.CheckAsync();
        return new CalendarLoadResult(true, [], rows.Count, ClocksMoved: moved);
    }

    /// <summary>
    /// Corrects a loaded year from the complete corrected schedule (the original notice as amended by the supplementary
    /// one): the year's holiday and make-up working-day rows are replaced by the file's, in one transaction, audited with
    /// every day added, removed or changed. With <paramref name="apply"/> false nothing is written: the page shows the
    /// difference and asks for confirmation. Running clocks due from the first changed day are recounted; stopped clocks
    /// keep their result.
    /// </summary>
    public async Task<CalendarCorrectionResult> CorrectAsync(int year, string csv, string source, int userId, bool apply)
    {
        if (year is < 2000 or > 2100)
        {
            return new CalendarCorrectionResult(false, ["年份无效，应在 2000 到 2100 之间。"], null);
        }

        var (rows, errors, fileYear) = Parse(year, csv);
        if (fileYear is { } other && other != year)
        {
            return new CalendarCorrectionResult(false, [$"文件中的日期属于 {other} 年，与要更正的 {year} 年不符：请核对年份或文件。"], null);
        }

        if (errors.Count > 0)
        {
            return new CalendarCorrectionResult(false, errors, null);
        }

        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await connection.ExecuteAsync("SELECT pg_advisory_xact_lock(@LockKey)", new { LockKey }, transaction);
        var oldSource = await connection.ExecuteScalarAsync<string?>("SELECT source FROM calendar_year WHERE year = @year", new { year }, transaction);
        if (oldSource is null)
        {
            return new CalendarCorrectionResult(false, [$"{year} 年尚未载入，无需更正：请用“校验并载入”载入该年的安排。"], null);
        }

        var clash = await connection.QueryAsync<(DateOnly Day, int Year)>(
            "SELECT day, schedule_year FROM calendar_day WHERE day = ANY(@days) AND schedule_year <> @year",
            new { days = rows.Select(r => r.Day).ToArray(), year }, transaction);
        if (clash.Any())
        {
            return new CalendarCorrectionResult(false, [.. clash.Select(c => $"日期 {c.Day:yyyy-MM-dd} 属于 {c.Year} 年的安排，不能在 {year} 年中更正。")], null);
        }

        var current = (await connection.QueryAsync<(DateOnly Day, string Kind, string Name)>(
                "SELECT day, kind, name FROM calendar_day WHERE schedule_year = @year ORDER BY day", new { year }, transaction))
            .Select(d => new CalendarEntry(d.Day, d.Kind == "holiday" ? DayKind.Holiday : DayKind.Workday, d.Name))
            .ToList();
        var diff = Compare(current, rows);
        if (diff.IsEmpty)
        {
            return new CalendarCorrectionResult(false, [$"文件与已载入的 {year} 年安排完全相同，无需更正。"], diff);
        }

        if (!apply)
        {
            return new CalendarCorrectionResult(false, [], diff);
        }

        await connection.ExecuteAsync("DELETE FROM calendar_day WHERE schedule_year = @year", new { year }, transaction);
        await InsertAsync(connection, transaction, year, rows);
        if (!string.IsNullOrWhiteSpace(source) && !oldSource.Contains(source.Trim(), StringComparison.Ordinal))
        {
            await connection.ExecuteAsync("UPDATE calendar_year SET source = @source WHERE year = @year",
                new { year, source = $"{oldSource}；{source.Trim()}" }, transaction);
        }

        var moved = await MatterClocks.RecountAsync(connection, transaction, await CalendarStore.ReadAsync(connection, transaction),
            diff.FirstDay!.Value, time.GetUtcNow());
        await AuditLog.WriteAsync(connection, transaction, new AuditEntry("calendar.correct", UserId: userId, Detail: new
        {
            year,
            source = source?.Trim(),
            added = diff.Added.Select(e => e.ToString()),
            removed = diff.Removed.Select(e => e.ToString()),
            changed = diff.Changed.Select(c => $"{c.Before} → {c.After}"),
            clocksMoved = moved,
        }));
        await AnnounceAsync(connection, transaction, CorrectedEvent, year);
        await transaction.CommitAsync();

        await calendars.ReloadAsync();
        return new CalendarCorrectionResult(true, [], diff, moved);
    }

    static string AlreadyLoaded(int loadedYear, int typedYear) =>
        (loadedYear == typedYear ? $"{loadedYear} 年已载入" : $"文件中的日期属于 {loadedYear} 年，{loadedYear} 年已载入") +
        $"；如需更正请选择“更正已载入的年份”（例如国务院办公厅发布了补充通知）：先列出新增、删除和改动的日期，确认后再替换 {loadedYear} 年的安排。";

    static CalendarDiff Compare(IReadOnlyList<CalendarEntry> current, IReadOnlyList<CalendarEntry> corrected)
    {
        var before = current.ToDictionary(e => e.Day);
        var after = corrected.ToDictionary(e => e.Day);
        return new CalendarDiff(
            [.. corrected.Where(e => !before.ContainsKey(e.Day)).OrderBy(e => e.Day)],
            [.. current.Where(e => !after.ContainsKey(e.Day)).OrderBy(e => e.Day)],
            [.. corrected.Where(e => before.TryGetValue(e.Day, out var old) && old != e).OrderBy(e => e.Day).Select(e => new CalendarDayChange(before[e.Day], e))]);
    }

    static async Task InsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int year, IReadOnlyList<CalendarEntry> rows)
    {
        const string sql = """
            INSERT INTO calendar_day (day, kind, name, schedule_year)
            SELECT day, kind, name, @year
            FROM unnest(@days, @kinds, @names) AS d(day, kind, name)
            """;
        await connection.ExecuteAsync(sql, new
        {
            year,
            days = rows.Select(r => r.Day).ToArray(),
            kinds = rows.Select(r => r.Kind == DayKind.Holiday ? "holiday" : "workday").ToArray(),
            names = rows.Select(r => r.Name).ToArray(),
        }, transaction);
    }

    static async Task AnnounceAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string kind, int year)
    {
        foreach (var centerId in await connection.QueryAsync<int>("SELECT id FROM center", transaction: transaction))
        {
            await LiveJournal.AppendAsync(connection, transaction, kind, centerId, payload: new { year });
        }
    }

    /// <summary>
    /// Reads the file: the rows of a clean file, an error per bad line (by line number), and the year most of its dates
    /// belong to, so a file of another year is named as such rather than reported line by line.
    /// </summary>
    static (List<CalendarEntry> Rows, List<string> Errors, int? FileYear) Parse(int year, string csv)
    {
        var errors = new List<string>();
        var rows = new List<CalendarEntry>();
        var years = new List<int>();
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

            years.Add(ScheduleYear(day));
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

        // The year of most dates, when they agree (more than half): one stray line in a 2027 file is a line error.
        var fileYear = years.GroupBy(y => y).OrderByDescending(g => g.Count()).FirstOrDefault() is { } top && top.Count() * 2 > years.Count
            ? top.Key
            : (int?)null;
        return (rows, errors, fileYear);
    }

    /// <summary>The notice a day belongs to: the last days of December open the next year's New Year break.</summary>
    static int ScheduleYear(DateOnly day) => day.Month == 12 && day.Day >= 25 ? day.Year + 1 : day.Year;
}
