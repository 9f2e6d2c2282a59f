using Dapper;
using Npgsql;
using OpsBoard.Data.Accounts;

namespace OpsBoard.Data.Emergency;

/// <summary>A response as a list, the console and the wall show it.</summary>
public sealed record EmergencySummary(long Id, string Kind, string Place, int Headcount, string State, DateTime LaunchedAt, DateTime? ClosedAt,
    string? UnitName, int Responders, int Acknowledged, int Arrived, bool MustReport, DateTime? ReportDueAt, DateTime? ReportedAt, DateTime? LateAt)
{
    /// <summary>缓报: flagged, or past the deadline without a report and the watcher not yet round.</summary>
    public bool IsLate(DateTimeOffset now) => LateAt is not null || (ReportedAt is null && ReportDueAt is { } due && now.UtcDateTime > due);

    public string ReportText(DateTimeOffset now) =>
        !MustReport ? "无需报告" : ReportedAt is not null ? (LateAt is null ? "已报告" : "已报告（缓报）") : IsLate(now) ? "缓报" : "待报告";
}

public sealed record ResponderView(long Id, int UserId, string Name, string Role, string? UnitName, string Phone, DateTime NotifiedAt, DateTime AckDueAt,
    DateTime? AcknowledgedAt, DateTime? ArrivedAt, DateTime? EscalatedAt, string? EscalatedFromName);

public sealed record ReportView(DateTime ReportedAt, string Channel, string Recipients, string Content, string? RecordedBy);

public sealed record TimelineRow(int Seq, DateTime At, string ActorName, string Step, string Detail, string Hash);

public sealed record EmergencyDetail(EmergencySummary Summary, string SummaryText, long? VisitId, string? LaunchedBy, string? Outcome, string? FollowUp,
    DateOnly? AppointmentOn, long? SlipId, long? MatterId, string? ClosedBy, IReadOnlyList<ResponderView> Responders, IReadOnlyList<ReportView> Reports,
    IReadOnlyList<TimelineRow> Timeline, int? BrokenAt);

/// <summary>A visit of today the duty leader may launch a response for: a collective visit, or extreme behaviour recorded at the desk.</summary>
public sealed record VisitCandidate(long VisitId, DateTime ArrivedAt, int Headcount, string BehaviourList, string? UnitName, long? EmergencyId)
{
    public string[] Behaviours => BehaviourList.Split(',', StringSplitOptions.RemoveEmptyEntries);
}

public sealed class EmergencyQueries(NpgsqlDataSource dataSource, TimeProvider time)
{
    const string SummarySql = """
        SELECT e.id, e.kind, e.place, e.headcount, e.state, e.launched_at AS LaunchedAt, e.closed_at AS ClosedAt, u.name AS UnitName,
               (SELECT count(*) FROM emergency_responder r WHERE r.emergency_id = e.id)::int AS Responders,
               (SELECT count(*) FROM emergency_responder r WHERE r.emergency_id = e.id AND r.acknowledged_at IS NOT NULL)::int AS Acknowledged,
               (SELECT count(*) FROM emergency_responder r WHERE r.emergency_id = e.id AND r.arrived_at IS NOT NULL)::int AS Arrived,
               k.must_report AS MustReport, e.report_due_at AS ReportDueAt, e.reported_at AS ReportedAt, e.late_at AS LateAt
        FROM emergency e
        JOIN emergency_kind k ON k.code = e.kind
        LEFT JOIN unit u ON u.id = e.unit_id
        """;

    public DateTimeOffset Now => time.GetUtcNow();

    /// <summary>The responses under way, oldest first: what the wall's banner and the console show.</summary>
    public async Task<IReadOnlyList<EmergencySummary>> ActiveAsync(int centerId, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return [.. await connection.QueryAsync<EmergencySummary>(SummarySql + """

            WHERE e.center_id = @centerId AND e.state = 'active'
            ORDER BY e.launched_at
            """, new { centerId })];
    }

