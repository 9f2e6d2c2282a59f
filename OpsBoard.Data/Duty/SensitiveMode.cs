using Dapper;
using Npgsql;
using OpsBoard.Data.Emergency;

namespace OpsBoard.Data.Duty;

/// <summary>A joint reception window today: the department the roster puts there, and whether someone is signed in at it.</summary>
public sealed record JointWindowToday(int WindowId, string Code, string Name, int? UnitId, string? UnitName, string? StaffName, bool Staffed);

/// <summary>
/// Today's joint reception. On an ordinary working day the resident departments take turns and a window may stay
/// unassigned (《泗县联合接访工作方案》三: 每个工作日由常驻单位安排一名同志); while a sensitive period runs, joint reception
/// runs all day (实行全天候联合接访), so every joint window is expected to be staffed and a window with no department on the
/// roster, or nobody signed in, is a gap to fill.
/// </summary>
public sealed record JointReceptionToday(SensitivePeriod? Period, IReadOnlyList<JointWindowToday> Windows)
{
    public bool AllDay => SensitiveMode.AllDayJointReception(Period);

    /// <summary>Whether the window must be staffed today: every joint window during a period, else those on the roster.</summary>
    public bool Expected(JointWindowToday window) => AllDay || window.UnitId is not null;

    /// <summary>During a period, a joint window the roster leaves without a department (须安排).</summary>
    public bool Unassigned(JointWindowToday window) => AllDay && window.UnitId is null;

    /// <summary>A window expected today that nobody is signed in at (缺岗).</summary>
    public bool Unmanned(JointWindowToday window) => Expected(window) && !window.Staffed;

    public int UnassignedCount => Windows.Count(Unassigned);

    public int StaffedCount => Windows.Count(w => w.Staffed);

    public int ExpectedCount => Windows.Count(Expected);

    public string ModeLabel => AllDay ? SensitiveMode.AllDayJointReceptionText : "常驻单位轮值";
}

/// <summary>Today's visit by a petitioner who has gone over the county's head before (越级访: city, province or Beijing).</summary>
public sealed record EscalatedVisitor(long VisitId, DateTime ArrivedAt, long PetitionerId, string PetitionerName, int Headcount, string? UnitName,
    int PriorEscalated, string HighestLevel, DateTime LastEscalatedAt);

/// <summary>
/// What a running sensitive period (<see cref="SensitivePeriods.ActiveAsync"/>) changes on the floor, in one place:
/// joint reception all day (《泗县联合接访工作方案》三), county leaders every day (<see cref="LeaderReceptions"/>,
/// 《大英县接待场所方案》三(四)), and the office watches 劝返 and the petitioners who have gone to the city, province or
/// Beijing before — 重大节会期间上访并要求劝返的 are the 片长's to bring back (《沥海街道信访工作意见》一(五)).
/// </summary>
public static class SensitiveMode
{
    public const string AllDayJointReceptionText = "全天候联合接访";

    /// <summary>The tag a highlighted 劝返 response carries.</summary>
    public const string QuanfanTag = "敏感期劝返";

    /// <summary>The tag a visit by a petitioner with earlier escalated visits carries.</summary>
    public const string EscalatedTag = "曾越级上访";

    public static bool AllDayJointReception(SensitivePeriod? period) => period is not null;

    /// <summary>During a period a 劝返 response is highlighted on the duty console and the wall.</summary>
    public static bool Highlights(SensitivePeriod? period, string emergencyKind) => period is not null && emergencyKind == EmergencyKind.Quanfan;

    /// <summary>During a period today's visits by petitioners with earlier escalated visits are listed and highlighted.</summary>
    public static bool WatchesEscalatedVisitors(SensitivePeriod? period) => period is not null;

    /// <summary>
    /// The response the wall's one-line strip shows: the oldest under way; during a period the oldest 劝返 goes first,
    /// since bringing a petitioner back from a higher level is the period's most pressing task.
    /// </summary>
    public static EmergencySummary? Lead(IReadOnlyList<EmergencySummary> active, SensitivePeriod? period) =>
        active.Where(e => Highlights(period, e.Kind)).OrderBy(e => e.LaunchedAt).FirstOrDefault()
        ?? active.OrderBy(e => e.LaunchedAt).FirstOrDefault();
}

