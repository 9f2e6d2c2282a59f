using System.Globalization;
using Dapper;
using Npgsql;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Audit;
using OpsBoard.Data.Calendar;
using OpsBoard.Data.Live;

namespace OpsBoard.Data.Duty;

/// <summary>A county leader receiving petitioners at the center on a day.</summary>
public sealed record LeaderReception(int Id, DateOnly Day, string LeaderName, string? LeaderTitle, string Place, string? Topic);

/// <summary>Why a day is a reception day: the weekly Wednesday, a sensitive period, or a reception arranged outside both.</summary>
public enum ReceptionReason
{
    Wednesday,
    SensitivePeriod,
    Arranged,
}

/// <summary>One reception day with the leaders arranged for it (none yet: 待安排).</summary>
public sealed record ReceptionDay(DateOnly Day, ReceptionReason Reason, SensitivePeriod? Period, IReadOnlyList<LeaderReception> Receptions)
{
    public string ReasonLabel => Reason switch
    {
        ReceptionReason.Wednesday => "每周三例行接访",
        ReceptionReason.SensitivePeriod => $"敏感期每日接访（{Period!.Name}）",
        _ => "临时安排接访",
    };

    /// <summary>"12月2日（三）", as the notice prints a day.</summary>
    public string DayText => LeaderReceptions.DayText(Day);
}

public sealed record LeaderReceptionInput(DateOnly? Day, string? LeaderName, string? LeaderTitle, string? Place, string? Topic);

/// <summary>
/// County leaders' reception days (领导接访常态化, 《大英县接待场所方案》三(四)): every Wednesday, every day of a sensitive
/// period, and any other day a leader is arranged (重大集访群访随时). The rule is here once; the admin page, the wall and
/// the hall screen's notice (公示领导接访日期, 三(一)2) ask it.
/// </summary>
public sealed class LeaderReceptions(NpgsqlDataSource dataSource, CalendarStore calendars, TimeProvider time)
{
    public const string DefaultPlace = "领导接访室";
    public const int MaxNameLength = 20;
    public const int MaxTitleLength = 40;
    public const int MaxPlaceLength = 40;
    public const int MaxTopicLength = 60;

    /// <summary>
    /// Whether county leaders receive on a day by rule: every day of a sensitive period ("特殊敏感时段每天", weekends and
    /// holidays included), otherwise a Wednesday that is a working day (a Wednesday in a holiday has no reception).
    /// </summary>
    public static bool IsReceptionDay(DateOnly day, WorkingCalendar calendar, IEnumerable<SensitivePeriod> periods) =>
        SensitivePeriods.IsActive(periods, day) || (day.DayOfWeek == DayOfWeek.Wednesday && calendar.IsWorkingDay(day));

    public static string DayText(DateOnly day) =>
        day.ToString("M月d日", CultureInfo.InvariantCulture) + "（" + "日一二三四五六"[(int)day.DayOfWeek] + "）";

