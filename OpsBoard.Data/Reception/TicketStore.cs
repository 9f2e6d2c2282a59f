using Dapper;
using Npgsql;
using OpsBoard.Data.Audit;
using OpsBoard.Data.Live;

namespace OpsBoard.Data.Reception;

public enum Placement
{
    Front,
    Back,
    ByWaitingTime,
}

public sealed record TicketRow(long Id, long VisitId, string Number, string State, int ServiceLineId, int? WindowId, bool Priority, DateTime IssuedAt, int NoShows);

/// <summary>
/// A ticket's life at the windows: call, recall, no-show, serve, hold, transfer, finish. Every change closes the
/// ticket's open state period, opens the next, and journals a live event — all in one transaction.
/// </summary>
public sealed class TicketStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    /// <summary>
    /// Signs a user in to a window. A window someone else holds is taken over only when <paramref name="takeOver"/>
    /// confirms it: the previous holder is signed out, told on their console, and the takeover is audited. Whatever
    /// ticket is at the window stays there, now the new holder's.
    /// </summary>
    public async Task SignInWindowAsync(int centerId, int windowId, int userId, bool takeOver = false, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await RequireWindowAsync(connection, transaction, centerId, windowId);
        const string elsewhereSql = """
            SELECT w.name
            FROM window_session s
            JOIN service_window w ON w.id = s.window_id
            WHERE s.user_id = @userId AND s.ended_at IS NULL AND s.window_id <> @windowId
            LIMIT 1
            """;
        var elsewhere = await connection.ExecuteScalarAsync<string?>(elsewhereSql, new { userId, windowId }, transaction);
        if (elsewhere is not null)
        {
            throw new FloorException($"您已在{elsewhere}签到，请先在该窗口签退，再到其他窗口签到。");
        }

        const string holderSql = """
            SELECT s.id, s.user_id AS UserId, u.display_name AS Name, w.name AS WindowName
            FROM window_session s
            JOIN app_user u ON u.id = s.user_id
            JOIN service_window w ON w.id = s.window_id
            WHERE s.window_id = @windowId AND s.ended_at IS NULL
            FOR UPDATE OF s
            """;
        var holder = await connection.QuerySingleOrDefaultAsync<WindowHolder>(holderSql, new { windowId }, transaction);
        if (holder?.UserId == userId)
        {
            return;
        }

        if (holder is not null && !takeOver)
        {
            throw new WindowHeldException(holder.WindowName, holder.Name);
        }

        var now = time.GetUtcNow();
        if (holder is not null)
        {
            await connection.ExecuteAsync(
                "UPDATE window_session SET ended_at = @now, ended_by = @userId WHERE id = @Id", new { holder.Id, now, userId }, transaction);
            await AuditLog.WriteAsync(connection, transaction, new AuditEntry("window.taken_over", centerId, userId,
                SubjectKind: "service_window", SubjectId: windowId, Detail: new { previousUserId = holder.UserId }));
            await LiveJournal.AppendAsync(connection, transaction, "roster.window_taken_over", centerId, payload: new { windowId, previousUserId = holder.UserId });
        }

        await connection.ExecuteAsync(
            "INSERT INTO window_session (window_id, user_id, started_at) VALUES (@windowId, @userId, @now)", new { windowId, userId, now }, transaction);
        await AuditLog.WriteAsync(connection, transaction, new AuditEntry("window.sign_in", centerId, userId, SubjectKind: "service_window", SubjectId: windowId));
        await LiveJournal.AppendAsync(connection, transaction, "roster.window_staffed", centerId, payload: new { windowId });
        await transaction.CommitAsync(cancellationToken);
    }

    sealed record WindowHolder(long Id, int UserId, string Name, string WindowName);

    public async Task SignOutWindowAsync(int centerId, int windowId, int userId, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await RequireWindowAsync(connection, transaction, centerId, windowId);
        // A window that closes with someone called or at the desk would leave them stranded on the hall and the wall.
        var atWindow = await connection.ExecuteScalarAsync<string?>("""
            SELECT number
            FROM ticket
            WHERE window_id = @windowId AND state = ANY(@states) AND issued_on = @day
            LIMIT 1
            """, new { windowId, states = TicketActions.AtWindow.ToArray(), day = ChinaTime.Today(time) }, transaction);
        if (atWindow is not null)
        {
            throw new FloorException($"{atWindow} 号仍在本窗口（已叫号、接谈中或暂停），请先接待完毕、标记未到或转至其他窗口，再签退。");
        }

        await connection.ExecuteAsync(
            "UPDATE window_session SET ended_at = @now WHERE window_id = @windowId AND user_id = @userId AND ended_at IS NULL",
            new { windowId, userId, now = time.GetUtcNow() }, transaction);
        await AuditLog.WriteAsync(connection, transaction, new AuditEntry("window.sign_out", centerId, userId, SubjectKind: "service_window", SubjectId: windowId));
        await LiveJournal.AppendAsync(connection, transaction, "roster.window_closed", centerId, payload: new { windowId });
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Calls the next ticket for a window: green channel first, then by queue position, from the lines it serves.</summary>
    public async Task<TicketRow?> CallNextAsync(int centerId, int windowId, int userId, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await RequireStaffedAsync(connection, transaction, centerId, windowId, userId);
        const string busySql = """
            SELECT number
            FROM ticket
            WHERE window_id = @windowId AND state = ANY(@atWindow) AND issued_on = @day
            LIMIT 1
            """;
        var day = ChinaTime.Today(time);
        var busy = await connection.ExecuteScalarAsync<string?>(busySql, new { windowId, day, atWindow = TicketActions.AtWindow.ToArray() }, transaction);
        if (busy is not null)
        {
            throw new FloorException($"本窗口的 {busy} 号尚未接待完毕，请先接待完毕、转窗口或标记未到，再叫下一位。");
        }

        // SKIP LOCKED: two windows calling at the same moment get two different tickets, never the same one.
        const string nextSql = """
            SELECT t.id
            FROM ticket t
            JOIN window_line wl ON wl.service_line_id = t.service_line_id AND wl.window_id = @windowId
            WHERE t.center_id = @centerId
              AND t.issued_on = @day
              AND t.state = 'waiting'
              AND (t.window_id IS NULL OR t.window_id = @windowId)
            ORDER BY t.priority DESC, t.queue_at, t.id
            LIMIT 1
            FOR UPDATE OF t SKIP LOCKED
            """;
        var id = await connection.ExecuteScalarAsync<long?>(nextSql, new { centerId, windowId, day }, transaction);
        if (id is null)
        {
            await transaction.CommitAsync(cancellationToken);
            return null;
        }

        var ticket = await MoveAsync(connection, transaction, centerId, id.Value, TicketState.Called, windowId, userId, "ticket.called");
        await transaction.CommitAsync(cancellationToken);
        return ticket;
    }

    public Task<TicketRow> RecallAsync(int centerId, long ticketId, int userId, CancellationToken cancellationToken = default) =>
        ChangeAsync(centerId, ticketId, userId, [TicketAction.Recall], async (connection, transaction, ticket) =>
        {
            // Same state, announced again: the hall screen and its voice call repeat the number.
            await AuditLog.WriteAsync(connection, transaction, new AuditEntry("ticket.recalled", centerId, userId, SubjectKind: "ticket",
                SubjectId: ticket.Id, Detail: new { ticket.Number, ticket.WindowId }));
            await LiveJournal.AppendAsync(connection, transaction, "ticket.recalled", centerId, payload: new { ticket.Id, ticket.Number, ticket.WindowId });
            return ticket;
        }, cancellationToken);

    /// <summary>Nobody came: back in the queue once, at its end; the second time the ticket is closed.</summary>
    public Task<TicketRow> NoShowAsync(int centerId, long ticketId, int userId, CancellationToken cancellationToken = default) =>
        ChangeAsync(centerId, ticketId, userId, [TicketAction.NoShow], async (connection, transaction, ticket) =>
        {
            if (ticket.NoShows == 0)
            {
                await connection.ExecuteAsync(
                    "UPDATE ticket SET no_shows = 1, queue_at = @now WHERE id = @Id", new { ticket.Id, now = time.GetUtcNow() }, transaction);
                return await MoveAsync(connection, transaction, centerId, ticket.Id, TicketState.Waiting, null, userId, "ticket.requeued");
            }

            await connection.ExecuteAsync("UPDATE ticket SET no_shows = 2 WHERE id = @Id", new { ticket.Id }, transaction);
            await WaitingAreaAsync(connection, transaction, centerId, ticket.VisitId, userId, present: false);
            return await MoveAsync(connection, transaction, centerId, ticket.Id, TicketState.NoShow, ticket.WindowId, userId, "ticket.no_show");
        }, cancellationToken);

    /// <summary>Serving starts: the visitor and companions leave the waiting area for the window.</summary>
    public Task<TicketRow> StartServiceAsync(int centerId, long ticketId, int userId, CancellationToken cancellationToken = default) =>
        ChangeAsync(centerId, ticketId, userId, [TicketAction.Start, TicketAction.Resume], async (connection, transaction, ticket) =>
        {
            await WaitingAreaAsync(connection, transaction, centerId, ticket.VisitId, userId, present: false);
            return await MoveAsync(connection, transaction, centerId, ticket.Id, TicketState.Serving, ticket.WindowId, userId, "ticket.serving");
        }, cancellationToken);

    public Task<TicketRow> HoldAsync(int centerId, long ticketId, int userId, CancellationToken cancellationToken = default) =>
        ChangeAsync(centerId, ticketId, userId, [TicketAction.Hold], (connection, transaction, ticket) =>
            MoveAsync(connection, transaction, centerId, ticket.Id, TicketState.OnHold, ticket.WindowId, userId, "ticket.on_hold"), cancellationToken);

    /// <summary>
    /// Hands the visitor on to another line (a department's joint window) or to one window, as a new ticket of that
    /// line placed at the front, at the back, or where its original waiting time puts it. The number stays the one the
    /// petitioner holds: the hall calls A005 at the joint window, not a C001 they have never seen.
    /// </summary>
    public Task<TicketRow> TransferAsync(int centerId, long ticketId, int userId, int targetLineId, int? targetWindowId, Placement placement,
        CancellationToken cancellationToken = default) =>
        ChangeAsync(centerId, ticketId, userId, [TicketAction.Transfer], async (connection, transaction, ticket) =>
        {
            const string lineSql = """
                SELECT l.code
                FROM service_line l
                WHERE l.id = @targetLineId AND l.center_id = @centerId AND l.active
                  AND (@targetWindowId::int IS NULL OR EXISTS (
                      SELECT 1 FROM window_line wl WHERE wl.window_id = @targetWindowId AND wl.service_line_id = l.id))
                """;
            var code = await connection.ExecuteScalarAsync<string?>(lineSql, new { targetLineId, centerId, targetWindowId }, transaction)
                ?? throw new FloorException("转窗口目标无效：该窗口不受理所选业务，或该业务已停用。");
            var now = time.GetUtcNow();
            var day = ChinaTime.Today(time);
            const string frontSql = """
                SELECT min(queue_at) - interval '1 second'
                FROM ticket
                WHERE service_line_id = @targetLineId AND issued_on = @day AND state = 'waiting'
                """;
            var queueAt = placement switch
            {
                Placement.Front => await connection.ExecuteScalarAsync<DateTime?>(frontSql, new { targetLineId, day }, transaction) ?? now.UtcDateTime,
                Placement.ByWaitingTime => ticket.IssuedAt,
                _ => now.UtcDateTime,
            };
            await MoveAsync(connection, transaction, centerId, ticket.Id, TicketState.Transferred, ticket.WindowId, userId, "ticket.transferred");
            const string insertSql = """
                INSERT INTO ticket (center_id, visit_id, service_line_id, issued_on, number, priority, priority_reason,
                                    state, window_id, transferred_from, queue_at, issued_at)
                SELECT center_id, visit_id, @targetLineId, @day, number, priority, priority_reason,
                       'waiting', @targetWindowId, id, @queueAt, @now
                FROM ticket
                WHERE id = @Id
                RETURNING id
                """;
            var newId = await connection.ExecuteScalarAsync<long>(insertSql, new { targetLineId, day, targetWindowId, queueAt, now, ticket.Id }, transaction);
            await OpenPeriodAsync(connection, transaction, newId, TicketState.Waiting, targetWindowId, now);
            await WaitingAreaAsync(connection, transaction, centerId, ticket.VisitId, userId, present: true);
            await LiveJournal.AppendAsync(connection, transaction, "ticket.issued", centerId, payload: new { id = newId, ticket.Number, line = code });
            return await LoadAsync(connection, transaction, centerId, newId);
        }, cancellationToken);

    public Task<TicketRow> FinishAsync(int centerId, long ticketId, int userId, string outcome, string? rating, CancellationToken cancellationToken = default) =>
        ChangeAsync(centerId, ticketId, userId, [TicketAction.Finish], async (connection, transaction, ticket) =>
        {
            if (!VisitOutcome.Labels.Contains(outcome))
            {
                throw new FloorException("请选择办理结果。");
            }

            await connection.ExecuteAsync("UPDATE ticket SET outcome = @outcome WHERE id = @Id", new { outcome, ticket.Id }, transaction);
            await connection.ExecuteAsync("UPDATE visit SET outcome = @outcome WHERE id = @VisitId", new { outcome, ticket.VisitId }, transaction);
            if (rating is not null)
            {
                await RecordEvaluationAsync(connection, transaction, centerId, ticket.VisitId, userId, rating);
            }

            return await MoveAsync(connection, transaction, centerId, ticket.Id, TicketState.Done, ticket.WindowId, userId, "ticket.done");
        }, cancellationToken);

    /// <summary>The evaluation card of a first visit (参评, 《大英县接待场所方案》三(二)4): only first visits are rated here, once.</summary>
    async Task RecordEvaluationAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int centerId, long visitId, int userId, string rating)
    {
        if (!EvaluationRating.Labels.Contains(rating))
        {
            throw new FloorException("评价结果无效。");
        }

        const string visitSql = """
            SELECT is_first_visit, matter_id AS MatterId
            FROM visit
            WHERE id = @visitId
            """;
        var visit = await connection.QuerySingleAsync<(bool IsFirstVisit, long? MatterId)>(visitSql, new { visitId }, transaction);
        if (!visit.IsFirstVisit)
        {
            throw new FloorException("评价卡只用于初访；重复访请在事项办结后回访评价。");
        }

        const string sql = """
            INSERT INTO evaluation (visit_id, matter_id, rating, channel, at, recorded_by)
            VALUES (@visitId, @MatterId, @rating, 'card', @now, @userId)
            ON CONFLICT (visit_id) DO NOTHING
            """;
        await connection.ExecuteAsync(sql, new { visitId, visit.MatterId, rating, now = time.GetUtcNow(), userId }, transaction);
        await LiveJournal.AppendAsync(connection, transaction, "evaluation.recorded", centerId, payload: new { visitId });
    }

    async Task<TicketRow> ChangeAsync(int centerId, long ticketId, int userId, TicketAction[] actions,
        Func<NpgsqlConnection, NpgsqlTransaction, TicketRow, Task<TicketRow>> change, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var ticket = await LoadAsync(connection, transaction, centerId, ticketId, forUpdate: true);
        if (!actions.Any(a => TicketActions.Allows(a, ticket.State)))
        {
            throw new FloorException($"{ticket.Number} 号当前状态为“{TicketState.Label(ticket.State)}”，不能执行此操作。");
        }

        if (ticket.WindowId is { } windowId && ticket.State != TicketState.Waiting)
        {
            await RequireStaffedAsync(connection, transaction, centerId, windowId, userId);
        }

        var result = await change(connection, transaction, ticket);
        await transaction.CommitAsync(cancellationToken);
        return result;
    }

    static async Task<TicketRow> LoadAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int centerId, long ticketId, bool forUpdate = false)
    {
        var sql = $"""
            SELECT id, visit_id AS VisitId, number, state, service_line_id AS ServiceLineId, window_id AS WindowId,
                   priority, issued_at AS IssuedAt, no_shows AS NoShows
            FROM ticket
            WHERE id = @ticketId AND center_id = @centerId
            {(forUpdate ? "FOR UPDATE" : "")}
            """;
        return await connection.QuerySingleOrDefaultAsync<TicketRow>(sql, new { ticketId, centerId }, transaction)
            ?? throw new FloorException("该号不存在。");
    }

    async Task<TicketRow> MoveAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int centerId, long ticketId,
        string state, int? windowId, int userId, string eventKind)
    {
        var now = time.GetUtcNow();
        var closed = TicketState.IsClosed(state);
        const string sql = """
            UPDATE ticket
            SET state = @state, window_id = @windowId, closed_at = CASE WHEN @closed THEN @now END
            WHERE id = @ticketId;
            UPDATE ticket_period SET ended_at = @now WHERE ticket_id = @ticketId AND ended_at IS NULL;
            """;
        await connection.ExecuteAsync(sql, new { state, windowId, closed, now, ticketId }, transaction);
        if (!closed)
        {
            await OpenPeriodAsync(connection, transaction, ticketId, state, windowId, now);
        }

        var ticket = await LoadAsync(connection, transaction, centerId, ticketId);
        // The ticket's live event names the action; the operation log records it under the same name.
        await AuditLog.WriteAsync(connection, transaction, new AuditEntry(eventKind, centerId, userId, SubjectKind: "ticket",
            SubjectId: ticket.Id, Detail: new { ticket.Number, ticket.WindowId, state }));
        await LiveJournal.AppendAsync(connection, transaction, eventKind, centerId, payload: new { ticket.Id, ticket.Number, ticket.WindowId, userId });
        return ticket;
    }

    /// <summary>
    /// Keeps the waiting area's head count true without staff typing it: a visit's people leave when serving starts
    /// (or the ticket is closed as a no-show) and come back when transferred to wait for another window.
    /// </summary>
    async Task WaitingAreaAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int centerId, long visitId, int userId, bool present)
    {
        const string sql = """
            SELECT m.area_id AS AreaId,
                   (SELECT coalesce(sum(n.people), 0)::int FROM waiting_movement n
                    WHERE n.visit_id = m.visit_id AND n.area_id = m.area_id AND n.day = m.day) AS Net,
                   v.headcount
            FROM waiting_movement m
            JOIN visit v ON v.id = m.visit_id
            WHERE m.visit_id = @visitId AND m.day = @day
            ORDER BY m.at DESC, m.id DESC
            LIMIT 1
            """;
        var day = ChinaTime.Today(time);
        var area = await connection.QuerySingleOrDefaultAsync<WaitingPresence>(sql, new { visitId, day }, transaction);
        if (area is null)
        {
            return;
        }

        var change = present ? (area.Net > 0 ? 0 : area.Headcount) : -area.Net;
        if (change == 0)
        {
            return;
        }

        await connection.ExecuteAsync("""
            INSERT INTO waiting_movement (area_id, visit_id, people, at, day, user_id)
            VALUES (@AreaId, @visitId, @change, @now, @day, @userId)
            """, new { area.AreaId, visitId, change, now = time.GetUtcNow(), day, userId }, transaction);
        await LiveJournal.AppendAsync(connection, transaction, present ? "waiting.entered" : "waiting.left", centerId,
            payload: new { area.AreaId, people = Math.Abs(change) });
    }

    sealed record WaitingPresence(int AreaId, int Net, int Headcount);

    internal static Task OpenPeriodAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long ticketId, string state, int? windowId, DateTimeOffset at) =>
        connection.ExecuteAsync(
            "INSERT INTO ticket_period (ticket_id, state, window_id, started_at) VALUES (@ticketId, @state, @windowId, @at)",
            new { ticketId, state, windowId, at }, transaction);

    /// <summary>Numbers run per service line per day (A001, A002, …); the counter row serialises concurrent issuers.</summary>
    internal static async Task<int> NextSequenceAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int serviceLineId, DateOnly day)
    {
        const string sql = """
            INSERT INTO ticket_counter (service_line_id, day, last_seq)
            VALUES (@serviceLineId, @day, 1)
            ON CONFLICT (service_line_id, day) DO UPDATE SET last_seq = ticket_counter.last_seq + 1
            RETURNING last_seq
            """;
        try
        {
            return await connection.ExecuteScalarAsync<int>(sql, new { serviceLineId, day }, transaction);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.CheckViolation)
        {
            throw new FloorException("该业务今日号码已满（999 号），请改用其他窗口业务或联系管理员。");
        }
    }

    static async Task RequireWindowAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int centerId, int windowId)
    {
        var exists = await connection.ExecuteScalarAsync<bool>(
            "SELECT EXISTS (SELECT 1 FROM service_window WHERE id = @windowId AND center_id = @centerId AND active)", new { windowId, centerId }, transaction);
        if (!exists)
        {
            throw new FloorException("窗口不存在或已停用。");
        }
    }

    static async Task RequireStaffedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int centerId, int windowId, int userId)
    {
        await RequireWindowAsync(connection, transaction, centerId, windowId);
        var staffedBy = await connection.ExecuteScalarAsync<int?>(
            "SELECT user_id FROM window_session WHERE window_id = @windowId AND ended_at IS NULL", new { windowId }, transaction);
        if (staffedBy is null)
        {
            throw new FloorException("该窗口当前无人签到，不能叫号。请先在窗口签到。");
        }

        if (staffedBy != userId)
        {
            throw new FloorException("该窗口由其他工作人员签到，您不能代为操作。");
        }
    }
}
