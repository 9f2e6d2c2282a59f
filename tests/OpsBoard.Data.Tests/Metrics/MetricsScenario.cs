using Dapper;
using Npgsql;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Calendar;
using OpsBoard.Data.Matters;
using OpsBoard.Data.Metrics;
using OpsBoard.Data.Reception;
using OpsBoard.Data.Tests.Reception;

namespace OpsBoard.Data.Tests.Metrics;

/// <summary>
/// A center of its own on a clock the test moves, with the services the KPIs read from. Matters, visits, clocks and
/// evaluations are made through the app's own desk, window, intake and lifecycle, so they are what the app would record.
/// </summary>
public sealed class MetricsScenario
{
    public required NpgsqlDataSource DataSource { get; init; }
    public required FloorScenario Floor { get; init; }
    public required MatterIntake Intake { get; init; }
    public required MatterLifecycle Lifecycle { get; init; }
    public required ClockWatcher Watcher { get; init; }
    public required MetricsQueries Metrics { get; init; }
    public required MetricMonths Months { get; init; }
    public required int UnitId { get; init; }
    public required int OtherUnitId { get; init; }
    public required Actor Director { get; init; }
    public required Actor Statistician { get; init; }
    public required Actor Clerk { get; init; }
    public required Actor Officer { get; init; }

    /// <summary>The unit's leader: another person than the officer, since nobody approves their own extension.</summary>
    public required Actor Leader { get; init; }

    public required Actor OtherOfficer { get; init; }

    public TestClock Clock => Floor.Clock;

    public int CenterId => Floor.CenterId;

    public MetricsScope Scope => MetricsScope.Center(CenterId);

    public DateOnly Today => ChinaTime.Today(Clock);

    /// <summary>10:00 (or the hour given) in Beijing on a day.</summary>
    public static DateTimeOffset Beijing(int year, int month, int day, int hour = 10) => new(year, month, day, hour, 0, 0, ChinaTime.Offset);

    public static async Task<MetricsScenario> CreateAsync(NpgsqlDataSource dataSource, DateTimeOffset start)
    {
        var floor = await FloorScenario.CreateAsync(dataSource, new TestClock(start));
        await using var connection = await dataSource.OpenConnectionAsync();
        var unitId = await connection.ExecuteScalarAsync<int>(
            "SELECT id FROM unit WHERE center_id = @CenterId AND code = 'dept-zjj'", new { floor.CenterId });
        var otherUnitId = await connection.ExecuteScalarAsync<int>(
            "INSERT INTO unit (center_id, kind, code, name) VALUES (@CenterId, 'street', 'st-cd', '城东街道') RETURNING id", new { floor.CenterId });
        var clocks = new MatterClocks(new CalendarStore(dataSource));
        var metrics = new MetricsQueries(dataSource, new CalendarStore(dataSource), floor.Clock);
        await floor.Tickets.SignInWindowAsync(floor.CenterId, floor.Window1, floor.ClerkId);
        return new MetricsScenario
        {
            DataSource = dataSource,
            Floor = floor,
            Intake = new MatterIntake(dataSource, FloorScenario.Protector, clocks, floor.Clock),
            Lifecycle = new MatterLifecycle(dataSource, clocks, new Supervisions(dataSource, clocks, floor.Clock), floor.Clock),
            Watcher = new ClockWatcher(dataSource, floor.Clock),
            Metrics = metrics,
            Months = new MetricMonths(dataSource, metrics, floor.Clock),
            UnitId = unitId,
            OtherUnitId = otherUnitId,
            Director = Actor.Center(floor.ClerkId, floor.CenterId, Roles.Director),
            Statistician = Actor.Center(floor.OtherClerkId, floor.CenterId, Roles.Statistician),
            Clerk = Actor.Center(floor.ClerkId, floor.CenterId, Roles.Clerk),
            Officer = Actor.OfUnit(floor.ClerkId, floor.CenterId, unitId, Roles.UnitOfficer),
            Leader = Actor.OfUnit(floor.OtherClerkId, floor.CenterId, unitId, Roles.UnitLeader),
            OtherOfficer = Actor.OfUnit(floor.ClerkId, floor.CenterId, otherUnitId, Roles.UnitOfficer),
        };
    }

    /// <summary>Moves the clock forward to a moment (never back).</summary>
    public void MoveTo(DateTimeOffset moment)
    {
        if (moment < Clock.Now)
        {
            throw new InvalidOperationException($"The scenario's clock runs forward: {moment} is before {Clock.Now}");
        }

        Clock.Advance(moment - Clock.Now);
    }

    /// <summary>A matter that came by letter (or online, by phone), registered on the matter page.</summary>
    public Task<long> LetterAsync(string source = MatterSource.Letter, bool proxy = false, string category = "urban_construction") =>
        Intake.RegisterAsync(Clerk, new NewMatter(source, "李四", FloorScenario.NewIdNumber(), null, category, "房屋征收补偿", null, false,
            proxy, proxy ? "王代办" : null));

