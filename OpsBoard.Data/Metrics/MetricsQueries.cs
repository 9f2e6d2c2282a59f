using Dapper;
using Npgsql;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Calendar;

namespace OpsBoard.Data.Metrics;

/// <summary>A month's state for the metrics: provisional (figures computed now) or closed (figures frozen).</summary>
public sealed record MetricMonth(DateOnly Month, string State, DateTime? ClosedAt, string? ClosedBy, string? ReopenReason)
{
    public bool IsClosed => State == MetricMonthState.Closed;
}

public static class MetricMonthState
{
    public const string Provisional = "provisional";
    public const string Closed = "closed";
    public const string Reopened = "reopened";

    public static CodeSet Labels { get; } = new((Provisional, "临时数据"), (Closed, "已关账"), (Reopened, "已重新打开"));
}

/// <summary>Whose figures: a whole center, or only some responsible units (a unit leader sees their own unit).</summary>
public sealed record MetricsScope(int CenterId, IReadOnlyList<int>? Units)
{
    public static MetricsScope Center(int centerId) => new(centerId, null);

    public IEnumerable<KpiItem> Apply(IEnumerable<KpiItem> items) =>
        Units is null ? items : items.Where(i => i.UnitId is { } u && Units.Contains(u));
}

/// <summary>One group of a breakdown: a unit, category, locality, source or level, with its figure.</summary>
public sealed record KpiBreakdownRow(string Key, string Label, KpiFigure Figure);

/// <summary>
/// Reads KPI populations: computed from the live tables for a provisional month, or read from the frozen items of a
/// closed one. Every figure on the wall, /metrics, the drill-down and the export is counted from these items.
/// </summary>
public sealed class MetricsQueries(NpgsqlDataSource dataSource, CalendarStore calendars, TimeProvider time)
{
    public static IReadOnlyList<(string Code, string Label)> Dimensions { get; } =
    [
        ("unit", "责任单位"), ("category", "问题类别"), ("locality", "属地"), ("source", "来源"), ("level", "走访层级"),
    ];

    public DateOnly Today => ChinaTime.Today(time);

    /// <summary>
    /// What the actor may see: the whole center for a center role, their own units for a unit leader. Asking for a unit
    /// they may not see is refused and audited.
    /// </summary>
    public async Task<MetricsScope> ScopeAsync(Actor actor, int? unitId = null)
    {
        var wholeCenter = actor.Roles.Any(r => r.UnitId is null && Permissions.Allows(r.Role, Permission.ViewMetrics));
        int[] ownUnits = [.. actor.Roles.Where(r => r.UnitId is not null && Permissions.Allows(r.Role, Permission.ViewMetrics)).Select(r => r.UnitId!.Value).Distinct()];
        // A unit leader asking for no unit in particular asks for their own units: the check is against a unit they lead
        // (checked against no unit, a unit role would always be refused).
        var checkedUnit = unitId ?? (wholeCenter || ownUnits.Length == 0 ? null : ownUnits[0]);
        await PermissionGuard.RequireAsync(dataSource, actor, Permission.ViewMetrics, checkedUnit, "metrics", unitId);
        return unitId is { } unit ? new MetricsScope(actor.CenterId, [unit]) : new MetricsScope(actor.CenterId, wholeCenter ? null : ownUnits);
    }

    public async Task<MetricMonth> MonthAsync(int centerId, DateOnly month)
    {
        const string sql = """
            SELECT mm.month, mm.state, mm.closed_at AS ClosedAt, u.display_name AS ClosedBy, mm.reopen_reason AS ReopenReason
            FROM metric_month mm
            JOIN app_user u ON u.id = mm.closed_by
            WHERE mm.center_id = @centerId AND mm.month = @month
            """;
        await using var connection = await dataSource.OpenConnectionAsync();
        return await connection.QuerySingleOrDefaultAsync<MetricMonth>(sql, new { centerId, month })
            ?? new MetricMonth(month, MetricMonthState.Provisional, null, null, null);
    }

    /// <summary>The items of one KPI in a month: frozen when the month is closed, else the ledger's.</summary>
    public async Task<IReadOnlyList<KpiItem>> ItemsAsync(MetricsScope scope, KpiDefinition kpi, DateOnly month)
    {
        var items = new List<KpiItem>();
        await foreach (var item in StreamItemsAsync(scope, kpi, month))
        {
            items.Add(item);
        }

        return items;
    }

