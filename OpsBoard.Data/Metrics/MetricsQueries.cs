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

    /// <summary>The items of one KPI in a month: frozen when the month is closed, else computed now.</summary>
    public async Task<IReadOnlyList<KpiItem>> ItemsAsync(MetricsScope scope, KpiDefinition kpi, DateOnly month)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        var items = await IsClosedAsync(connection, scope.CenterId, month)
            ? await FrozenItemsAsync(connection, scope.CenterId, kpi, month)
            : await ComputeAsync(connection, null, scope.CenterId, kpi, MetricPeriod.For(month, Today));
        return scope.Units is null ? items : [.. scope.Apply(items)];
    }

    /// <summary>
    /// Every KPI's figure for a month, with last year's same period for the year-on-year ones. The whole center's current
    /// month and closed months are read from their rollup (ten rows, however long the history); other months and unit
    /// scopes are counted in the database.
    /// </summary>
    public async Task<IReadOnlyList<KpiFigure>> FiguresAsync(MetricsScope scope, DateOnly month)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        var months = await MonthsAsync(connection, scope.CenterId, month);
        if (scope.Units is null && (months.Closed || months.IsCurrent))
        {
            var rolled = await KpiRollups.ReadAsync(connection, scope.CenterId, month, months.Closed ? null : Today);
            if (rolled is not null)
            {
                return rolled;
            }

            var figures = await CountAllAsync(scope, months);
            await KpiRollups.WriteAsync(connection, null, scope.CenterId, month, figures, months.Closed, Today, await KpiRollups.LatestEventAsync(connection, scope.CenterId));
            return figures;
        }

        return await CountAllAsync(scope, months);
    }

    /// <summary>
    /// Recounts the whole center's current month into its rollup: the live dispatcher calls this after a batch of
    /// changes that move a KPI, before the wall's KPI region is drawn, so the wall reads figures that include them.
    /// </summary>
    public async Task<IReadOnlyList<KpiFigure>> RefreshCurrentAsync(int centerId, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // Read before counting: every change up to this event is committed, so the counts below include it.
        var through = await KpiRollups.LatestEventAsync(connection, centerId);
        var today = Today;
        var scope = MetricsScope.Center(centerId);
        var figures = await CountAllAsync(scope, await MonthsAsync(connection, centerId, new DateOnly(today.Year, today.Month, 1)));
        await KpiRollups.WriteAsync(connection, null, centerId, new DateOnly(today.Year, today.Month, 1), figures, frozen: false, today, through);
        return figures;
    }

    /// <summary>One KPI's figure: from the rollup where the month has one, else counted alone.</summary>
    public async Task<KpiFigure> FigureAsync(MetricsScope scope, KpiDefinition kpi, DateOnly month)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        var months = await MonthsAsync(connection, scope.CenterId, month);
        return scope.Units is null && (months.Closed || months.IsCurrent)
            ? (await FiguresAsync(scope, month)).Single(f => f.Kpi == kpi)
            : (await CountAllAsync(scope, months, [kpi]))[0];
    }

    /// <summary>The period of a month and of last year's same days, and whether each is read from its frozen items.</summary>
    sealed record FigureMonths(DateOnly Month, MetricPeriod Period, bool Closed, MetricPeriod LastYear, bool LastYearClosed, bool IsCurrent);

    async Task<FigureMonths> MonthsAsync(NpgsqlConnection connection, int centerId, DateOnly month)
    {
        var period = MetricPeriod.For(month, Today);
        var lastYear = period.SameMonthLastYear();
        // A closed month of last year compares with its frozen figures, unless this month is still running (same days only).
        var lastYearClosed = lastYear.ToDay == lastYear.Month.AddMonths(1) && await IsClosedAsync(connection, centerId, lastYear.Month);
        return new FigureMonths(month, period, await IsClosedAsync(connection, centerId, month), lastYear, lastYearClosed,
            month == new DateOnly(Today.Year, Today.Month, 1));
    }

    /// <summary>How many KPIs are counted at once: each is an independent query, so the wait is a few of them, not the sum.</summary>
    const int CountedAtOnce = 4;

    async Task<IReadOnlyList<KpiFigure>> CountAllAsync(MetricsScope scope, FigureMonths months, IReadOnlyList<KpiDefinition>? kpis = null)
    {
        kpis ??= Kpis.All;
        var figures = new KpiFigure[kpis.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, kpis.Count), new ParallelOptions { MaxDegreeOfParallelism = CountedAtOnce },
            async (i, cancellationToken) =>
            {
                var kpi = kpis[i];
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
        // The whole center's closed months and its current month are rolled up; the other months are counted.
        var rolled = scope.Units is null ? await KpiRollups.ReadTrendAsync(connection, scope.CenterId, kpi, first, month, Today) : [];
        var trend = new List<(DateOnly, KpiFigure)>();
        for (var m = first; m <= month; m = m.AddMonths(1))
        {
            trend.Add((m, rolled.GetValueOrDefault(m)
                ?? await CountAsync(connection, null, scope, kpi, MetricPeriod.For(m, Today), await IsClosedAsync(connection, scope.CenterId, m))));
        }

        return trend;
    }

    /// <summary>The KPI split by one dimension; every group's figure is counted from the same items as the whole.</summary>
    public async Task<IReadOnlyList<KpiBreakdownRow>> BreakdownAsync(MetricsScope scope, KpiDefinition kpi, DateOnly month, string dimension)
    {
        var items = await ItemsAsync(scope, kpi, month);
        return Breakdown(kpi, items, dimension, await NamesAsync(scope.CenterId));
    }

    /// <summary>Splits items already read (the export reads each KPI's items once for all five dimensions).</summary>
    public static IReadOnlyList<KpiBreakdownRow> Breakdown(KpiDefinition kpi, IEnumerable<KpiItem> items, string dimension, MetricNames names) =>
        [.. items
            .GroupBy(i => KeyOf(i, dimension))
            .Select(g => new KpiBreakdownRow(g.Key, LabelOf(dimension, g.Key, names), KpiFigure.Of(kpi, g)))
            .OrderByDescending(r => r.Figure.Denominator)];

    /// <summary>The items behind a figure, optionally only one group of a breakdown and only those in (or out of) the numerator.</summary>
    public static IEnumerable<KpiItem> Filter(IEnumerable<KpiItem> items, string? dimension, string? key, bool? inNumerator) =>
        items.Where(i => (dimension is null || key is null || KeyOf(i, dimension) == key)
                         && (inNumerator is null || i.InNumerator == inNumerator));

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
        KpiDefinition kpi, MetricPeriod period)
    {
        var rows = await connection.QueryAsync<ItemRow>(kpi.ItemsSql, new
        {
            centerId,
            from = period.From,
            to = period.To,
            fromDay = period.FromDay,
            toDay = period.ToDay,
            rules = kpi.RuleCodes.ToArray(),
        }, transaction);
        var calendar = kpi.Measure == KpiMeasure.MeanWorkingDays ? await calendars.CurrentAsync() : null;
        return [.. rows.Select(r => new KpiItem(kpi.Code, r.ItemKind, r.ItemId, r.MatterId, r.Code, r.At, r.InNumerator,
            calendar is null || r.StartedAt is null ? null : WorkingDays(calendar, r.StartedAt.Value, r.At),
            r.UnitId, r.Category, r.LocalityId, r.Source, r.Level))];
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
        const string sql = """
            SELECT kpi, item_kind AS ItemKind, item_id AS ItemId, matter_id AS MatterId, code, at, in_numerator AS InNumerator, value,
                   unit_id AS UnitId, category, locality_id AS LocalityId, source, level
            FROM metric_month_item
            WHERE center_id = @centerId AND month = @month AND kpi = @Code
            ORDER BY at, item_id
            """;
        return [.. await connection.QueryAsync<KpiItem>(sql, new { centerId, month, kpi.Code })];
    }

    sealed record ItemRow(string ItemKind, long ItemId, long? MatterId, string Code, DateTime At, bool InNumerator, DateTime? StartedAt,
        int? UnitId, string? Category, int? LocalityId, string? Source, string? Level);
}

public sealed record MetricNames(IReadOnlyDictionary<int, string> Units, IReadOnlyDictionary<string, string> Categories);
