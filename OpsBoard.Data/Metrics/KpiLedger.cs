using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace OpsBoard.Data.Metrics;

/// <summary>
/// Keeps the KPI ledger (sql/0038) in step with the data: every item of every KPI as <see cref="Kpis"/> defines it,
/// and its tallies by China day and breakdown group. The database's triggers note each matter and visit a change
/// touches; <see cref="ApplyAsync"/> recomputes only their items, through the same definitions, and moves the tallies
/// by the difference. What it costs follows the size of the change, not of the month or the history behind it.
/// </summary>
public static class KpiLedger
{
    /// <summary>The journal's event kinds whose changes move a KPI (by the part before the dot): the wall's KPI region is redrawn.</summary>
    public static IReadOnlyList<string> MovedBy { get; } = ["visit", "ticket", "evaluation", "clock", "matter"];

    public static bool IsMovedBy(string eventKind) => MovedBy.Contains(eventKind.Split('.')[0]);

    /// <summary>Matters and visits noted at once: a bulk change is taken in transactions of this many notes.</summary>
    const int NotesAtOnce = 20_000;

    const long LockKey = 0x4B50494C6467;

    /// <summary>The whole of time, for recomputing items whatever their month.</summary>
    static readonly MetricPeriod AllTime = new(new DateOnly(1900, 1, 1), new DateOnly(1900, 1, 1), new DateOnly(2200, 1, 1));