    public async Task<IReadOnlyList<EmergencySummary>> RecentClosedAsync(int centerId, int count = 10)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        return [.. await connection.QueryAsync<EmergencySummary>(SummarySql + """

            WHERE e.center_id = @centerId AND e.state = 'closed'
            ORDER BY e.closed_at DESC
            LIMIT @count
            """, new { centerId, count })];
    }

    /// <summary>A responder's inbox: the responses they are listed on, open ones first.</summary>
    public async Task<IReadOnlyList<(EmergencySummary Summary, ResponderView Me)>> InboxAsync(Actor actor)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        var summaries = (await connection.QueryAsync<EmergencySummary>(SummarySql + """

            WHERE e.center_id = @CenterId AND EXISTS (SELECT 1 FROM emergency_responder r WHERE r.emergency_id = e.id AND r.user_id = @UserId)
            ORDER BY e.state = 'closed', e.launched_at DESC
            LIMIT 30
            """, new { actor.CenterId, actor.UserId })).ToList();
        var mine = (await ResponderQueryAsync(connection, summaries.Select(s => s.Id).ToArray(), actor.UserId)).ToDictionary(r => r.EmergencyId);
        return [.. summaries.Where(s => mine.ContainsKey(s.Id)).Select(s => (s, mine[s.Id].View))];
    }

    /// <summary>Whether the actor may read this response: the center's leaders and desk, or a responder listed on it.</summary>
    public async Task<bool> MaySeeAsync(Actor actor, long emergencyId)
    {
        if (actor.Roles.Any(r => r.UnitId is null && (Permissions.Allows(r.Role, Permission.LaunchEmergency) || Permissions.Allows(r.Role, Permission.RecordArrival))))
        {
            return true;
        }

        await using var connection = await dataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<bool>(
            "SELECT EXISTS (SELECT 1 FROM emergency_responder WHERE emergency_id = @emergencyId AND user_id = @UserId)", new { emergencyId, actor.UserId });
    }

    public async Task<EmergencyDetail?> DetailAsync(int centerId, long emergencyId)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        var summary = await connection.QuerySingleOrDefaultAsync<EmergencySummary>(SummarySql + """

            WHERE e.center_id = @centerId AND e.id = @emergencyId
            """, new { centerId, emergencyId });
        if (summary is null)
        {
            return null;
        }

        var more = await connection.QuerySingleAsync<DetailRow>("""
            SELECT e.summary AS SummaryText, e.visit_id AS VisitId, l.display_name AS LaunchedBy, e.outcome, e.follow_up AS FollowUp,
                   e.appointment_on AS AppointmentOn, e.slip_id AS SlipId, e.matter_id AS MatterId, c.display_name AS ClosedBy
            FROM emergency e
            LEFT JOIN app_user l ON l.id = e.launched_by
            LEFT JOIN app_user c ON c.id = e.closed_by
            WHERE e.id = @emergencyId
            """, new { emergencyId });
        var responders = (await ResponderQueryAsync(connection, [emergencyId], null)).Select(r => r.View).ToList();
        var reports = (await connection.QueryAsync<ReportView>("""
            SELECT r.reported_at AS ReportedAt, r.channel, r.recipients, r.content, a.display_name AS RecordedBy
            FROM emergency_report r
            LEFT JOIN app_user a ON a.id = r.recorded_by
            WHERE r.emergency_id = @emergencyId
            ORDER BY r.reported_at, r.id
            """, new { emergencyId })).ToList();
        var timeline = (await connection.QueryAsync<TimelineRow>("""
            SELECT seq, at, actor_name AS ActorName, step, detail, encode(hash, 'hex') AS Hash
            FROM emergency_timeline
            WHERE emergency_id = @emergencyId
            ORDER BY seq
            """, new { emergencyId })).ToList();
        var broken = await connection.ExecuteScalarAsync<int?>("SELECT emergency_timeline_broken(@emergencyId)", new { emergencyId });
        return new EmergencyDetail(summary, more.SummaryText, more.VisitId, more.LaunchedBy, more.Outcome, more.FollowUp,
            more.AppointmentOn, more.SlipId, more.MatterId, more.ClosedBy, responders, reports, timeline, broken);
    }

    /// <summary>The first timeline row whose hash does not hold, or null when the chain is intact.</summary>
    public async Task<int?> BrokenAtAsync(long emergencyId)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<int?>("SELECT emergency_timeline_broken(@emergencyId)", new { emergencyId });
    }

    /// <summary>Today's collective visits and visits with extreme behaviour, with the response launched for each, if any.</summary>
    public async Task<IReadOnlyList<VisitCandidate>> CandidatesTodayAsync(int centerId)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        return [.. await connection.QueryAsync<VisitCandidate>("""
            SELECT v.id AS VisitId, v.arrived_at AS ArrivedAt, v.headcount, array_to_string(v.behaviours, ',') AS BehaviourList,
                   coalesce(mu.name, CASE WHEN l.kind IN ('village', 'work_team') THEN p.name ELSE l.name END) AS UnitName,
                   (SELECT max(e.id) FROM emergency e WHERE e.visit_id = v.id) AS EmergencyId
            FROM visit v
            LEFT JOIN matter m ON m.id = v.matter_id
            LEFT JOIN unit mu ON mu.id = m.responsible_unit_id
            LEFT JOIN unit l ON l.id = v.locality_id
            LEFT JOIN unit p ON p.id = l.parent_id
            WHERE v.center_id = @centerId AND v.visit_day = @today AND (v.is_collective OR cardinality(v.behaviours) > 0)
            ORDER BY v.arrived_at DESC
            """, new { centerId, today = ChinaTime.Today(time) })];
    }

    /// <summary>Whether a visit calls for a response (5 or more people, or extreme behaviour), and of which kind.</summary>
    public static string? KindFor(int headcount, IReadOnlyCollection<string> behaviours) =>
        behaviours.Count > 0 ? EmergencyKind.Extreme : Reception.CollectiveVisit.Is(headcount) ? EmergencyKind.Collective : null;

    public async Task<(int Headcount, string[] Behaviours, int? UnitId, string? Summary)?> VisitFactsAsync(int centerId, long visitId)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        var row = await connection.QuerySingleOrDefaultAsync<VisitRow>("""
            SELECT v.headcount, array_to_string(v.behaviours, ',') AS Behaviours,
                   coalesce(m.responsible_unit_id, CASE WHEN l.kind IN ('village', 'work_team') THEN l.parent_id ELSE l.id END) AS UnitId,
                   m.summary
            FROM visit v
            LEFT JOIN matter m ON m.id = v.matter_id
            LEFT JOIN unit l ON l.id = v.locality_id
            WHERE v.id = @visitId AND v.center_id = @centerId
            """, new { visitId, centerId });
        return row is null ? null : (row.Headcount, row.Behaviours.Split(',', StringSplitOptions.RemoveEmptyEntries), row.UnitId, row.Summary);
    }

    /// <summary>
    /// After registration: whether the visit behind a ticket calls for a response (5 or more people, or extreme
    /// behaviour), so the desk offers 发起应急处置; null when it does not or one was launched already.
    /// </summary>
    public async Task<(long VisitId, string Kind, int Headcount)?> OfferForTicketAsync(int centerId, long ticketId)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        var row = await connection.QuerySingleOrDefaultAsync<OfferRow>("""
            SELECT v.id AS VisitId, v.headcount, array_to_string(v.behaviours, ',') AS Behaviours
            FROM ticket t
            JOIN visit v ON v.id = t.visit_id
            WHERE t.id = @ticketId AND t.center_id = @centerId
              AND NOT EXISTS (SELECT 1 FROM emergency e WHERE e.visit_id = v.id)
            """, new { ticketId, centerId });
        return row is not null && KindFor(row.Headcount, row.Behaviours.Split(',', StringSplitOptions.RemoveEmptyEntries)) is { } kind ? (row.VisitId, kind, row.Headcount) : null;
    }

    sealed record OfferRow(long VisitId, int Headcount, string Behaviours);

    sealed record VisitRow(int Headcount, string Behaviours, int? UnitId, string? Summary);

    sealed record DetailRow(string SummaryText, long? VisitId, string? LaunchedBy, string? Outcome, string? FollowUp, DateOnly? AppointmentOn, long? SlipId,
        long? MatterId, string? ClosedBy);

    sealed record ResponderRow(long EmergencyId, long Id, int UserId, string Name, string Role, string? UnitName, string Phone, DateTime NotifiedAt,
        DateTime AckDueAt, DateTime? AcknowledgedAt, DateTime? ArrivedAt, DateTime? EscalatedAt, string? EscalatedFromName)
    {
        public ResponderView View => new(Id, UserId, Name, Role, UnitName, Phone, NotifiedAt, AckDueAt, AcknowledgedAt, ArrivedAt, EscalatedAt, EscalatedFromName);
    }

    static Task<IEnumerable<ResponderRow>> ResponderQueryAsync(NpgsqlConnection connection, long[] ids, int? userId) =>
        connection.QueryAsync<ResponderRow>("""
            SELECT r.emergency_id AS EmergencyId, r.id, r.user_id AS UserId, a.display_name AS Name, r.role, u.name AS UnitName, r.phone,
                   r.notified_at AS NotifiedAt, r.ack_due_at AS AckDueAt, r.acknowledged_at AS AcknowledgedAt, r.arrived_at AS ArrivedAt,
                   r.escalated_at AS EscalatedAt, fa.display_name AS EscalatedFromName
            FROM emergency_responder r
            JOIN app_user a ON a.id = r.user_id
            LEFT JOIN unit u ON u.id = r.unit_id
            LEFT JOIN emergency_responder f ON f.id = r.escalated_from
            LEFT JOIN app_user fa ON fa.id = f.user_id
            WHERE r.emergency_id = ANY(@ids) AND (@userId::int IS NULL OR r.user_id = @userId)
            ORDER BY r.id
            """, new { ids, userId });
}

