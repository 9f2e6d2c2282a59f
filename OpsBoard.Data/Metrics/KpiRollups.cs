using Dapper;
using Npgsql;

namespace OpsBoard.Data.Metrics;

/// <summary>
/// A closed month's figures (kpi_rollup), written with its frozen items when it is closed and removed when it is
/// reopened: the wall, the page and the trend read ten rows for a closed month, and they never move while it is closed.
/// Months that are not closed are summed from the KPI ledger's tallies (<see cref="KpiLedger"/>).
/// </summary>
public static class KpiRollups
{
    /// <summary>The closed month's ten figures, or null when it has none.</summary>
    internal static async Task<IReadOnlyList<KpiFigure>?> ReadAsync(NpgsqlConnection connection, int centerId, DateOnly month)
    {
        var rows = (await connection.QueryAsync<Row>(
            $"SELECT {Columns} FROM kpi_rollup WHERE center_id = @centerId AND month = @month", new { centerId, month })).ToDictionary(r => r.Kpi);
        return Kpis.All.All(k => rows.ContainsKey(k.Code)) ? [.. Kpis.All.Select(k => rows[k.Code].Figure(k))] : null;
    }

    /// <summary>One KPI's frozen figures of the closed months in a range.</summary>
    internal static async Task<Dictionary<DateOnly, KpiFigure>> ReadTrendAsync(NpgsqlConnection connection, int centerId, KpiDefinition kpi,
        DateOnly from, DateOnly to)
    {
        var rows = await connection.QueryAsync<Row>(
            $"SELECT {Columns} FROM kpi_rollup WHERE center_id = @centerId AND kpi = @Code AND month BETWEEN @from AND @to",
            new { centerId, kpi.Code, from, to });
        return rows.ToDictionary(r => r.Month, r => r.Figure(kpi));
    }

    /// <summary>Freezes a closed month's figures, replacing any an earlier closing left.</summary>
    internal static async Task WriteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int centerId, DateOnly month,
        IReadOnlyList<KpiFigure> figures)
    {
        const string sql = """
            INSERT INTO kpi_rollup AS r (center_id, month, kpi, numerator, denominator, value, last_year)
            SELECT @centerId, @month, f.kpi, f.numerator, f.denominator, f.value, f.last_year
            FROM unnest(@kpis, @numerators, @denominators, @values, @lastYears) AS f(kpi, numerator, denominator, value, last_year)
            ON CONFLICT (center_id, month, kpi) DO UPDATE
            SET numerator = EXCLUDED.numerator, denominator = EXCLUDED.denominator, value = EXCLUDED.value,
                last_year = EXCLUDED.last_year, counted_at = clock_timestamp()
            """;
        await connection.ExecuteAsync(sql, new
        {
            centerId,
            month,
            kpis = figures.Select(f => f.Kpi.Code).ToArray(),
            numerators = figures.Select(f => f.Numerator).ToArray(),
            denominators = figures.Select(f => f.Denominator).ToArray(),
            values = figures.Select(f => f.Value).ToArray(),
            lastYears = figures.Select(f => f.LastYear).ToArray(),
        }, transaction);
    }

    /// <summary>A reopened month is summed from the ledger again: its frozen rows go.</summary>
    internal static Task DeleteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int centerId, DateOnly month) =>
        connection.ExecuteAsync("DELETE FROM kpi_rollup WHERE center_id = @centerId AND month = @month", new { centerId, month }, transaction);

    const string Columns = "month AS Month, kpi AS Kpi, numerator AS Numerator, denominator AS Denominator, value AS Value, last_year AS LastYear";

    sealed record Row(DateOnly Month, string Kpi, int Numerator, int Denominator, double? Value, double? LastYear)
    {
        public KpiFigure Figure(KpiDefinition kpi) => new(kpi, Numerator, Denominator, Value, LastYear);
    }
}