    /// <summary>
    /// Brings the ledger up to every change committed before the call: first builds the ledger of any center that has
    /// none (a database migrated from before the ledger, a center just created), then applies the noted changes. One
    /// applier at a time (an advisory lock), so a reader that calls this waits for one under way and then sees its work.
    /// </summary>
    public static async Task ApplyAsync(NpgsqlDataSource dataSource, MetricsQueries metrics, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await connection.ExecuteAsync("SELECT pg_advisory_xact_lock(@LockKey)", new { LockKey }, transaction);
            var unbuilt = await connection.QueryAsync<int>(
                "SELECT c.id FROM center c WHERE NOT EXISTS (SELECT 1 FROM kpi_ledger l WHERE l.center_id = c.id)", transaction: transaction);
            foreach (var centerId in unbuilt)
            {
                await BuildAsync(connection, transaction, metrics, centerId);
            }

            var notes = (await connection.QueryAsync<(int CenterId, long? MatterId, long? VisitId)>("""
                DELETE FROM kpi_dirty
                WHERE id IN (SELECT id FROM kpi_dirty ORDER BY id LIMIT @NotesAtOnce)
                RETURNING center_id, matter_id, visit_id
                """, new { NotesAtOnce }, transaction)).ToList();
            foreach (var center in notes.GroupBy(n => n.CenterId))
            {
                long[] matters = [.. center.Where(n => n.MatterId is not null).Select(n => n.MatterId!.Value).Distinct()];
                long[] visits = [.. center.Where(n => n.VisitId is not null).Select(n => n.VisitId!.Value).Distinct()];
                await RecomputeAsync(connection, transaction, metrics, center.Key, matters, visits);
            }

            await transaction.CommitAsync(cancellationToken);
            if (notes.Count < NotesAtOnce)
            {
                return;
            }
        }
    }

    /// <summary>
    /// The center's whole ledger, counted afresh inside the caller's transaction: the demo seeder's last step (its bulk
    /// load notes nothing), and the first apply on a database that had no ledger yet.
    /// </summary>
    internal static async Task BuildAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, MetricsQueries metrics, int centerId)
    {
        // Notes committed before this point are covered by the count below; later ones stay for the next apply.
        await connection.ExecuteAsync("""
            DELETE FROM kpi_dirty WHERE center_id = @centerId;
            DELETE FROM kpi_item WHERE center_id = @centerId;
            DELETE FROM kpi_tally WHERE center_id = @centerId;
            """, new { centerId }, transaction);
        foreach (var kpi in Kpis.All)
        {
            await CopyAsync(connection, centerId, await metrics.ComputeRowsAsync(connection, transaction, centerId, kpi, AllTime));
        }

        await using (var tally = new NpgsqlCommand(TallySql("(SELECT * FROM kpi_item WHERE center_id = @centerId)", +1), connection, transaction) { CommandTimeout = 0 })
        {
            tally.Parameters.AddWithValue("centerId", centerId);
            await tally.ExecuteNonQueryAsync();
        }

        await connection.ExecuteAsync("""
            INSERT INTO kpi_ledger (center_id, built_at) VALUES (@centerId, clock_timestamp())
            ON CONFLICT (center_id) DO UPDATE SET built_at = EXCLUDED.built_at
            """, new { centerId }, transaction);
    }

    /// <summary>Takes the items of these matters and visits out of the ledger and puts them back as they are now.</summary>
    static async Task RecomputeAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, MetricsQueries metrics, int centerId,
        long[] matters, long[] visits)
    {
        await connection.ExecuteAsync($"""
            WITH gone AS (
                DELETE FROM kpi_item
                WHERE center_id = @centerId AND (matter_id = ANY(@matters) OR visit_id = ANY(@visits))
                RETURNING *)
            {TallySql("gone", -1)}
            """, new { centerId, matters, visits }, transaction);

        var rows = new List<KpiItemRow>();
        foreach (var kpi in Kpis.All)
        {
            rows.AddRange(await metrics.ComputeRowsAsync(connection, transaction, centerId, kpi, AllTime, (matters, visits)));
        }

        if (rows.Count == 0)
        {
            return;
        }

        await connection.ExecuteAsync($"""
            WITH fresh AS (
                INSERT INTO kpi_item (kpi, item_kind, item_id, center_id, day, at, matter_id, visit_id, code, in_numerator, value,
                                      unit_id, category, locality_id, source, level)
                SELECT r.kpi, r.item_kind, r.item_id, @centerId, r.day, r.at, r.matter_id, r.visit_id, r.code, r.in_numerator, r.value,
                       r.unit_id, r.category, r.locality_id, r.source, r.level
                FROM unnest(@kpis, @kinds, @ids, @days, @ats, @matterIds, @visitIds, @codes, @inNumerators, @values,
                            @unitIds, @categories, @localityIds, @sources, @levels)
                     AS r(kpi, item_kind, item_id, day, at, matter_id, visit_id, code, in_numerator, value,
                          unit_id, category, locality_id, source, level)
                RETURNING *)
            {TallySql("fresh", +1)}
            """, new
        {
            centerId,
            kpis = rows.Select(r => r.Item.Kpi).ToArray(),
            kinds = rows.Select(r => r.Item.ItemKind).ToArray(),
            ids = rows.Select(r => r.Item.ItemId).ToArray(),
            days = rows.Select(r => ChinaTime.DayOf(r.Item.At)).ToArray(),
            ats = rows.Select(r => DateTime.SpecifyKind(r.Item.At, DateTimeKind.Utc)).ToArray(),
            matterIds = rows.Select(r => r.Item.MatterId).ToArray(),
            visitIds = rows.Select(r => r.VisitId).ToArray(),
            codes = rows.Select(r => r.Item.Code).ToArray(),
            inNumerators = rows.Select(r => r.Item.InNumerator).ToArray(),
            values = rows.Select(r => r.Item.Value).ToArray(),
            unitIds = rows.Select(r => r.Item.UnitId).ToArray(),
            categories = rows.Select(r => r.Item.Category).ToArray(),
            localityIds = rows.Select(r => r.Item.LocalityId).ToArray(),
            sources = rows.Select(r => r.Item.Source).ToArray(),
            levels = rows.Select(r => r.Item.Level).ToArray(),
        }, transaction);
    }

    /// <summary>Adds (or with <paramref name="sign"/> −1 takes away) items to their day's tallies: the whole center and each breakdown group.</summary>
    static string TallySql(string items, int sign) => $"""
        INSERT INTO kpi_tally AS t (center_id, dimension, kpi, day, key, numerator, denominator, value_sum)
        SELECT r.center_id, g.dimension, r.kpi, r.day, g.key,
               {sign} * count(*) FILTER (WHERE r.in_numerator), {sign} * count(*), {sign} * coalesce(sum(r.value), 0)
        FROM {items} r
        CROSS JOIN LATERAL (VALUES ('', ''), {string.Join(", ", MetricsQueries.Dimensions.Select(d => $"('{d.Code}', {MetricsQueries.KeySql(d.Code, "r.")})"))}) AS g(dimension, key)
        GROUP BY 1, 2, 3, 4, 5
        ON CONFLICT (center_id, dimension, kpi, day, key) DO UPDATE
        SET numerator = t.numerator + EXCLUDED.numerator, denominator = t.denominator + EXCLUDED.denominator,
            value_sum = t.value_sum + EXCLUDED.value_sum
        """;

    static async Task CopyAsync(NpgsqlConnection connection, int centerId, IReadOnlyList<KpiItemRow> rows)
    {
        const string copy = """
            COPY kpi_item (kpi, item_kind, item_id, center_id, day, at, matter_id, visit_id, code, in_numerator, value,
                           unit_id, category, locality_id, source, level)
            FROM STDIN (FORMAT BINARY)
            """;
        await using var writer = await connection.BeginBinaryImportAsync(copy);
        foreach (var (i, visitId) in rows)
        {
            await writer.StartRowAsync();
            await writer.WriteAsync(i.Kpi, NpgsqlDbType.Text);
            await writer.WriteAsync(i.ItemKind, NpgsqlDbType.Text);
            await writer.WriteAsync(i.ItemId, NpgsqlDbType.Bigint);
            await writer.WriteAsync(centerId, NpgsqlDbType.Integer);
            await writer.WriteAsync(ChinaTime.DayOf(i.At), NpgsqlDbType.Date);
            await writer.WriteAsync(DateTime.SpecifyKind(i.At, DateTimeKind.Utc), NpgsqlDbType.TimestampTz);
            await WriteAsync(writer, i.MatterId, NpgsqlDbType.Bigint);
            await WriteAsync(writer, visitId, NpgsqlDbType.Bigint);
            await writer.WriteAsync(i.Code, NpgsqlDbType.Text);
            await writer.WriteAsync(i.InNumerator, NpgsqlDbType.Boolean);
            await WriteAsync(writer, i.Value, NpgsqlDbType.Double);
            await WriteAsync(writer, i.UnitId, NpgsqlDbType.Integer);
            await WriteAsync(writer, i.Category, NpgsqlDbType.Text);
            await WriteAsync(writer, i.LocalityId, NpgsqlDbType.Integer);
            await WriteAsync(writer, i.Source, NpgsqlDbType.Text);
            await WriteAsync(writer, i.Level, NpgsqlDbType.Text);
        }

        await writer.CompleteAsync();
    }

    internal static Task WriteAsync<T>(NpgsqlBinaryImporter writer, T? value, NpgsqlDbType type) where T : struct =>
        value is { } v ? writer.WriteAsync(v, type) : writer.WriteNullAsync();

    internal static Task WriteAsync(NpgsqlBinaryImporter writer, string? value, NpgsqlDbType type) =>
        value is null ? writer.WriteNullAsync() : writer.WriteAsync(value, type);
}

/// <summary>An item as its definition gives it, with the visit it belongs to (the ledger finds it again by either).</summary>
internal sealed record KpiItemRow(KpiItem Item, long? VisitId);
