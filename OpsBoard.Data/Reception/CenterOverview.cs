using Dapper;
using Npgsql;

namespace OpsBoard.Data.Reception;

public sealed record CenterOverview(string Name, int OpenMatters);

/// <summary>The center's name and its caseload; today's floor figures come from <see cref="FloorQueries"/>, as on the wall.</summary>
public sealed class CenterOverviewQuery(NpgsqlDataSource dataSource)
{
    public async Task<string?> NameAsync(int centerId, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<string?>(new CommandDefinition("SELECT name FROM center WHERE id = @centerId", new { centerId },
            cancellationToken: cancellationToken));
    }

    public async Task<CenterOverview?> GetAsync(int centerId, CancellationToken cancellationToken = default)
    {
        const string sql = """
            SELECT c.name,
                   (SELECT count(*)::int FROM matter m
                    WHERE m.center_id = c.id AND m.closed_at IS NULL AND m.status NOT IN ('not_accepted', 'finalized')) AS OpenMatters
            FROM center c
            WHERE c.id = @centerId
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<CenterOverview>(new CommandDefinition(sql, new { centerId }, cancellationToken: cancellationToken));
    }
}