    /// <summary>A visit registered at the desk (a new matter, or one more visit on <paramref name="matterId"/>), served at window 1.</summary>
    public async Task<(long VisitId, long MatterId)> VisitAsync(string outcome = VisitOutcome.HandedToUnit, string? rating = null,
        long? matterId = null, bool proxy = false)
    {
        Clock.Advance(TimeSpan.FromMinutes(1));
        var registered = await Floor.Registry.RegisterAsync(Floor.Visit() with
        {
            MatterId = matterId,
            IsProxy = proxy,
            ProxyName = proxy ? "张代办" : null,
        });
        var called = await Floor.Tickets.CallNextAsync(CenterId, Floor.Window1, Floor.ClerkId)
            ?? throw new InvalidOperationException("Nothing to call");
        if (called.Id != registered.TicketId)
        {
            throw new InvalidOperationException("Window 1 called another ticket than the visit just registered");
        }

        await Floor.Tickets.StartServiceAsync(CenterId, called.Id, Floor.ClerkId);
        Clock.Advance(TimeSpan.FromMinutes(10));
        await Floor.Tickets.FinishAsync(CenterId, called.Id, Floor.ClerkId, outcome, rating);
        await using var connection = await DataSource.OpenConnectionAsync();
        return (registered.VisitId, await connection.ExecuteScalarAsync<long>("SELECT matter_id FROM visit WHERE id = @VisitId", new { registered.VisitId }));
    }

    /// <summary>受理 (with the written notice) and 交办.</summary>
    public async Task AcceptAssignAsync(long matterId, int? unitId = null)
    {
        await Lifecycle.AcceptAsync(Director, matterId, accepted: true, reason: null, noticeGiven: true);
        await Lifecycle.AssignAsync(Director, matterId, unitId ?? UnitId);
    }

    /// <summary>签收 and 一问一核实 by the unit the matter was assigned to.</summary>
    public async Task UnitTakesUpAsync(long matterId, Actor? officer = null)
    {
        await Lifecycle.ReceiveAsync(officer ?? Officer, matterId);
        await Lifecycle.FirstContactAsync(officer ?? Officer, matterId, "电话联系信访人，核实诉求");
    }

    public async Task ToHandlingAsync(long matterId)
    {
        await AcceptAssignAsync(matterId);
        await UnitTakesUpAsync(matterId);
    }

    public Task ReplyAsync(long matterId, DateOnly? on = null, string outcome = ReplyOutcome.Supported, string? rating = null, string? channel = null) =>
        Lifecycle.ReplyAsync(Officer, matterId, on ?? Today, outcome, rating, channel);

    /// <summary>The due day (Beijing) of a matter's clock of a rule.</summary>
    public async Task<DateOnly> DueDayAsync(long matterId, string ruleCode)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        var due = await connection.ExecuteScalarAsync<DateTime>("""
            SELECT k.due_at
            FROM matter_clock k
            JOIN deadline_rule r ON r.id = k.rule_id
            WHERE k.matter_id = @matterId AND r.code = @ruleCode
            ORDER BY k.id DESC
            LIMIT 1
            """, new { matterId, ruleCode });
        return ChinaTime.DayOf(ChinaTime.Utc(due));
    }

    public Task<KpiFigure> FigureAsync(KpiDefinition kpi, DateOnly month) => Metrics.FigureAsync(Scope, kpi, month);

    /// <summary>
    /// The figure, its drill-down and every breakdown agree: the items in the numerator and all the items are the
    /// figure's numerator and denominator, and each breakdown's groups add up to the whole.
    /// </summary>
    public async Task<KpiFigure> ConsistentFigureAsync(KpiDefinition kpi, DateOnly month) =>
        await AssertConsistentAsync(Metrics, Scope, kpi, month);

    public static async Task<KpiFigure> AssertConsistentAsync(MetricsQueries metrics, MetricsScope scope, KpiDefinition kpi, DateOnly month)
    {
        var figure = await metrics.FigureAsync(scope, kpi, month);
        var items = await metrics.ItemsAsync(scope, kpi, month);
        if (!(await metrics.MonthAsync(scope.CenterId, month)).IsClosed)
        {
            // The ledger's figure is the definition's, counted afresh from the live tables.
            var counted = (await metrics.CountFromSourceAsync(scope, month)).Single(f => f.Kpi == kpi);
            Assert.Equal((counted.Numerator, counted.Denominator, counted.LastYear), (figure.Numerator, figure.Denominator, figure.LastYear));
            Assert.Equal(counted.Value ?? -1, figure.Value ?? -1, 9);
        }

        Assert.Equal(figure.Numerator, MetricsQueries.Filter(items, null, null, inNumerator: true).Count());
        Assert.Equal(figure.Denominator, MetricsQueries.Filter(items, null, null, inNumerator: null).Count());
        Assert.Equal(figure.Denominator - figure.Numerator, MetricsQueries.Filter(items, null, null, inNumerator: false).Count());
        foreach (var (dimension, _) in MetricsQueries.Dimensions)
        {
            var rows = await metrics.BreakdownAsync(scope, kpi, month, dimension);
            Assert.Equal(figure.Numerator, rows.Sum(r => r.Figure.Numerator));
            Assert.Equal(figure.Denominator, rows.Sum(r => r.Figure.Denominator));
            Assert.Equal(rows.Count, rows.Select(r => r.Key).Distinct().Count());
            foreach (var row in rows)
            {
                // A group's drill-down is its own items, and nobody else's.
                Assert.Equal(row.Figure.Denominator, MetricsQueries.Filter(items, dimension, row.Key, null).Count());
                Assert.Equal(row.Figure.Numerator, MetricsQueries.Filter(items, dimension, row.Key, true).Count());
            }

            if (kpi.Measure == KpiMeasure.MeanWorkingDays && figure.Denominator > 0)
            {
                // The whole's mean is the groups' means weighted by their size.
                Assert.Equal(figure.Value!.Value, rows.Sum(r => r.Figure.Value!.Value * r.Figure.Denominator) / figure.Denominator, 6);
            }
        }

        return figure;
    }
}
