using System.Collections.Concurrent;
using System.Net;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;
using OpsBoard.Data.Audit;
using OpsBoard.Data.Live;

namespace OpsBoard.Data.Accounts;

/// <summary>
/// Signed-in browsers as rows of <c>user_session</c>. The cookie only names a row: signing out, an idle timeout, or an
/// admin's change to the account ends the row, and the cookie is refused from then on, on every node. The row is read
/// at most every <see cref="CacheFor"/> per node; a node hearing <see cref="EndedEvent"/> forgets it at once.
/// </summary>
public sealed class SessionStore(NpgsqlDataSource dataSource, TimeProvider time, IOptions<OpsBoardOptions> options)
{
    public const string EndedEvent = "session.ended";
    public const string AccountChangedEvent = "account.changed";

    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(10);

    /// <summary>Activity is written at most this often per session: one UPDATE a minute, not one a request.</summary>
    public static readonly TimeSpan TouchEvery = TimeSpan.FromMinutes(1);

    public TimeSpan IdleTimeout => TimeSpan.FromMinutes(options.Value.IdleTimeoutMinutes);

    sealed record State(int UserId, int CenterId, Guid SecurityStamp, bool Active, DateTime LastActiveAt, DateTime? EndedAt);

    readonly ConcurrentDictionary<Guid, (State State, DateTimeOffset ReadAt)> cache = new();

    public async Task<Guid> StartAsync(AppUser user, IPAddress? remoteIp, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        const string sql = """
            INSERT INTO user_session (user_id, started_at, last_active_at, remote_ip)
            VALUES (@Id, @now, @now, @remoteIp)
            RETURNING id
            """;
        return await connection.ExecuteScalarAsync<Guid>(sql, new { user.Id, now = time.GetUtcNow(), remoteIp });
    }

    /// <summary>
    /// Whether the session still stands for this user and stamp. <paramref name="personActed"/>: the request is the
    /// person's own (a page, a form), not a screen refreshing itself — only those keep an idle session alive.
    /// </summary>
    public async Task<bool> CheckAsync(Guid sessionId, int userId, Guid stamp, bool personActed, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        State? state;
        if (cache.TryGetValue(sessionId, out var cached) && now - cached.ReadAt < CacheFor)
        {
            state = cached.State;
        }
        else
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            const string sql = """
                SELECT s.user_id AS UserId, u.center_id AS CenterId, u.security_stamp AS SecurityStamp, u.active,
                    s.last_active_at AS LastActiveAt, s.ended_at AS EndedAt
                FROM user_session s
                JOIN app_user u ON u.id = s.user_id
                WHERE s.id = @sessionId
                """;
            state = await connection.QuerySingleOrDefaultAsync<State>(sql, new { sessionId });
            if (state is null)
            {
                return false;
            }

            cache[sessionId] = (state, now);
        }

        if (state.UserId != userId || state.EndedAt is not null || !state.Active || state.SecurityStamp != stamp)
        {
            return false;
        }

        if (now.UtcDateTime - state.LastActiveAt > IdleTimeout)
        {
            await EndAsync(sessionId, "idle", null, cancellationToken);
            return false;
        }

        if (personActed && now.UtcDateTime - state.LastActiveAt >= TouchEvery)
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await connection.ExecuteAsync(
                "UPDATE user_session SET last_active_at = @now WHERE id = @sessionId AND ended_at IS NULL", new { sessionId, now });
            cache[sessionId] = (state with { LastActiveAt = now.UtcDateTime }, cache.TryGetValue(sessionId, out var c) ? c.ReadAt : now);
        }

        return true;
    }

    /// <summary>Ends the session (sign-out or idle), audits it and tells every node and the session's live connections.</summary>
    public async Task EndAsync(Guid sessionId, string reason, IPAddress? remoteIp, CancellationToken cancellationToken = default)
    {
        cache.TryRemove(sessionId, out _);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        const string sql = """
            UPDATE user_session s
            SET ended_at = @now, end_reason = @reason
            FROM app_user u
            WHERE s.id = @sessionId AND s.ended_at IS NULL AND u.id = s.user_id
            RETURNING s.user_id, u.center_id
            """;
        var ended = await connection.QuerySingleOrDefaultAsync<(int UserId, int CenterId)?>(sql, new { sessionId, reason, now = time.GetUtcNow() }, transaction);
        if (ended is { } e)
        {
            await AuditLog.WriteAsync(connection, transaction, new AuditEntry(reason == "sign_out" ? "account.sign_out" : "account.session_idle",
                e.CenterId, e.UserId, SubjectKind: "user_session", RemoteIp: remoteIp, Detail: new { session = sessionId }));
            await LiveJournal.AppendAsync(connection, transaction, EndedEvent, e.CenterId, payload: new { sessionId, userId = e.UserId });
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Every open session of the account ends: its password, roles, scope or state changed.</summary>
    public static async Task EndAllAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int userId, int centerId, DateTimeOffset now)
    {
        await connection.ExecuteAsync("""
            UPDATE user_session
            SET ended_at = @now, end_reason = 'account_changed'
            WHERE user_id = @userId AND ended_at IS NULL
            """, new { userId, now }, transaction);
        await LiveJournal.AppendAsync(connection, transaction, AccountChangedEvent, centerId, payload: new { userId });
    }

    /// <summary>Ends the sessions idle past the timeout, so their live connections close even if no request comes.</summary>
    public async Task<int> EndIdleAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var idle = (await connection.QueryAsync<Guid>(
            "SELECT id FROM user_session WHERE ended_at IS NULL AND last_active_at < @cutoff",
            new { cutoff = time.GetUtcNow() - IdleTimeout })).ToList();
        foreach (var id in idle)
        {
            await EndAsync(id, "idle", null, cancellationToken);
        }

        return idle.Count;
    }

    /// <summary>Another node ended the session: forget the cached row, so this node refuses it too.</summary>
    public void Forget(Guid sessionId) => cache.TryRemove(sessionId, out _);

    /// <summary>An account changed: forget every cached session of it.</summary>
    public void ForgetUser(int userId)
    {
        foreach (var (id, entry) in cache)
        {
            if (entry.State.UserId == userId)
            {
                cache.TryRemove(id, out _);
            }
        }
    }
}