    /// <summary>Every reception day from <paramref name="from"/> to <paramref name="to"/>, by rule or arranged, with its leaders.</summary>
    public async Task<IReadOnlyList<ReceptionDay>> ScheduleAsync(int centerId, DateOnly from, DateOnly to, CancellationToken cancellationToken = default)
    {
        var calendar = await calendars.CurrentAsync(cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var periods = await SensitivePeriods.OverlappingAsync(connection, null, centerId, from, to, cancellationToken);
        const string sql = """
            SELECT id, day, leader_name AS LeaderName, leader_title AS LeaderTitle, place, topic
            FROM leader_reception
            WHERE center_id = @centerId AND day BETWEEN @from AND @to
            ORDER BY day, id
            """;
        var arranged = (await connection.QueryAsync<LeaderReception>(new CommandDefinition(sql, new { centerId, from, to }, cancellationToken: cancellationToken)))
            .ToLookup(r => r.Day);
        var days = new List<ReceptionDay>();
        for (var day = from; day <= to; day = day.AddDays(1))
        {
            var period = SensitivePeriods.ActiveOn(periods, day);
            var receptions = arranged[day].ToList();
            ReceptionReason? reason = period is not null ? ReceptionReason.SensitivePeriod
                : IsReceptionDay(day, calendar, periods) ? ReceptionReason.Wednesday
                : receptions.Count > 0 ? ReceptionReason.Arranged
                : null;
            if (reason is { } r)
            {
                days.Add(new ReceptionDay(day, r, period, receptions));
            }
        }

        return days;
    }

    /// <summary>
    /// The public notice: today (when it is a reception day) and the next <paramref name="count"/> reception days in all,
    /// looking at most eight weeks ahead.
    /// </summary>
    public async Task<IReadOnlyList<ReceptionDay>> NoticeAsync(int centerId, int count, CancellationToken cancellationToken = default)
    {
        var today = ChinaTime.Today(time);
        var days = await ScheduleAsync(centerId, today, today.AddDays(56), cancellationToken);
        return [.. days.Take(count)];
    }

    public async Task<int> AddAsync(Actor actor, LeaderReceptionInput input, CancellationToken cancellationToken = default)
    {
        await PermissionGuard.RequireAsync(dataSource, actor, Permission.ManageDutyRota, null, "leader_reception", null, "领导接访安排");
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var id = await AddAsync(connection, transaction, actor.CenterId, actor.UserId, ChinaTime.Today(time), input, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return id;
    }

    /// <summary>The write itself, in the caller's transaction (the demo seeds through it).</summary>
    internal static async Task<int> AddAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int centerId, int? userId, DateOnly today,
        LeaderReceptionInput input, CancellationToken cancellationToken = default)
    {
        var (day, name, title, place, topic) = Validate(input, today);
        const string sql = """
            INSERT INTO leader_reception (center_id, day, leader_name, leader_title, place, topic, created_by)
            VALUES (@centerId, @day, @name, @title, @place, @topic, @userId)
            ON CONFLICT (center_id, day, leader_name) DO NOTHING
            RETURNING id
            """;
        var id = await connection.ExecuteScalarAsync<int?>(new CommandDefinition(sql, new { centerId, day, name, title, place, topic, userId }, transaction, cancellationToken: cancellationToken))
            ?? throw new RefusedException($"{name}在{DayText(day)}已安排接访。");
        await AuditLog.WriteAsync(connection, transaction, new AuditEntry("reception.added", centerId, userId, SubjectKind: "leader_reception", SubjectId: id,
            Detail: new { day, name, title, place, topic }));
        await LiveJournal.AppendAsync(connection, transaction, "reception.added", centerId, payload: new { Id = id });
        return id;
    }

    public async Task RemoveAsync(Actor actor, int id, CancellationToken cancellationToken = default)
    {
        await PermissionGuard.RequireAsync(dataSource, actor, Permission.ManageDutyRota, null, "leader_reception", id, "领导接访安排");
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // A reception that has taken place is part of the record (领导接访须达到规定次数); only coming ones can be withdrawn.
        const string sql = """
            DELETE FROM leader_reception
            WHERE id = @id AND center_id = @centerId AND day >= @today
            RETURNING day, leader_name AS LeaderName
            """;
        var removed = await connection.QuerySingleOrDefaultAsync<(DateOnly Day, string LeaderName)>(
            new CommandDefinition(sql, new { id, centerId = actor.CenterId, today = ChinaTime.Today(time) }, transaction, cancellationToken: cancellationToken));
        if (removed.LeaderName is null)
        {
            throw new RefusedException("该接访安排不存在，或日期已过，不能撤销。");
        }

        await AuditLog.WriteAsync(connection, transaction, new AuditEntry("reception.removed", actor.CenterId, actor.UserId, SubjectKind: "leader_reception", SubjectId: id,
            Detail: new { removed.Day, removed.LeaderName }));
        await LiveJournal.AppendAsync(connection, transaction, "reception.removed", actor.CenterId, payload: new { Id = id });
        await transaction.CommitAsync(cancellationToken);
    }

    static (DateOnly Day, string Name, string? Title, string Place, string? Topic) Validate(LeaderReceptionInput input, DateOnly today)
    {
        static string? Clean(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
        var name = Clean(input.LeaderName);
        var title = Clean(input.LeaderTitle);
        var place = Clean(input.Place) ?? DefaultPlace;
        var topic = Clean(input.Topic);
        if (input.Day is not { } day)
        {
            throw new RefusedException("请填写接访日期。");
        }

        if (day < today)
        {
            throw new RefusedException("接访日期已过，不能再安排。");
        }

        if (name is null)
        {
            throw new RefusedException("请填写接访领导的姓名。");
        }

        if (name.Length > MaxNameLength || title?.Length > MaxTitleLength || place.Length > MaxPlaceLength || topic?.Length > MaxTopicLength)
        {
            throw new RefusedException($"姓名不超过 {MaxNameLength} 字，职务和地点不超过 {MaxTitleLength} 字，接访主题不超过 {MaxTopicLength} 字。");
        }

        return (day, name, title, place, topic);
    }
}
