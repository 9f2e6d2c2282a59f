using System.Globalization;
using Dapper;
using Npgsql;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Audit;
using OpsBoard.Data.Calendar;
using OpsBoard.Data.Live;

namespace OpsBoard.Data.Duty;

/// <summary>A person who may lead a day: an account holding the 带班领导 role.</summary>
public sealed record DutyLeader(int UserId, string Name, string? Title);

/// <summary>One day of the rota: a working day, with its leader (null: 未排班) and why a weekend day is on it (调休上班).</summary>
public sealed record RotaDay(DateOnly Day, string? MakeUpFor, DutyLeader? Leader)
{
    public string DayText => LeaderReceptions.DayText(Day);
}

/// <summary>A week of the rota, Monday first: the rota's days and the week's holidays (shown, not staffed).</summary>
public sealed record RotaWeek(DateOnly Monday, IReadOnlyList<RotaDay> Days, IReadOnlyList<CalendarEntry> Holidays)
{
    public DateOnly Sunday => Monday.AddDays(6);

    public string Title => $"{Monday.ToString("yyyy年M月d日", CultureInfo.InvariantCulture)}至{Sunday.ToString("M月d日", CultureInfo.InvariantCulture)}";
}

/// <summary>
/// The weekly rota of the day's 带班领导 (《沥海街道信访工作意见》二(六): 每周排班, 周一至周五, 当天的带班领导). A rota day is
/// a working day of the calendar — a holiday has no duty leader, a make-up working day (调休上班) does. The wall's
/// duty strip, the home page and the rota page all read it here.
/// </summary>
public sealed class DutyRota(NpgsqlDataSource dataSource, CalendarStore calendars, TimeProvider time)
{
    public const string Role = "duty_leader";

    public static DateOnly MondayOf(DateOnly day) => day.AddDays(-(((int)day.DayOfWeek + 6) % 7));

    /// <summary>The rota's days in the week of <paramref name="monday"/>: its working days, make-up days included.</summary>
    public static IReadOnlyList<DateOnly> DaysOf(DateOnly monday, WorkingCalendar calendar) =>
        [.. Enumerable.Range(0, 7).Select(monday.AddDays).Where(calendar.IsWorkingDay)];

    public DateOnly Today => ChinaTime.Today(time);

    public async Task<RotaWeek> WeekAsync(int centerId, DateOnly anyDay, CancellationToken cancellationToken = default)
    {
        var monday = MondayOf(anyDay);
        var calendar = await calendars.CurrentAsync(cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var assigned = await AssignedAsync(connection, null, centerId, monday, monday.AddDays(6), cancellationToken);
        var days = DaysOf(monday, calendar)
            .Select(d => new RotaDay(d, d.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday ? calendar.EntryFor(d)?.Name : null, assigned.GetValueOrDefault(d)))
            .ToList();
        var holidays = Enumerable.Range(0, 7).Select(monday.AddDays)
            .Select(calendar.EntryFor)
            .Where(e => e is { Kind: DayKind.Holiday } && e.Day.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday))
            .Select(e => e!)
            .ToList();
        return new RotaWeek(monday, days, holidays);
    }

