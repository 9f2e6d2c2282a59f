using Dapper;
using Npgsql;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Personal;

namespace OpsBoard.Data.Reception;

public sealed record WindowChoice(int Id, string Code, string Name, string Kind, string? StaffedBy);

public sealed record CurrentTicket(long Id, string Number, string State, bool Priority, string? PriorityReason, bool IsFirstVisit,
    int Headcount, string? MatterCode, string? Category, string? Summary, DateTime IssuedAt);

public sealed record WaitingTicket(long Id, string Number, bool Priority, DateTime IssuedAt, int NoShows, bool ForThisWindow);

public sealed record WindowTakeover(string WindowName, string By, DateTime At);

public sealed record TransferTarget(int LineId, string LineText, int? WindowId, string? WindowName);

/// <summary>Who is at the window: the principal as the officer may see them, their earlier visits and open matters.</summary>
public sealed record WindowVisitor(PetitionerCard Petitioner, IReadOnlyList<PastVisit> EarlierVisits, bool MoreVisits,
    IReadOnlyList<OpenMatter> OpenMatters);

/// <summary>What a window's console shows: its session, its ticket, and the queue it calls from.</summary>
public sealed class WindowQueries(NpgsqlDataSource dataSource, PetitionerCards cards, TimeProvider time)
{
    public async Task<IReadOnlyList<WindowChoice>> WindowsAsync(int centerId)
    {
        const string sql = """
            SELECT w.id, w.code, w.name, w.kind, u.display_name AS StaffedBy
            FROM service_window w
            LEFT JOIN window_session s ON s.window_id = w.id AND s.ended_at IS NULL
            LEFT JOIN app_user u ON u.id = s.user_id
            WHERE w.center_id = @centerId AND w.active AND w.kind <> 'registration'
            ORDER BY w.code
            """;
        await using var connection = await dataSource.OpenConnectionAsync();
        return [.. await connection.QueryAsync<WindowChoice>(sql, new { centerId })];
    }

    /// <summary>The window this user is signed in to, if any.</summary>
    public async Task<WindowChoice?> SessionOfAsync(int centerId, int userId)
    {
        const string sql = """
            SELECT w.id, w.code, w.name, w.kind, u.display_name AS StaffedBy
            FROM window_session s
            JOIN service_window w ON w.id = s.window_id
            JOIN app_user u ON u.id = s.user_id
            WHERE s.user_id = @userId AND s.ended_at IS NULL AND w.center_id = @centerId
            ORDER BY s.started_at DESC
            LIMIT 1
            """;
        await using var connection = await dataSource.OpenConnectionAsync();
        return await connection.QuerySingleOrDefaultAsync<WindowChoice>(sql, new { centerId, userId });
    }

    /// <summary>
    /// The user's last window session today, when someone else ended it by taking the window over and the user has not
    /// signed in anywhere since: what their console tells them.
    /// </summary>
    public async Task<WindowTakeover?> TakenOverAsync(int centerId, int userId)
    {
        const string sql = """
            SELECT w.name AS WindowName, u.display_name AS By, s.ended_at AS At
            FROM window_session s
            JOIN service_window w ON w.id = s.window_id
            JOIN app_user u ON u.id = s.ended_by
            WHERE s.user_id = @userId AND w.center_id = @centerId AND s.ended_at >= @dayStart
              AND s.ended_by <> s.user_id
              AND NOT EXISTS (SELECT 1 FROM window_session later WHERE later.user_id = @userId AND later.started_at > s.started_at)
            ORDER BY s.ended_at DESC
            LIMIT 1
            """;
        await using var connection = await dataSource.OpenConnectionAsync();
        return await connection.QuerySingleOrDefaultAsync<WindowTakeover>(sql,
            new { centerId, userId, dayStart = ChinaTime.StartOf(ChinaTime.Today(time)).ToUniversalTime() });
    }

