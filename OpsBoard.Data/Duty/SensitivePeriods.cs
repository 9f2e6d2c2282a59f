using System.Globalization;
using Dapper;
using Npgsql;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Audit;
using OpsBoard.Data.Live;

namespace OpsBoard.Data.Duty;

/// <summary>A 敏感时期 (全国"两会" and other 重大节点): both ends are Beijing days and count.</summary>
public sealed record SensitivePeriod(int Id, string Name, DateOnly StartsOn, DateOnly EndsOn, string? Note)
{
    public bool Covers(DateOnly day) => day >= StartsOn && day <= EndsOn;

    /// <summary>"3月3日至3月15日", with the year when the period runs into another.</summary>
    public string SpanText => StartsOn.Year == EndsOn.Year
        ? $"{Day(StartsOn)}至{Day(EndsOn)}"
        : $"{StartsOn.Year}年{Day(StartsOn)}至{EndsOn.Year}年{Day(EndsOn)}";

    /// <summary>The band the wall and the hall show while the period runs.</summary>
    public string Banner => $"敏感期：{Name}";

    static string Day(DateOnly day) => day.ToString("M月d日", CultureInfo.InvariantCulture);
}

public sealed record SensitivePeriodInput(string? Name, DateOnly? StartsOn, DateOnly? EndsOn, string? Note);

/// <summary>
/// Sensitive periods as an admin defines them, and the one answer to "is a sensitive period running": while one runs,
/// joint reception runs all day (全天候联合接访, 《泗县联合接访工作方案》三), county leaders receive every day
/// (《大英县接待场所方案》三(四)), the wall shows the mode and 劝返 responses are highlighted. Callers ask
/// <see cref="ActiveAsync"/> (or <see cref="IsActive"/> over periods they hold); nobody compares dates themselves.
/// </summary>
public sealed class SensitivePeriods(NpgsqlDataSource dataSource, TimeProvider time)
{
    public const int MaxNameLength = 40;
    public const int MaxNoteLength = 200;
    public const int MaxDays = 366;

    /// <summary>What a running period changes, as the screens and pages say it.</summary>
    public const string ModeText = "全天候联合接访 · 县领导每日接访";

    public static bool IsActive(IEnumerable<SensitivePeriod> periods, DateOnly day) => periods.Any(p => p.Covers(day));

    /// <summary>The period running on a day; of overlapping ones, the one that began first.</summary>
    public static SensitivePeriod? ActiveOn(IEnumerable<SensitivePeriod> periods, DateOnly day) =>
        periods.Where(p => p.Covers(day)).OrderBy(p => p.StartsOn).ThenBy(p => p.Id).FirstOrDefault();

    /// <summary>The period running on <paramref name="day"/> (today in Beijing by default), or null.</summary>
    public async Task<SensitivePeriod?> ActiveAsync(int centerId, DateOnly? day = null, CancellationToken cancellationToken = default)
    {
        var on = day ?? ChinaTime.Today(time);
        return ActiveOn(await OverlappingAsync(centerId, on, on, cancellationToken), on);
    }

    /// <summary>Whether a sensitive period runs on <paramref name="day"/> (today by default).</summary>
    public async Task<bool> IsActiveAsync(int centerId, DateOnly? day = null, CancellationToken cancellationToken = default) =>
        await ActiveAsync(centerId, day, cancellationToken) is not null;

    /// <summary>Periods that touch the days <paramref name="from"/>…<paramref name="to"/>.</summary>
    public async Task<IReadOnlyList<SensitivePeriod>> OverlappingAsync(int centerId, DateOnly from, DateOnly to, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await OverlappingAsync(connection, null, centerId, from, to, cancellationToken);
    }