    /// <summary>The day's duty leader (today in Beijing by default), or null when nobody is on the rota.</summary>
    public async Task<DutyLeader?> OnDutyAsync(int centerId, DateOnly? day = null, CancellationToken cancellationToken = default)
    {
        var on = day ?? Today;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await AssignedAsync(connection, null, centerId, on, on, cancellationToken)).GetValueOrDefault(on);
    }

    /// <summary>The accounts that may be put on the rota.</summary>
    public async Task<IReadOnlyList<DutyLeader>> LeadersAsync(int centerId, CancellationToken cancellationToken = default)
    {
        const string sql = """
            SELECT u.id AS UserId, u.display_name AS Name, u.title
            FROM app_user u
            JOIN user_role r ON r.user_id = u.id AND r.role = @Role
            WHERE u.center_id = @centerId AND u.active
            ORDER BY u.id
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return [.. await connection.QueryAsync<DutyLeader>(new CommandDefinition(sql, new { centerId, Role }, cancellationToken: cancellationToken))];
    }

    /// <summary>
    /// Puts a leader on each given day (null clears the day), in one transaction: every day is checked first, so a
    /// refused day changes nothing. Days already past are the record of who led them and stay as they are.
    /// </summary>
    public async Task<int> AssignAsync(Actor actor, IReadOnlyDictionary<DateOnly, int?> assignments, CancellationToken cancellationToken = default)
    {
        await PermissionGuard.RequireAsync(dataSource, actor, Permission.ManageDutyRota, null, "duty_roster", null, "值班表");
        var calendar = await calendars.CurrentAsync(cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var changed = await AssignAsync(connection, transaction, calendar, actor.CenterId, actor.UserId, Today, assignments, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return changed;
    }

    /// <summary>
    /// Copies the previous week's leaders onto this week's rota days from today on, weekday by weekday (Monday's
    /// leader to Monday …); a day with no counterpart last week (a make-up Saturday, or last week's holiday) is left
    /// as it is. Returns the number of days changed.
    /// </summary>
    public async Task<int> CopyPreviousWeekAsync(Actor actor, DateOnly monday, CancellationToken cancellationToken = default)
    {
        await PermissionGuard.RequireAsync(dataSource, actor, Permission.ManageDutyRota, null, "duty_roster", null, "值班表");
        monday = MondayOf(monday);
        var calendar = await calendars.CurrentAsync(cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var previous = await AssignedAsync(connection, transaction, actor.CenterId, monday.AddDays(-7), monday.AddDays(-1), cancellationToken);
        var today = Today;
        var copies = DaysOf(monday, calendar)
            .Where(d => d >= today && previous.ContainsKey(d.AddDays(-7)))
            .ToDictionary(d => d, d => (int?)previous[d.AddDays(-7)].UserId);
        if (copies.Count == 0)
        {
            throw new RefusedException("上周没有可复制到本周剩余工作日的排班。");
        }

        var changed = await AssignAsync(connection, transaction, calendar, actor.CenterId, actor.UserId, today, copies, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return changed;
    }

    /// <summary>The write itself, in the caller's transaction (the demo seeds through it).</summary>
    internal static async Task<int> AssignAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, WorkingCalendar calendar,
        int centerId, int? userId, DateOnly today, IReadOnlyDictionary<DateOnly, int?> assignments, CancellationToken cancellationToken = default)
    {
        if (assignments.Count == 0)
        {
            return 0;
        }

        const string leaderSql = """
            SELECT u.id AS UserId, u.display_name AS Name, u.title
            FROM app_user u
            JOIN user_role r ON r.user_id = u.id AND r.role = @Role
            WHERE u.center_id = @centerId AND u.active AND u.id = ANY(@ids)
            """;
        var ids = assignments.Values.OfType<int>().Distinct().ToArray();
        var leaders = (await connection.QueryAsync<DutyLeader>(new CommandDefinition(leaderSql, new { centerId, Role, ids }, transaction, cancellationToken: cancellationToken)))
            .ToDictionary(l => l.UserId);
        foreach (var (day, leader) in assignments.OrderBy(a => a.Key))
        {
            if (!calendar.IsWorkingDay(day))
            {
                throw new RefusedException($"{LeaderReceptions.DayText(day)}不是工作日，不安排带班领导。");
            }

            if (day < today)
            {
                throw new RefusedException($"{LeaderReceptions.DayText(day)}已过去，带班记录不能更改。");
            }

            if (leader is { } id && !leaders.ContainsKey(id))
            {
                throw new RefusedException("所选人员不是带班领导，请从名单中选择。");
            }
        }

        var current = await AssignedAsync(connection, transaction, centerId, assignments.Keys.Min(), assignments.Keys.Max(), cancellationToken);
        var changes = assignments.Where(a => current.GetValueOrDefault(a.Key)?.UserId != a.Value).OrderBy(a => a.Key).ToList();
        if (changes.Count == 0)
        {
            return 0;
        }

        const string upsert = """
            INSERT INTO duty_roster (center_id, day, role, user_id, name, title, assigned_by, assigned_at)
            VALUES (@centerId, @day, @Role, @UserId, @Name, @Title, @assignedBy, now())
            ON CONFLICT (center_id, day, role) DO UPDATE
            SET user_id = excluded.user_id, name = excluded.name, title = excluded.title,
                assigned_by = excluded.assigned_by, assigned_at = excluded.assigned_at
            """;
        const string clear = """
            DELETE FROM duty_roster
            WHERE center_id = @centerId AND day = @day AND role = @Role
            """;
        foreach (var (day, leaderId) in changes)
        {
            if (leaderId is { } id)
            {
                var leader = leaders[id];
                await connection.ExecuteAsync(new CommandDefinition(upsert, new { centerId, day, Role, leader.UserId, leader.Name, leader.Title, assignedBy = userId }, transaction, cancellationToken: cancellationToken));
            }
            else
            {
                await connection.ExecuteAsync(new CommandDefinition(clear, new { centerId, day, Role }, transaction, cancellationToken: cancellationToken));
            }
        }

        var detail = changes.Select(c => new { day = c.Key, from = current.GetValueOrDefault(c.Key)?.Name, to = c.Value is { } v ? leaders[v].Name : null }).ToList();
        await AuditLog.WriteAsync(connection, transaction, new AuditEntry("duty.assigned", centerId, userId, SubjectKind: "duty_roster", Detail: new { days = detail }));
        await LiveJournal.AppendAsync(connection, transaction, "duty.assigned", centerId, payload: new { Days = changes.Select(c => c.Key).ToList() });
        return changes.Count;
    }

    static async Task<Dictionary<DateOnly, DutyLeader>> AssignedAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction,
        int centerId, DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        const string sql = """
            SELECT day, coalesce(user_id, 0) AS UserId, name, title
            FROM duty_roster
            WHERE center_id = @centerId AND role = @Role AND day BETWEEN @from AND @to
            """;
        var rows = await connection.QueryAsync<(DateOnly Day, int UserId, string Name, string? Title)>(
            new CommandDefinition(sql, new { centerId, Role, from, to }, transaction, cancellationToken: cancellationToken));
        return rows.ToDictionary(r => r.Day, r => new DutyLeader(r.UserId, r.Name, r.Title));
    }
}
