using Dapper;
using Npgsql;

namespace OpsBoard.Data.Reception;

public sealed record WindowNow(int WindowId, string Code, string Name, string Kind, string? Department, bool Staffed, string? Number, string? State);

public sealed record LineQueue(int LineId, string Code, string Name, int Waiting, int Priority, DateTime? OldestSince);

public sealed record AreaOccupancy(int AreaId, string Name, int Seats, int Present)
{
    public double Ratio => Seats == 0 ? 0 : (double)Present / Seats;

    public string Level => OccupancyLevel.Of(Ratio);
}

public sealed record CalledTicket(string Number, string WindowName, DateTime CalledAt, long TicketId);

/// <summary>The newest call or recall announced in a center: its journal id changes on every announcement.</summary>
public sealed record LatestCall(long EventId, long TicketId);


public sealed record FloorTotals(int Visits, int People, int FirstVisits, int Collective, int GreenChannel, int Rated, int Satisfied);

/// <summary>What the floor looks like now: the wall display, the hall screen and the window console read these.</summary>
public sealed class FloorQueries(NpgsqlDataSource dataSource, TimeProvider time)
{
    DateOnly Today => ChinaTime.Today(time);

    public async Task<IReadOnlyList<WindowNow>> WindowsAsync(int centerId, CancellationToken cancellationToken = default)
    {
        const string sql = """
            SELECT w.id AS WindowId, w.code, w.name, w.kind, u.name AS Department,
                   EXISTS (SELECT 1 FROM window_session s WHERE s.window_id = w.id AND s.ended_at IS NULL) AS Staffed,
                   t.number, t.state
            FROM service_window w
            LEFT JOIN joint_roster r ON r.window_id = w.id AND r.day = @day
            LEFT JOIN unit u ON u.id = r.unit_id
            LEFT JOIN LATERAL (
                SELECT number, state
                FROM ticket
                WHERE window_id = w.id AND issued_on = @day AND state IN ('called', 'serving', 'on_hold')
                ORDER BY issued_at DESC
                LIMIT 1
            ) t ON true
            WHERE w.center_id = @centerId AND w.active AND w.kind <> 'registration'
            ORDER BY w.kind <> 'reception', w.code
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return [.. await connection.QueryAsync<WindowNow>(new CommandDefinition(sql, new { centerId, day = Today }, cancellationToken: cancellationToken))];
    }

    public async Task<IReadOnlyList<LineQueue>> QueuesAsync(int centerId, CancellationToken cancellationToken = default)
    {
        const string sql = """
            SELECT l.id AS LineId, l.code, l.name,
                   count(t.id)::int AS Waiting,
                   count(t.id) FILTER (WHERE t.priority)::int AS Priority,
                   min(t.issued_at) AS OldestSince
            FROM service_line l
            LEFT JOIN ticket t ON t.service_line_id = l.id AND t.issued_on = @day AND t.state = 'waiting'
            WHERE l.center_id = @centerId AND l.active
            GROUP BY l.id, l.code, l.name
            ORDER BY l.code
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return [.. await connection.QueryAsync<LineQueue>(new CommandDefinition(sql, new { centerId, day = Today }, cancellationToken: cancellationToken))];
    }

    public async Task<IReadOnlyList<AreaOccupancy>> OccupancyAsync(int centerId, CancellationToken cancellationToken = default)
    {
        const string sql = """
            SELECT a.id AS AreaId, a.name, a.seats, greatest(coalesce(sum(m.people), 0), 0)::int AS Present
            FROM waiting_area a
            LEFT JOIN waiting_movement m ON m.area_id = a.id AND m.day = @day
            WHERE a.center_id = @centerId
            GROUP BY a.id, a.name, a.seats
            ORDER BY a.id
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return [.. await connection.QueryAsync<AreaOccupancy>(new CommandDefinition(sql, new { centerId, day = Today }, cancellationToken: cancellationToken))];
    }

    public async Task<FloorTotals> TotalsAsync(int centerId, CancellationToken cancellationToken = default)
    {
        const string sql = """
            SELECT count(*)::int AS Visits,
                   coalesce(sum(v.headcount), 0)::int AS People,
                   count(*) FILTER (WHERE v.is_first_visit)::int AS FirstVisits,
                   count(*) FILTER (WHERE v.is_collective)::int AS Collective,
                   count(*) FILTER (WHERE EXISTS (SELECT 1 FROM ticket t WHERE t.visit_id = v.id AND t.priority))::int AS GreenChannel,
                   count(e.id)::int AS Rated,
                   count(e.id) FILTER (WHERE e.rating = 'satisfied')::int AS Satisfied
            FROM visit v
            -- A probe per visit of the day (LIMIT 1 keeps it a probe: a visit has one evaluation at most). A plain join
            -- let the planner merge the day's visits with every evaluation ever recorded, half a second at a million visits.
            LEFT JOIN LATERAL (SELECT x.id, x.rating FROM evaluation x WHERE x.visit_id = v.id LIMIT 1) e ON true
            WHERE v.center_id = @centerId AND v.visit_day = @day AND v.level = 'county'
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleAsync<FloorTotals>(new CommandDefinition(sql, new { centerId, day = Today }, cancellationToken: cancellationToken));
    }

    /// <summary>Today's calls, newest first, without the calls nobody answered (未到): the hall shows who was really called.</summary>
    public async Task<IReadOnlyList<CalledTicket>> LastCalledAsync(int centerId, int count, CancellationToken cancellationToken = default)
    {
        // A first no-show sends the ticket back to the queue with a new queue_at: its calls before that went unanswered.
        const string sql = """
            SELECT t.number, w.name AS WindowName, p.started_at AS CalledAt, t.id AS TicketId
            FROM ticket_period p
            JOIN ticket t ON t.id = p.ticket_id
            JOIN service_window w ON w.id = p.window_id
            WHERE t.center_id = @centerId AND t.issued_on = @day AND p.state = 'called'
              AND t.state <> 'no_show'
              AND NOT (t.no_shows > 0 AND p.started_at < t.queue_at)
            ORDER BY p.started_at DESC, p.id DESC
            LIMIT @count
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return [.. await connection.QueryAsync<CalledTicket>(new CommandDefinition(sql, new { centerId, day = Today, count }, cancellationToken: cancellationToken))];
    }

    /// <summary>
    /// The last call or recall (重新叫号) in the journal. A recall changes no ticket row, so the hall screen keys its
    /// flash and voice call on this event id. The window on live_event.at is the database's own clock and keeps the
    /// backward scan short.
    /// </summary>
    public async Task<LatestCall?> LatestCallAsync(int centerId, CancellationToken cancellationToken = default)
    {
        const string sql = """
            SELECT id AS EventId, (payload->>'Id')::bigint AS TicketId
            FROM live_event
            WHERE center_id = @centerId
              AND kind IN ('ticket.called', 'ticket.recalled')
              AND at > now() - interval '1 day'
            ORDER BY id DESC
            LIMIT 1
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<LatestCall>(new CommandDefinition(sql, new { centerId }, cancellationToken: cancellationToken));
    }
}