    internal static async Task<IReadOnlyList<SensitivePeriod>> OverlappingAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction,
        int centerId, DateOnly from, DateOnly to, CancellationToken cancellationToken = default)
    {
        const string sql = """
            SELECT id, name, starts_on AS StartsOn, ends_on AS EndsOn, note
            FROM sensitive_period
            WHERE center_id = @centerId AND starts_on <= @to AND ends_on >= @from
            ORDER BY starts_on, id
            """;
        return [.. await connection.QueryAsync<SensitivePeriod>(new CommandDefinition(sql, new { centerId, from, to }, transaction, cancellationToken: cancellationToken))];
    }

    /// <summary>Every period of the center, the latest first.</summary>
    public async Task<IReadOnlyList<SensitivePeriod>> ListAsync(int centerId, CancellationToken cancellationToken = default)
    {
        const string sql = """
            SELECT id, name, starts_on AS StartsOn, ends_on AS EndsOn, note
            FROM sensitive_period
            WHERE center_id = @centerId
            ORDER BY starts_on DESC, id DESC
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return [.. await connection.QueryAsync<SensitivePeriod>(new CommandDefinition(sql, new { centerId }, cancellationToken: cancellationToken))];
    }

    public async Task<int> AddAsync(Actor actor, SensitivePeriodInput input, CancellationToken cancellationToken = default)
    {
        await PermissionGuard.RequireAsync(dataSource, actor, Permission.ManageSensitivePeriods, null, "sensitive_period", null, "敏感时期");
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var id = await AddAsync(connection, transaction, actor.CenterId, actor.UserId, input, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return id;
    }

    /// <summary>The write itself, in the caller's transaction (the demo seeds through it).</summary>
    internal static async Task<int> AddAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int centerId, int? userId,
        SensitivePeriodInput input, CancellationToken cancellationToken = default)
    {
        var (name, from, to, note) = Validate(input);
        const string sql = """
            INSERT INTO sensitive_period (center_id, name, starts_on, ends_on, note, created_by)
            VALUES (@centerId, @name, @from, @to, @note, @userId)
            RETURNING id
            """;
        var id = await connection.ExecuteScalarAsync<int>(new CommandDefinition(sql, new { centerId, name, from, to, note, userId }, transaction, cancellationToken: cancellationToken));
        await AuditLog.WriteAsync(connection, transaction, new AuditEntry("period.added", centerId, userId, SubjectKind: "sensitive_period", SubjectId: id,
            Detail: new { name, from, to, note }));
        await LiveJournal.AppendAsync(connection, transaction, "period.added", centerId, payload: new { Id = id });
        return id;
    }

    public async Task RemoveAsync(Actor actor, int id, CancellationToken cancellationToken = default)
    {
        await PermissionGuard.RequireAsync(dataSource, actor, Permission.ManageSensitivePeriods, null, "sensitive_period", id, "敏感时期");
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        const string sql = """
            DELETE FROM sensitive_period
            WHERE id = @id AND center_id = @centerId
            RETURNING name, starts_on AS StartsOn, ends_on AS EndsOn
            """;
        var removed = await connection.QuerySingleOrDefaultAsync<(string Name, DateOnly StartsOn, DateOnly EndsOn)>(
            new CommandDefinition(sql, new { id, centerId = actor.CenterId }, transaction, cancellationToken: cancellationToken));
        if (removed.Name is null)
        {
            throw new RefusedException("该敏感时期不存在或已删除。");
        }

        await AuditLog.WriteAsync(connection, transaction, new AuditEntry("period.removed", actor.CenterId, actor.UserId, SubjectKind: "sensitive_period", SubjectId: id,
            Detail: new { removed.Name, from = removed.StartsOn, to = removed.EndsOn }));
        await LiveJournal.AppendAsync(connection, transaction, "period.removed", actor.CenterId, payload: new { Id = id });
        await transaction.CommitAsync(cancellationToken);
    }

    static (string Name, DateOnly From, DateOnly To, string? Note) Validate(SensitivePeriodInput input)
    {
        var name = input.Name?.Trim() ?? "";
        var note = string.IsNullOrWhiteSpace(input.Note) ? null : input.Note.Trim();
        if (name.Length == 0)
        {
            throw new RefusedException("请填写敏感时期的名称，如：全国“两会”。");
        }

        if (name.Length > MaxNameLength)
        {
            throw new RefusedException($"名称不超过 {MaxNameLength} 个字。");
        }

        if (input.StartsOn is not { } from || input.EndsOn is not { } to)
        {
            throw new RefusedException("请填写开始日期和结束日期。");
        }

        if (to < from)
        {
            throw new RefusedException("结束日期不能早于开始日期。");
        }

        if (to.DayNumber - from.DayNumber >= MaxDays)
        {
            throw new RefusedException($"一个敏感时期不超过 {MaxDays} 天；更长的请分段设定。");
        }

        if (note?.Length > MaxNoteLength)
        {
            throw new RefusedException($"说明不超过 {MaxNoteLength} 个字。");
        }

        return (name, from, to, note);
    }
}
