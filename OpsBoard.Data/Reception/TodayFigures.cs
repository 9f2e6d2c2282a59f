using Dapper;
using Npgsql;

namespace OpsBoard.Data.Reception;

public sealed record TodayFigures(
    string CenterName,
    DateOnly Day,
    int Visits,
    int People,
    int FirstVisits,
    int CollectiveVisits,
    int Waiting,
    int OpenMatters,
    int OverdueClocks);

/// <summary>The day at a glance for one center, as the home page and the wall display show it.</summary>
public sealed class TodayFiguresQuery(NpgsqlDataSource dataSource, TimeProvider time)
{
    public async Task<TodayFigures?> GetAsync(int centerId, CancellationToken cancellationToken = default)
    {
        const string sql = """
            SELECT c.name AS CenterName,
                   @day AS Day,
                   (SELECT count(*)::int FROM visit v WHERE v.center_id = c.id AND v.visit_day = @day AND v.level = 'county') AS Visits,
                   (SELECT coalesce(sum(v.headcount), 0)::int FROM visit v WHERE v.center_id = c.id AND v.visit_day = @day AND v.level = 'county') AS People,
                   (SELECT count(*)::int FROM visit v WHERE v.center_id = c.id AND v.visit_day = @day AND v.level = 'county' AND v.is_first_visit) AS FirstVisits,
                   (SELECT count(*)::int FROM visit v WHERE v.center_id = c.id AND v.visit_day = @day AND v.level = 'county' AND v.is_collective) AS CollectiveVisits,
                   (SELECT count(*)::int FROM ticket t WHERE t.center_id = c.id AND t.issued_on = @day AND t.state = 'waiting') AS Waiting,
                   (SELECT count(*)::int FROM matter m WHERE m.center_id = c.id AND m.closed_at IS NULL AND m.status NOT IN ('not_accepted', 'finalized')) AS OpenMatters,
                   (SELECT count(*)::int FROM matter_clock k JOIN matter m ON m.id = k.matter_id
                    WHERE m.center_id = c.id AND k.stopped_at IS NULL AND k.due_at < @now) AS OverdueClocks
            FROM center c
            WHERE c.id = @centerId
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var now = time.GetUtcNow();
        return await connection.QuerySingleOrDefaultAsync<TodayFigures>(
            new CommandDefinition(sql, new { centerId, day = ChinaTime.Today(time), now }, cancellationToken: cancellationToken));
    }
}