/// <summary>The floor as a sensitive period changes it: joint windows to staff, visitors to watch.</summary>
public sealed class SensitiveFloor(NpgsqlDataSource dataSource, SensitivePeriods periods, TimeProvider time)
{
    public Task<SensitivePeriod?> PeriodAsync(int centerId, CancellationToken cancellationToken = default) =>
        periods.ActiveAsync(centerId, cancellationToken: cancellationToken);

    /// <summary>Today's joint windows with their roster and who is signed in, read against the period running today.</summary>
    public async Task<JointReceptionToday> JointReceptionAsync(int centerId, SensitivePeriod? period, CancellationToken cancellationToken = default)
    {
        const string sql = """
            SELECT w.id AS WindowId, w.code, w.name, r.unit_id AS UnitId, u.name AS UnitName, r.staff_name AS StaffName,
                   EXISTS (SELECT 1 FROM window_session s WHERE s.window_id = w.id AND s.ended_at IS NULL) AS Staffed
            FROM service_window w
            LEFT JOIN joint_roster r ON r.window_id = w.id AND r.day = @day
            LEFT JOIN unit u ON u.id = r.unit_id
            WHERE w.center_id = @centerId AND w.kind = 'joint' AND w.active
            ORDER BY w.code
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var windows = await connection.QueryAsync<JointWindowToday>(new CommandDefinition(sql, new { centerId, day = ChinaTime.Today(time) }, cancellationToken: cancellationToken));
        return new JointReceptionToday(period, [.. windows]);
    }

    public async Task<JointReceptionToday> JointReceptionAsync(int centerId, CancellationToken cancellationToken = default) =>
        await JointReceptionAsync(centerId, await PeriodAsync(centerId, cancellationToken), cancellationToken);

    /// <summary>
    /// Today's visits at the center by petitioners with an escalated visit before today — empty when no period runs
    /// (<see cref="SensitiveMode.WatchesEscalatedVisitors"/>). Every person registered on a visit counts, not only the
    /// one who registered for a group.
    /// </summary>
    public async Task<IReadOnlyList<EscalatedVisitor>> EscalatedVisitorsAsync(int centerId, SensitivePeriod? period, CancellationToken cancellationToken = default)
    {
        if (!SensitiveMode.WatchesEscalatedVisitors(period))
        {
            return [];
        }

        // The people of a visit: the one who registered it and everyone registered with them. Escalated visits are
        // reported back by the higher level about one person, the visit's petitioner (visit_petitioner_idx).
        const string sql = """
            WITH today AS (
                SELECT v.id, v.petitioner_id AS person
                FROM visit v
                WHERE v.center_id = @centerId AND v.visit_day = @day AND v.level = 'county'
                UNION
                SELECT v.id, vp.petitioner_id
                FROM visit v
                JOIN visit_person vp ON vp.visit_id = v.id
                WHERE v.center_id = @centerId AND v.visit_day = @day AND v.level = 'county'
            )
            SELECT DISTINCT ON (v.id)
                   v.id AS VisitId, v.arrived_at AS ArrivedAt, pe.id AS PetitionerId, pe.name AS PetitionerName, v.headcount,
                   coalesce(mu.name, l.name) AS UnitName,
                   h.prior::int AS PriorEscalated, h.highest AS HighestLevel, h.last_at AS LastEscalatedAt
            FROM today t
            JOIN visit v ON v.id = t.id
            JOIN petitioner pe ON pe.id = t.person
            JOIN LATERAL (
                SELECT count(*) AS prior, max(e.arrived_at) AS last_at,
                       (array_agg(e.level ORDER BY array_position(ARRAY['national', 'province', 'city'], e.level)))[1] AS highest
                FROM visit e
                WHERE e.petitioner_id = t.person AND e.level <> 'county' AND e.visit_day < @day
                HAVING count(*) > 0
            ) h ON true
            LEFT JOIN matter m ON m.id = v.matter_id
            LEFT JOIN unit mu ON mu.id = m.responsible_unit_id
            LEFT JOIN unit l ON l.id = v.locality_id
            WHERE v.center_id = @centerId
            ORDER BY v.id DESC, h.prior DESC
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<EscalatedVisitor>(new CommandDefinition(sql, new { centerId, day = ChinaTime.Today(time) }, cancellationToken: cancellationToken));
        return [.. rows.OrderByDescending(r => r.ArrivedAt)];
    }
}