    /// <summary>
    /// The items of one KPI in a month, read row by row as the caller takes them (the export): however many there are,
    /// only the one in hand is in memory. Frozen when the month is closed, else the ledger's; in time order.
    /// </summary>
    public async IAsyncEnumerable<KpiItem> StreamItemsAsync(MetricsScope scope, KpiDefinition kpi, DateOnly month,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var closed = await IsClosedAsync(connection, scope.CenterId, month);
        if (!closed)
        {
            await ApplyChangesAsync(cancellationToken);
        }

        var period = MetricPeriod.For(month, Today);
        var sql = $"""
            SELECT {ItemColumns}
            FROM {(closed ? "metric_month_item" : "kpi_item")}
            WHERE center_id = @centerId AND kpi = @Code
              AND {(closed ? "month = @month" : "day >= @FromDay AND day < @ToDay")}
              {(scope.Units is null ? "" : "AND unit_id = ANY(@units)")}
            ORDER BY at, item_id
            """;
        var parameters = new { centerId = scope.CenterId, kpi.Code, month, period.FromDay, period.ToDay, units = scope.Units?.ToArray() };
        await foreach (var item in connection.QueryUnbufferedAsync<KpiItem>(sql, parameters).WithCancellation(cancellationToken))
        {
            yield return item;
        }
    }

    /// <summary>
    /// Brings the KPI ledger up to every change committed so far (<see cref="KpiLedger"/>): each read below calls it, and
    /// the live dispatcher before it draws the wall's KPIs. Nothing to do costs one round trip.
    /// </summary>
    public Task ApplyChangesAsync(CancellationToken cancellationToken = default) => KpiLedger.ApplyAsync(dataSource, this, cancellationToken);

    /// <summary>
    /// Every KPI's figure for a month, with last year's same period for the year-on-year ones: a closed month's frozen
    /// figures, else the sum of the ledger's tallies over the month's days (a few hundred rows, however long the history).
    /// </summary>
    public async Task<IReadOnlyList<KpiFigure>> FiguresAsync(MetricsScope scope, DateOnly month)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        var months = await MonthsAsync(connection, scope.CenterId, month);
        if (months.Closed)
        {
            return scope.Units is null
                ? await KpiRollups.ReadAsync(connection, scope.CenterId, month) ?? await CountAllAsync(scope, months)
                : await CountAllAsync(scope, months);
        }