/// <summary>The actions a user may take on a response now, so a page offers only what can succeed.</summary>
public static class EmergencyActions
{
    public const string Acknowledge = "acknowledge";
    public const string Arrival = "arrival";
    public const string Report = "report";
    public const string Measure = "measure";
    public const string Close = "close";

    public static IReadOnlySet<string> For(EmergencyDetail detail, Actor actor)
    {
        var actions = new HashSet<string>();
        if (detail.Summary.State != EmergencyState.Active)
        {
            return actions;
        }

        bool Center(Permission p) => actor.Roles.Any(r => r.UnitId is null && Permissions.Allows(r.Role, p));
        if (actor.Holds(Permission.RespondEmergency) && detail.Responders.Any(r => r.UserId == actor.UserId && r.AcknowledgedAt is null))
        {
            actions.Add(Acknowledge);
        }

        if (Center(Permission.RecordArrival) && detail.Responders.Any(r => r.ArrivedAt is null))
        {
            actions.Add(Arrival);
        }

        if (Center(Permission.ReportUpward))
        {
            actions.Add(Report);
        }

        if (Center(Permission.LaunchEmergency))
        {
            actions.Add(Measure);
        }

        if (Center(Permission.CloseEmergency))
        {
            actions.Add(Close);
        }

        return actions;
    }
}

/// <summary>Units a response can be assigned to (as <see cref="UnitChoice"/>): county departments, streets and towns.</summary>
public static class EmergencyUnits
{
    public static async Task<IReadOnlyList<UnitChoice>> ForCenterAsync(NpgsqlDataSource dataSource, int centerId)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        return [.. await connection.QueryAsync<UnitChoice>("""
            SELECT id, name
            FROM unit
            WHERE center_id = @centerId AND active AND kind IN ('department', 'street', 'town')
            ORDER BY kind, name
            """, new { centerId })];
    }
}
