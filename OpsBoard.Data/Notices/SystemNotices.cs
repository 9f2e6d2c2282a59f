using Dapper;
using Npgsql;
using OpsBoard.Data.Live;

namespace OpsBoard.Data.Notices;

public sealed record SystemNotice(long Id, string Kind, string Subject, string Message, DateTime RaisedAt);

/// <summary>Conditions the system raises for people to fix, e.g. next year's holiday schedule not loaded.</summary>
public sealed class SystemNotices(NpgsqlDataSource dataSource)
{
    /// <summary>Raises the notice unless it is already open; returns true when it was raised now (and announced live).</summary>
    public async Task<bool> RaiseAsync(string kind, string subject, string message, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        const string sql = """
            INSERT INTO system_notice (kind, subject, message)
            VALUES (@kind, @subject, @message)
            ON CONFLICT (kind, subject) WHERE resolved_at IS NULL DO NOTHING
            RETURNING id
            """;
        var id = await connection.ExecuteScalarAsync<long?>(sql, new { kind, subject, message }, transaction);
        if (id is not null)
        {
            // A system condition concerns every center's admins and wall displays.
            foreach (var centerId in await connection.QueryAsync<int>("SELECT id FROM center", transaction: transaction))
            {
                await LiveJournal.AppendAsync(connection, transaction, "system.notice_raised", centerId, payload: new { id, kind, subject, message });
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return id is not null;
    }

    public async Task<int> ResolveAsync(string kind, string subject, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        const string sql = """
            UPDATE system_notice
            SET resolved_at = now()
            WHERE kind = @kind AND subject = @subject AND resolved_at IS NULL
            """;
        return await connection.ExecuteAsync(sql, new { kind, subject });
    }

    public async Task<IReadOnlyList<SystemNotice>> OpenAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        const string sql = """
            SELECT id, kind, subject, message, raised_at AS RaisedAt
            FROM system_notice
            WHERE resolved_at IS NULL
            ORDER BY raised_at DESC
            """;
        return [.. await connection.QueryAsync<SystemNotice>(new CommandDefinition(sql, cancellationToken: cancellationToken))];
    }
}