    public async Task<CurrentTicket?> CurrentAsync(int windowId)
    {
        const string sql = """
            SELECT t.id, t.number, t.state, t.priority, t.priority_reason AS PriorityReason, v.is_first_visit AS IsFirstVisit,
                   v.headcount, m.code AS MatterCode, c.name AS Category, m.summary, t.issued_at AS IssuedAt
            FROM ticket t
            JOIN visit v ON v.id = t.visit_id
            LEFT JOIN matter m ON m.id = v.matter_id
            LEFT JOIN matter_category c ON c.code = m.category
            WHERE t.window_id = @windowId AND t.issued_on = @day AND t.state IN ('called', 'serving', 'on_hold')
            ORDER BY t.issued_at DESC
            LIMIT 1
            """;
        await using var connection = await dataSource.OpenConnectionAsync();
        return await connection.QuerySingleOrDefaultAsync<CurrentTicket>(sql, new { windowId, day = ChinaTime.Today(time) });
    }

    public const int EarlierVisitsShown = 10;

    /// <summary>
    /// The person the officer is serving (a ticket called, served or held at the actor's own window), or null. The
    /// visit being served is not one of the earlier visits.
    /// </summary>
    public async Task<WindowVisitor?> VisitorAsync(Actor actor, long ticketId)
    {
        var card = await cards.OfTicketAsync(actor, ticketId);
        if (card is null)
        {
            return null;
        }

        await using var connection = await dataSource.OpenConnectionAsync();
        var visitId = await connection.ExecuteScalarAsync<long>("SELECT visit_id FROM ticket WHERE id = @ticketId", new { ticketId });
        var visits = await DeskQueries.VisitsAsync(connection, actor.CenterId, card.Id, visitId, EarlierVisitsShown + 1);
        var matters = await DeskQueries.OpenMattersAsync(connection, actor.CenterId, card.Id);
        return new WindowVisitor(card, [.. visits.Take(EarlierVisitsShown)], visits.Count > EarlierVisitsShown, matters);
    }

    public async Task<IReadOnlyList<WaitingTicket>> WaitingAsync(int windowId)
    {
        const string sql = """
            SELECT t.id, t.number, t.priority, t.issued_at AS IssuedAt, t.no_shows AS NoShows, t.window_id IS NOT NULL AS ForThisWindow
            FROM ticket t
            JOIN window_line wl ON wl.service_line_id = t.service_line_id AND wl.window_id = @windowId
            WHERE t.issued_on = @day AND t.state = 'waiting' AND (t.window_id IS NULL OR t.window_id = @windowId)
            ORDER BY t.priority DESC, t.queue_at, t.id
            LIMIT 30
            """;
        await using var connection = await dataSource.OpenConnectionAsync();
        return [.. await connection.QueryAsync<WaitingTicket>(sql, new { windowId, day = ChinaTime.Today(time) })];
    }

    /// <summary>Every line, and every window serving it; a joint window shows the department staffing it today.</summary>
    public async Task<IReadOnlyList<TransferTarget>> TransferTargetsAsync(int centerId)
    {
        const string sql = """
            SELECT l.id AS LineId, l.code || ' ' || l.name AS LineText, w.id AS WindowId,
                   w.name || coalesce('（' || u.name || '）', '') AS WindowName
            FROM service_line l
            LEFT JOIN window_line wl ON wl.service_line_id = l.id
            LEFT JOIN service_window w ON w.id = wl.window_id AND w.active
            LEFT JOIN joint_roster r ON r.window_id = w.id AND r.day = @day
            LEFT JOIN unit u ON u.id = r.unit_id
            WHERE l.center_id = @centerId AND l.active
            ORDER BY l.code, w.code
            """;
        await using var connection = await dataSource.OpenConnectionAsync();
        return [.. await connection.QueryAsync<TransferTarget>(sql, new { centerId, day = ChinaTime.Today(time) })];
    }
}
