using Dapper;
using Npgsql;

namespace OpsBoard.Data.Metrics;

/// <summary>
/// A whole center's month figures as counted last (kpi_rollup): the current month's, recounted after each batch of
/// changes that move a KPI, and a closed month's, written when it is closed. Reading one is a ten-row lookup, so the
/// wall's cost does not grow with the history behind it.
/// </summary>
public static class KpiRollups
{
    /// <summary>The journal's event kinds whose changes move a KPI (by the part before the dot): these recount the month.</summary>
    public static IReadOnlyList<string> MovedBy { get; } = ["visit", "ticket", "evaluation", "clock", "matter"];

    public static bool IsMovedBy(string eventKind) => MovedBy.Contains(eventKind.Split('.')[0]);

    /// <summary>The newest journal event of the center: a count started after reading it includes every change up to it.</summary>
    internal static Task<long> LatestEventAsync(NpgsqlConnection connection, int centerId) =>
        connection.ExecuteScalarAsync<long>("SELECT coalesce(max(id), 0) FROM live_event WHERE center_id = @centerId", new { centerId });

    /// <summary>
    /// The month's ten figures, or null when they are not all there or (for a running month) the count no longer stands:
    /// counted on another day than <paramref name="countedOn"/>, or before a change that moves a KPI. A closed month's
    /// frozen rows are read when <paramref name="countedOn"/> is null.
    /// </summary>
    internal static async Task<IReadOnlyList<KpiFigure>?> ReadAsync(NpgsqlConnection connection, int centerId, DateOnly month, DateOnly? countedOn)
    {
        var rows = (await connection.QueryAsync<Row>(
            $"SELECT {Columns} FROM kpi_rollup WHERE center_id = @centerId AND month = @month AND {(countedOn is null ? "frozen" : $"NOT frozen AND {Fresh}")}",
            new { centerId, month, today = countedOn, kinds = MovedBy.ToArray() })).ToDictionary(r => r.Kpi);
        return Kpis.All.All(k => rows.ContainsKey(k.Code)) ? [.. Kpis.All.Select(k => rows[k.Code].Figure(k))] : null;
    }

    /// <summary>One KPI's rolled-up months in a range: closed months, and the running month while its count stands.</summary>
    internal static async Task<Dictionary<DateOnly, KpiFigure>> ReadTrendAsync(NpgsqlConnection connection, int centerId, KpiDefinition kpi,
        DateOnly from, DateOnly to, DateOnly today)
    {
        var rows = await connection.QueryAsync<Row>($"""
            SELECT {Columns}
            FROM kpi_rollup
            WHERE center_id = @centerId AND kpi = @Code AND month BETWEEN @from AND @to AND (frozen OR {Fresh})
            """, new { centerId, kpi.Code, from, to, today, kinds = MovedBy.ToArray() });
        return rows.ToDictionary(r => r.Month, r => r.Figure(kpi));
    }

    /// <summary>
    /// Stores a month's figures. A running month's rows are replaced only by a count that saw at least as many events,
    /// and never over frozen rows; frozen rows (closing a month) replace whatever was there.
    /// </summary>
    internal static async Task WriteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, int centerId, DateOnly month,
        IReadOnlyList<KpiFigure> figures, bool frozen, DateOnly countedDay, long throughEvent)
    {
        const string sql = """
            INSERT INTO kpi_rollup AS r (center_id, month, kpi, numerator, denominator, value, last_year, frozen, counted_day, through_event)
            SELECT @centerId, @month, f.kpi, f.numerator, f.denominator, f.value, f.last_year, @frozen, @countedDay, @throughEvent
            FROM unnest(@kpis, @numerators, @denominators, @values, @lastYears) AS f(kpi, numerator, denominator, value, last_year)
            ON CONFLICT (center_id, month, kpi) DO UPDATE
            SET numerator = EXCLUDED.numerator, denominator = EXCLUDED.denominator, value = EXCLUDED.value,
                last_year = EXCLUDED.last_year, frozen = EXCLUDED.frozen, counted_day = EXCLUDED.counted_day,
                through_event = EXCLUDED.through_event, counted_at = clock_timestamp()
            WHERE EXCLUDED.frozen
               OR (NOT r.frozen AND (r.through_event <= EXCLUDED.through_event OR r.counted_day < EXCLUDED.counted_day))
            """;
        await connection.ExecuteAsync(sql, new
        {
            centerId,
            month,
            frozen,
            countedDay,
            throughEvent,
            kpis = figures.Select(f => f.Kpi.Code).ToArray(),
            numerators = figures.Select(f => f.Numerator).ToArray(),
            denominators = figures.Select(f => f.Denominator).ToArray(),
            values = figures.Select(f => f.Value).ToArray(),
            lastYears = figures.Select(f => f.LastYear).ToArray(),
        }, transaction);
    }

    /// <summary>A reopened month is counted again from the live tables: its frozen rows go.</summary>
    internal static Task DeleteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int centerId, DateOnly month) =>
        connection.ExecuteAsync("DELETE FROM kpi_rollup WHERE center_id = @centerId AND month = @month", new { centerId, month }, transaction);

    // A running month's rows stand while they were counted today and no change that moves a KPI came after the count (a
    // backward walk of the journal's key to the newest such event). The dispatcher recounts after every such batch anyway.
    const string Fresh = """
        counted_day = @today
        AND through_event >= (SELECT coalesce(max(e.id), 0) FROM live_event e
                              WHERE e.center_id = @centerId AND split_part(e.kind, '.', 1) = ANY(@kinds))
        """;

    const string Columns = "month AS Month, kpi AS Kpi, numerator AS Numerator, denominator AS Denominator, value AS Value, last_year AS LastYear";

    sealed record Row(DateOnly Month, string Kpi, int Numerator, int Denominator, double? Value, double? LastYear)
    {
        public KpiFigure Figure(KpiDefinition kpi) => new(kpi, Numerator, Denominator, Value, LastYear);
    }
}