        await ApplyChangesAsync();
        var tallies = await TalliesAsync(connection, scope, months.Period);
        var lastYear = await LastYearAsync(connection, scope, months);
        return [.. Kpis.All.Select(k => tallies.GetValueOrDefault(k.Code, Tally.None).Figure(k, lastYear.GetValueOrDefault(k.Code)))];
    }

    /// <summary>The year-on-year KPIs' values for last year's same days: frozen if that month is closed, else tallied.</summary>
    async Task<Dictionary<string, double?>> LastYearAsync(NpgsqlConnection connection, MetricsScope scope, FigureMonths months)
    {
        var compared = Kpis.All.Where(k => k.ComparesYearOnYear).ToList();
        if (!months.LastYearClosed)
        {
            var tallies = await TalliesAsync(connection, scope, months.LastYear);
            return compared.ToDictionary(k => k.Code, k => tallies.GetValueOrDefault(k.Code, Tally.None).Figure(k, null).Value);
        }

        if (scope.Units is null && await KpiRollups.ReadAsync(connection, scope.CenterId, months.LastYear.Month) is { } frozen)
        {
            return compared.ToDictionary(k => k.Code, k => frozen.Single(f => f.Kpi == k).Value);
        }

        var values = new Dictionary<string, double?>();
        foreach (var kpi in compared)
        {
            values[kpi.Code] = (await CountAsync(connection, null, scope, kpi, months.LastYear, frozen: true)).Value;
        }

        return values;
    }

    /// <summary>
    /// Every KPI's figure for a month counted from the live tables by the definitions' SQL, past the ledger: what a month
    /// freezes when it is closed, and the baseline the ledger is measured and checked against.
    /// </summary>
    public async Task<IReadOnlyList<KpiFigure>> CountFromSourceAsync(MetricsScope scope, DateOnly month)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        var months = await MonthsAsync(connection, scope.CenterId, month);
        return await CountAllAsync(scope, months with { Closed = false, LastYearClosed = false });
    }

    /// <summary>One KPI's items in a month by its definition, from the live tables, past the ledger.</summary>
    public async Task<IReadOnlyList<KpiItem>> ItemsFromSourceAsync(MetricsScope scope, KpiDefinition kpi, DateOnly month)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        return [.. scope.Apply(await ComputeAsync(connection, null, scope.CenterId, kpi, MetricPeriod.For(month, Today)))];
    }

    /// <summary>One KPI's figure.</summary>
    public async Task<KpiFigure> FigureAsync(MetricsScope scope, KpiDefinition kpi, DateOnly month) =>
        (await FiguresAsync(scope, month)).Single(f => f.Kpi == kpi);

    /// <summary>The period of a month and of last year's same days, and whether each is read from its frozen items.</summary>
    sealed record FigureMonths(DateOnly Month, MetricPeriod Period, bool Closed, MetricPeriod LastYear, bool LastYearClosed);

    async Task<FigureMonths> MonthsAsync(NpgsqlConnection connection, int centerId, DateOnly month)
    {
        var period = MetricPeriod.For(month, Today);
        var lastYear = period.SameMonthLastYear();
        // A closed month of last year compares with its frozen figures, unless this month is still running (same days only).
        var lastYearClosed = lastYear.ToDay == lastYear.Month.AddMonths(1) && await IsClosedAsync(connection, centerId, lastYear.Month);
        return new FigureMonths(month, period, await IsClosedAsync(connection, centerId, month), lastYear, lastYearClosed);
    }

    /// <summary>How many KPIs are counted at once: each is an independent query, so the wait is a few of them, not the sum.</summary>
    const int CountedAtOnce = 4;

    async Task<IReadOnlyList<KpiFigure>> CountAllAsync(MetricsScope scope, FigureMonths months)
    {
        var figures = new KpiFigure[Kpis.All.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, Kpis.All.Count), new ParallelOptions { MaxDegreeOfParallelism = CountedAtOnce },
            async (i, cancellationToken) =>
            {
                var kpi = Kpis.All[i];
                await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
                double? lastYear = null;
                if (kpi.ComparesYearOnYear)
                {
                    lastYear = (await CountAsync(connection, null, scope, kpi, months.LastYear, months.LastYearClosed)).Value;
                }

                figures[i] = await CountAsync(connection, null, scope, kpi, months.Period, months.Closed, lastYear);
            });
        return figures;
    }

    /// <summary>
    /// One KPI's figure in a period, counted where the items lie: the population SQL (or the frozen items of a closed
    /// month) aggregated in the database. A mean of working days needs the calendar, so its items are read.
    /// </summary>
    internal async Task<KpiFigure> CountAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, MetricsScope scope,
        KpiDefinition kpi, MetricPeriod period, bool frozen, double? lastYear = null)
    {
        if (kpi.Measure == KpiMeasure.MeanWorkingDays)
        {
            var items = frozen
                ? await FrozenItemsAsync(connection, scope.CenterId, kpi, period.Month)
                : await ComputeAsync(connection, transaction, scope.CenterId, kpi, period);
            return KpiFigure.Of(kpi, scope.Apply(items), lastYear);
        }

        var population = frozen
            ? """
              SELECT in_numerator AS InNumerator, unit_id AS UnitId
              FROM metric_month_item
              WHERE center_id = @centerId AND month = @month AND kpi = @kpi
              """
            : kpi.ItemsSql;
        var sql = $"""
            SELECT count(*) FILTER (WHERE i.InNumerator)::int, count(*)::int
            FROM ({population}) i
            {(scope.Units is null ? "" : "WHERE i.UnitId = ANY(@units)")}
            """;
        var (numerator, denominator) = await connection.QuerySingleAsync<(int, int)>(sql, new
        {
            centerId = scope.CenterId,
            month = period.Month,
            kpi = kpi.Code,
            from = period.From,
            to = period.To,
            fromDay = period.FromDay,
            toDay = period.ToDay,
            rules = kpi.RuleCodes.ToArray(),
            units = scope.Units?.ToArray(),
        }, transaction);
        return KpiFigure.Counted(kpi, numerator, denominator, lastYear);
    }

    /// <summary>The KPI's value month by month, for the trend chart: the 13 months ending with <paramref name="month"/>.</summary>
    public async Task<IReadOnlyList<(DateOnly Month, KpiFigure Figure)>> TrendAsync(MetricsScope scope, KpiDefinition kpi, DateOnly month)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        var first = month.AddMonths(-12);
        var closed = (await connection.QueryAsync<DateOnly>(
            "SELECT month FROM metric_month WHERE center_id = @centerId AND month BETWEEN @first AND @month AND state = 'closed'",
            new { centerId = scope.CenterId, first, month })).ToHashSet();
        // The whole center's closed months are read from their frozen figures; every other month from the tallies.
        var frozen = scope.Units is null ? await KpiRollups.ReadTrendAsync(connection, scope.CenterId, kpi, first, month) : [];
        await ApplyChangesAsync();
        var tallied = await MonthTalliesAsync(connection, scope, kpi, first, MetricPeriod.For(month, Today).ToDay);
        var trend = new List<(DateOnly, KpiFigure)>();
        for (var m = first; m <= month; m = m.AddMonths(1))
        {
            trend.Add((m, !closed.Contains(m)
                ? tallied.GetValueOrDefault(m, Tally.None).Figure(kpi, null)
                : frozen.GetValueOrDefault(m) ?? await CountAsync(connection, null, scope, kpi, MetricPeriod.For(m, Today), frozen: true)));
        }

        return trend;
    }

    /// <summary>
    /// The KPI split by one dimension: a closed month's frozen items grouped in the database; any other month read from
    /// the tallies for the whole center, or from the ledger's items when only some units may be seen.
    /// </summary>
    public async Task<IReadOnlyList<KpiBreakdownRow>> BreakdownAsync(MetricsScope scope, KpiDefinition kpi, DateOnly month, string dimension)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        var period = MetricPeriod.For(month, Today);
        var keySql = KeySql(dimension);
        var units = scope.Units is null ? "" : "AND unit_id = ANY(@units)";
        string sql;
        if (await IsClosedAsync(connection, scope.CenterId, month))
        {
            sql = $"""
                SELECT {keySql} AS Key, count(*) FILTER (WHERE in_numerator)::int AS Numerator, count(*)::int AS Denominator,
                       coalesce(sum(value), 0) AS ValueSum
                FROM metric_month_item
                WHERE center_id = @centerId AND month = @month AND kpi = @Code {units}
                GROUP BY 1
                """;
        }
        else
        {
            await ApplyChangesAsync();
            sql = scope.Units is null
                ? """
                  SELECT key AS Key, sum(numerator)::int AS Numerator, sum(denominator)::int AS Denominator, sum(value_sum) AS ValueSum
                  FROM kpi_tally
                  WHERE center_id = @centerId AND dimension = @dimension AND kpi = @Code AND day >= @FromDay AND day < @ToDay
                  GROUP BY key
                  """
                : $"""
                  SELECT {keySql} AS Key, count(*) FILTER (WHERE in_numerator)::int AS Numerator, count(*)::int AS Denominator,
                         coalesce(sum(value), 0) AS ValueSum
                  FROM kpi_item
                  WHERE center_id = @centerId AND kpi = @Code AND day >= @FromDay AND day < @ToDay {units}
                  GROUP BY 1
                  """;
        }

        var rows = await connection.QueryAsync<(string Key, int Numerator, int Denominator, double ValueSum)>(sql, new
        {
            centerId = scope.CenterId, month, kpi.Code, dimension, period.FromDay, period.ToDay, units = scope.Units?.ToArray(),
        });
        return BreakdownRows(kpi, dimension, rows.ToDictionary(r => r.Key, r => new Tally(r.Numerator, r.Denominator, r.ValueSum)),
            await NamesAsync(scope.CenterId));
    }

    /// <summary>A breakdown's rows from its groups' tallies, the largest group first.</summary>
    internal static IReadOnlyList<KpiBreakdownRow> BreakdownRows(KpiDefinition kpi, string dimension, IReadOnlyDictionary<string, Tally> groups,
        MetricNames names) =>
        [.. groups
            .Where(g => g.Value.Denominator > 0)
            .Select(g => new KpiBreakdownRow(g.Key, LabelOf(dimension, g.Key, names), g.Value.Figure(kpi, null)))
            .OrderByDescending(r => r.Figure.Denominator)
            .ThenBy(r => r.Key, StringComparer.Ordinal)];

    /// <summary>Numerator, denominator and the sum of the items' values of a KPI over some days.</summary>
    internal readonly record struct Tally(int Numerator, int Denominator, double ValueSum)
    {
        public static Tally None { get; } = new(0, 0, 0);

        public Tally Add(KpiItem item) => new(Numerator + (item.InNumerator ? 1 : 0), Denominator + 1, ValueSum + (item.Value ?? 0));

        public KpiFigure Figure(KpiDefinition kpi, double? lastYear) => kpi.Measure == KpiMeasure.MeanWorkingDays
            ? new KpiFigure(kpi, Numerator, Denominator, Denominator == 0 ? null : ValueSum / Denominator, lastYear)
            : KpiFigure.Counted(kpi, Numerator, Denominator, lastYear);
    }

    /// <summary>Every KPI's tally over a period: the whole center's, or the sum of the scope's units.</summary>
    static async Task<Dictionary<string, Tally>> TalliesAsync(NpgsqlConnection connection, MetricsScope scope, MetricPeriod period)
    {
        var rows = await connection.QueryAsync<(string Kpi, int Numerator, int Denominator, double ValueSum)>($"""
            SELECT kpi, sum(numerator)::int, sum(denominator)::int, sum(value_sum)
            FROM kpi_tally
            WHERE center_id = @centerId AND {ScopeSql(scope)} AND day >= @FromDay AND day < @ToDay
            GROUP BY kpi
            """, new { centerId = scope.CenterId, keys = ScopeKeys(scope), period.FromDay, period.ToDay });
        return rows.ToDictionary(r => r.Kpi, r => new Tally(r.Numerator, r.Denominator, r.ValueSum));
    }

    /// <summary>One KPI's tallies month by month, from <paramref name="first"/> up to the day before <paramref name="toDay"/>.</summary>
    static async Task<Dictionary<DateOnly, Tally>> MonthTalliesAsync(NpgsqlConnection connection, MetricsScope scope, KpiDefinition kpi,
        DateOnly first, DateOnly toDay)
    {
        var rows = await connection.QueryAsync<(DateTime Month, int Numerator, int Denominator, double ValueSum)>($"""
            SELECT date_trunc('month', day)::date, sum(numerator)::int, sum(denominator)::int, sum(value_sum)
            FROM kpi_tally
            WHERE center_id = @centerId AND {ScopeSql(scope)} AND kpi = @Code AND day >= @first AND day < @toDay
            GROUP BY 1
            """, new { centerId = scope.CenterId, keys = ScopeKeys(scope), kpi.Code, first, toDay });
        return rows.ToDictionary(r => DateOnly.FromDateTime(r.Month), r => new Tally(r.Numerator, r.Denominator, r.ValueSum));
    }

    // The whole center is the '' dimension; some units are the sum of their groups of the 'unit' dimension.
    static string ScopeSql(MetricsScope scope) => scope.Units is null ? "dimension = ''" : "dimension = 'unit' AND key = ANY(@keys)";

    static string[]? ScopeKeys(MetricsScope scope) =>
        scope.Units?.Select(u => u.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    /// <summary>Splits items already read (the export reads each KPI's items once for all five dimensions).</summary>
    public static IReadOnlyList<KpiBreakdownRow> Breakdown(KpiDefinition kpi, IEnumerable<KpiItem> items, string dimension, MetricNames names) =>
        BreakdownRows(kpi, dimension, items.GroupBy(i => KeyOf(i, dimension)).ToDictionary(g => g.Key, g => g.Aggregate(Tally.None, (t, i) => t.Add(i))), names);

    /// <summary>The items behind a figure, optionally only one group of a breakdown and only those in (or out of) the numerator.</summary>
    public static IEnumerable<KpiItem> Filter(IEnumerable<KpiItem> items, string? dimension, string? key, bool? inNumerator) =>
        items.Where(i => (dimension is null || key is null || KeyOf(i, dimension) == key)
                         && (inNumerator is null || i.InNumerator == inNumerator));

    // A KpiItem's columns, in the ledger (kpi_item) and in a closed month's frozen items (metric_month_item) alike.
    const string ItemColumns = """
        kpi, item_kind AS ItemKind, item_id AS ItemId, matter_id AS MatterId, code, at, in_numerator AS InNumerator, value,
        unit_id AS UnitId, category, locality_id AS LocalityId, source, level
        """;

    /// <summary>A breakdown group's key in SQL over the item columns: the same text as <see cref="KeyOf"/>.</summary>
    public static string KeySql(string dimension, string prefix = "") => dimension switch
    {
        "unit" => $"coalesce({prefix}unit_id::text, '')",
        "category" => $"coalesce({prefix}category, '')",
        "locality" => $"coalesce({prefix}locality_id::text, '')",
        "source" => $"coalesce({prefix}source, '')",
        "level" => $"coalesce({prefix}level, '')",
        _ => throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "no such breakdown"),
    };

    public static string KeyOf(KpiItem item, string dimension) => dimension switch
    {
        "unit" => item.UnitId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "",
        "category" => item.Category ?? "",
        "locality" => item.LocalityId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "",
        "source" => item.Source ?? "",
        "level" => item.Level ?? "",
        _ => "",
    };

    public static string LabelOf(string dimension, string key, MetricNames names) => key == ""
        ? "（未填）"
        : dimension switch
        {
            "unit" or "locality" => names.Units.GetValueOrDefault(int.Parse(key, System.Globalization.CultureInfo.InvariantCulture), key),
            "category" => names.Categories.GetValueOrDefault(key, key),
            "source" => Matters.MatterSource.Labels.Label(key),
            "level" => Reception.VisitLevel.Label(key),
            _ => key,
        };

    public async Task<MetricNames> NamesAsync(int centerId)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        var units = await connection.QueryAsync<(int Id, string Name)>("SELECT id, name FROM unit WHERE center_id = @centerId", new { centerId });
        var categories = await connection.QueryAsync<(string Code, string Name)>("SELECT code, name FROM matter_category");
        return new MetricNames(units.ToDictionary(u => u.Id, u => u.Name), categories.ToDictionary(c => c.Code, c => c.Name));
    }

    internal async Task<IReadOnlyList<KpiItem>> ComputeAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, int centerId,
        KpiDefinition kpi, MetricPeriod period) =>
        [.. (await ComputeRowsAsync(connection, transaction, centerId, kpi, period)).Select(r => r.Item)];

    /// <summary>
    /// A KPI's items in a period by its definition, each with its visit; with <paramref name="changed"/>, only the items
    /// of those matters or visits (the ledger's recount of what a change touched).
    /// </summary>
    internal async Task<IReadOnlyList<KpiItemRow>> ComputeRowsAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, int centerId,
        KpiDefinition kpi, MetricPeriod period, (long[] Matters, long[] Visits)? changed = null)
    {
        var sql = changed is null
            ? kpi.ItemsSql
            : $"""
              SELECT * FROM ({kpi.ItemsSql}
                AND {KpiItemKind.ChangedSql(kpi.ItemKind)}) i
              WHERE i.MatterId = ANY(@matters) OR i.VisitId = ANY(@visits)
              """;
        var rows = await connection.QueryAsync<ItemRow>(new CommandDefinition(sql, new
        {
            centerId,
            from = period.From,
            to = period.To,
            fromDay = period.FromDay,
            toDay = period.ToDay,
            rules = kpi.RuleCodes.ToArray(),
            matters = changed?.Matters,
            visits = changed?.Visits,
        }, transaction, commandTimeout: changed is null ? 0 : null));
        var calendar = kpi.Measure == KpiMeasure.MeanWorkingDays ? await calendars.CurrentAsync() : null;
        return [.. rows.Select(r => new KpiItemRow(new KpiItem(kpi.Code, r.ItemKind, r.ItemId, r.MatterId, r.Code, r.At, r.InNumerator,
            calendar is null || r.StartedAt is null ? null : WorkingDays(calendar, r.StartedAt.Value, r.At),
            r.UnitId, r.Category, r.LocalityId, r.Source, r.Level), r.VisitId))];
    }

    // Working days from the day after acceptance to the day of the reply: a reply on the day of acceptance took 0.
    static double WorkingDays(WorkingCalendar calendar, DateTime from, DateTime to) =>
        calendar.WorkingDaysBetween(ChinaTime.DayOf(from), ChinaTime.DayOf(to));

    internal static async Task<bool> IsClosedAsync(NpgsqlConnection connection, int centerId, DateOnly month) =>
        await connection.ExecuteScalarAsync<bool>(
            "SELECT EXISTS (SELECT 1 FROM metric_month WHERE center_id = @centerId AND month = @month AND state = 'closed')",
            new { centerId, month });

    static async Task<IReadOnlyList<KpiItem>> FrozenItemsAsync(NpgsqlConnection connection, int centerId, KpiDefinition kpi, DateOnly month)
    {
        const string sql = $"""
            SELECT {ItemColumns}
            FROM metric_month_item
            WHERE center_id = @centerId AND month = @month AND kpi = @Code
            ORDER BY at, item_id
            """;
        return [.. await connection.QueryAsync<KpiItem>(sql, new { centerId, month, kpi.Code })];
    }

    sealed record ItemRow(string ItemKind, long ItemId, long? MatterId, string Code, DateTime At, bool InNumerator, DateTime? StartedAt,
        int? UnitId, string? Category, int? LocalityId, string? Source, string? Level, long? VisitId);
}

public sealed record MetricNames(IReadOnlyDictionary<int, string> Units, IReadOnlyDictionary<string, string> Categories);
