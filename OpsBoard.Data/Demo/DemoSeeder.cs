using System.Diagnostics;
using System.Globalization;
using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Audit;
using OpsBoard.Data.Calendar;
using OpsBoard.Data.Matters;
using OpsBoard.Data.Personal;

namespace OpsBoard.Data.Demo;

public sealed record DemoOptions
{
    public int Seed { get; init; } = 20261122;

    /// <summary>Total visits in the history; 0 means the realistic default of about 60 per working day.</summary>
    public int Visits { get; init; }

    public int Months { get; init; } = 13;

    /// <summary>
    /// The history ends before today's opening whatever the hour, so nobody is signed in at a window and no one waits:
    /// tests start from the same floor at 10:00 as at 06:00.
    /// </summary>
    public bool BeforeOpening { get; init; }

    /// <summary>
    /// Whether the warning-slip mechanism ran through the history (its last four weeks of sweeps and every slip's steps).
    /// Off: an office that has not started issuing slips yet. The step-by-step slip history is most of the seeding time
    /// of a large demo, so the 3M benchmark of the KPIs, which no slip moves, seeds without it.
    /// </summary>
    public bool SlipHistory { get; init; } = true;
}

/// <summary>
/// Seeds the fictional county 云溪县 into an empty database: units, windows, rotas, staff accounts and a history of
/// visits, tickets and matters ending at the injected "now", with a live floor today. Deterministic for a seed and a now
/// (only the ID numbers' encryption nonces are random). One transaction: a failure leaves the database empty.
/// </summary>
public sealed class DemoSeeder(NpgsqlDataSource dataSource, UserStore users, PersonalDataProtector protector, TimeProvider time, ILogger<DemoSeeder> logger)
{
    public const string DemoPassword = "Demo@2026";

    // Arbitrary but fixed ("OpsDemo"): serializes two nodes seeding one empty database at the same moment.
    const long LockKey = 0x4F707344656D6F;

    /// <summary>The demo logins, all with <see cref="DemoPassword"/>.</summary>
    public static IReadOnlyList<DemoAccount> Accounts { get; } =
        [.. DemoCounty.Accounts, .. DemoEmergency.AccountSpecs.Select(a => a.Account), .. DemoAccusations.AccountSpecs.Select(a => a.Account)];

    public async Task<bool> SeedIfEmptyAsync(DemoOptions options, CancellationToken cancellationToken = default)
    {
        var stopwatch = Stopwatch.StartNew();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync("SELECT pg_advisory_xact_lock(@LockKey)", new { LockKey }, transaction);
        if (await connection.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM center)", transaction: transaction))
        {
            return false;
        }

        // The per-row representatives check is deferred to commit; run it per COPY instead, so a million visits do not
        // pile up a million trigger events for one long commit.
        await connection.ExecuteAsync("SET CONSTRAINTS visit_person_max_representatives IMMEDIATE", transaction: transaction);
        // The matters' soonest due moments are refreshed once at the end of the copy rather than per chunk (sql/0034).
        await connection.ExecuteAsync("SET LOCAL opsboard.bulk_load = 'on'", transaction: transaction);

        var calendar = await new CalendarStore(dataSource).ReloadAsync(cancellationToken);
        var rules = new DemoRules(await DeadlineRules.AllAsync(dataSource), calendar);
        var random = new Random(options.Seed);
        var utcNow = time.GetUtcNow().UtcDateTime;
        // Whole seconds: timestamptz keeps microseconds, and a replay must compare equal to the row it wrote.
        var now = new DateTime(utcNow.Ticks - utcNow.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);
        if (options.BeforeOpening)
        {
            now = DemoHistory.BeforeOpening(now);
        }
        var ids = await CreateStructureAsync(connection, transaction, cancellationToken);
        var writer = new DemoWriter(connection, ids, rules, protector, now);
        writer.Units(UnitRows(ids));
        foreach (var spec in DemoCounty.AccountSpecs.Concat(DemoEmergency.AccountSpecs).Concat(DemoAccusations.AccountSpecs))
        {
            var account = spec.Account;
            int? unitId = spec.UnitCode is null ? null : ids.Units[spec.UnitCode];
            ids.Users[account.Login] = await users.CreateAsync(connection, transaction, ids.CenterId,
                new NewUser(account.Login, account.DisplayName, DemoPassword, [(spec.Role, unitId)], spec.Title));
        }

        var history = new DemoHistory(random, ids, rules, DemoNames.Load(), now, options.Months);
        writer.LinesAndWindows();
        writer.WaitingArea(120);
        var (joint, dutyHistory, dutyPlan) = history.BuildRosters();
        writer.Rosters(joint, dutyHistory);
        await DemoSchedule.SeedAsync(connection, transaction, ids, calendar, history.Today, dutyPlan, cancellationToken);
        if (history.FloorOpen)
        {
            // The joint windows' staff sign in themselves; the demo opens only the desks the tests and the tour start from.
            writer.WindowSessions([("DJ1", "clerk"), ("DJ2", "clerk2"), ("JT1", "window"), ("JT2", "window2")], history.OpeningToday.AddMinutes(-10));
        }

        foreach (var chunk in history.Generate(options.Visits))
        {
            cancellationToken.ThrowIfCancellationRequested();
            writer.Chunk(chunk);
        }

        writer.Finish();
        logger.LogInformation("Demo: rows copied in {Elapsed:F1} s", stopwatch.Elapsed.TotalSeconds);
        // Statistics for the rows just copied (ANALYZE sees this transaction's own rows): without them the planner reads
        // the freshly filled tables as empty and the watcher's joins below can take minutes.
        await using (var analyze = new NpgsqlCommand("ANALYZE matter, matter_clock, clock_pause, visit, ticket", connection, transaction) { CommandTimeout = 600 })
        {
            await analyze.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var refresh = new NpgsqlCommand("SELECT matter_refresh_all_next_due(); SET LOCAL opsboard.bulk_load = 'off'", connection, transaction) { CommandTimeout = 600 })
        {
            await refresh.ExecuteNonQueryAsync(cancellationToken);
        }

        logger.LogInformation("Demo: due moments refreshed in {Elapsed:F1} s", stopwatch.Elapsed.TotalSeconds);

        // The running clocks' alert states are the watcher's own, given as of now.
        await ClockWatcher.MarkAsync(connection, transaction, new DateTimeOffset(now));
        logger.LogInformation("Demo: clocks marked in {Elapsed:F1} s", stopwatch.Elapsed.TotalSeconds);

        await AdvanceSequencesAsync(connection, transaction, new Dictionary<string, long>
        {
            ["unit"] = ids.Units.Values.Max(),
            ["service_line"] = ids.Lines.Values.Max(),
            ["service_window"] = ids.Windows.Values.Max(),
            ["waiting_area"] = ids.WaitingArea,
            ["petitioner"] = history.Petitioners,
            ["matter"] = history.Matters,
            ["matter_clock"] = writer.ClockCount,
            ["visit"] = history.Visits,
            ["ticket"] = history.Tickets,
            ["evaluation"] = history.Evaluations,
        });

        // Slips last: their clocks take ids from the sequence just advanced past the copied ones.
        var slips = options.SlipHistory ? await DemoSlips.SeedAsync(connection, transaction, ids, calendar, now) : 0;
        logger.LogInformation("Demo: slips in {Elapsed:F1} s", stopwatch.Elapsed.TotalSeconds);
        var emergencies = await DemoEmergency.SeedAsync(connection, transaction, ids, now);
        await ClockWatcher.MarkAsync(connection, transaction, new DateTimeOffset(now));
        logger.LogInformation("Demo: emergencies and clocks in {Elapsed:F1} s", stopwatch.Elapsed.TotalSeconds);

        var counts = new
        {
            slips,
            emergencies,
            visits = history.Visits,
            tickets = history.Tickets,
            ticketPeriods = writer.PeriodCount,
            matters = history.Matters,
            transitions = writer.TransitionCount,
            clocks = writer.ClockCount,
            petitioners = history.Petitioners,
            visitPersons = writer.PersonCount,
            evaluations = history.Evaluations,
        };
        await AuditLog.WriteAsync(connection, transaction, new AuditEntry(
            Action: "demo.seeded", CenterId: ids.CenterId, Detail: new { options.Seed, options.Months, today = history.Today, counts }));
        await transaction.CommitAsync(cancellationToken);
        // Fresh statistics: without them the planner would read a million-row table as empty until autovacuum woke.
        await using (var analyze = new NpgsqlCommand("ANALYZE", connection) { CommandTimeout = 600 })
        {
            await analyze.ExecuteNonQueryAsync(cancellationToken);
        }

        // The KPI ledger of the history just committed, built whole once: the bulk load noted no changes.
        var metrics = new Metrics.MetricsQueries(dataSource, new CalendarStore(dataSource), time);
        await metrics.ApplyChangesAsync(cancellationToken);
        // The seeding's own notes (the clocks marked, the slips' steps) went with the build: their dead rows would slow
        // every apply until autovacuum came round, 33 ms a wall read on a fresh 3M demo.
        await using (var vacuum = new NpgsqlCommand("VACUUM kpi_dirty", connection) { CommandTimeout = 600 })
        {
            await vacuum.ExecuteNonQueryAsync(cancellationToken);
        }

        logger.LogInformation("Demo: KPI ledger built in {Elapsed:F1} s", stopwatch.Elapsed.TotalSeconds);

        // After the commit, through the desk's and the director's own services (each commits on its own).
        var accusations = await DemoAccusations.SeedAsync(dataSource, protector, ids.CenterId, ids.Units, ids.Users, time);
        logger.LogInformation("Demo accusation matters: {Accusations}", accusations);
        var closed = await CloseMonthsAsync(metrics, ids, history);
        logger.LogInformation("Demo: {Closed} months closed by the statistician in {Elapsed:F1} s", closed, stopwatch.Elapsed.TotalSeconds);
        logger.LogInformation(
            "Demo county seeded (seed {Seed}, {From}–{Today}): {Visits} visits, {Tickets} tickets, {Periods} ticket periods, {Matters} matters, {Transitions} transitions, {Clocks} clocks, {Petitioners} petitioners, {Evaluations} evaluations in {Elapsed:F1} s",
            options.Seed, history.Start.AddDays(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), history.Today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), counts.visits, counts.tickets, counts.ticketPeriods, counts.matters,
            counts.transitions, counts.clocks, counts.petitioners, counts.evaluations, stopwatch.Elapsed.TotalSeconds);
        return true;
    }

    /// <summary>
    /// The statistician closed each month of the history early in the next, through the page's own closing; last month is
    /// left open, for today's statistician to check and close.
    /// </summary>
    async Task<int> CloseMonthsAsync(Metrics.MetricsQueries metrics, DemoIds ids, DemoHistory history)
    {
        var statistician = Actor.Center(ids.Users["stats"], ids.CenterId, Roles.Statistician);
        var lastMonth = new DateOnly(history.Today.Year, history.Today.Month, 1).AddMonths(-1);
        var closed = 0;
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        for (var month = new DateOnly(history.Start.Year, history.Start.Month, 1); month < lastMonth; month = month.AddMonths(1), closed++)
        {
            await Metrics.MetricMonths.CloseAsync(connection, transaction, metrics, statistician, month,
                ChinaTime.StartOf(month.AddMonths(1).AddDays(2)).AddHours(9));
        }

        await transaction.CommitAsync();
        return closed;
    }

    /// <summary>The center row and the ids every other row refers to; ids are assigned here so rows can be copied in bulk.</summary>
    static async Task<DemoIds> CreateStructureAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        const string insertCenter = """
            INSERT INTO center (code, name, county)
            VALUES (@CenterCode, @CenterName, @County)
            RETURNING id
            """;
        var ids = new DemoIds
        {
            CenterId = await connection.ExecuteScalarAsync<int>(new CommandDefinition(insertCenter,
                new { DemoCounty.CenterCode, DemoCounty.CenterName, DemoCounty.County }, transaction, cancellationToken: cancellationToken)),
        };

        var next = 0;
        foreach (var unit in DemoCounty.Departments)
        {
            ids.Units[unit.Code] = ++next;
            ids.UnitNames[next] = unit.Name;
        }

        for (var s = 0; s < DemoCounty.Streets.Length; s++)
        {
            var street = DemoCounty.Streets[s];
            ids.Units[street.Code] = ++next;
            ids.UnitNames[next] = street.Name;
            for (var v = 0; v < street.Villages.Length; v++)
            {
                ids.Units[VillageCode(street, v)] = ++next;
                ids.UnitNames[next] = street.Villages[v];
                ids.Villages.Add((next, s, street.Villages[v]));
            }
        }

        // The discipline unit last, so every other unit keeps the id it always had.
        ids.Units[DemoAccusations.Discipline.Code] = ++next;
        ids.UnitNames[next] = DemoAccusations.Discipline.Name;

        for (var i = 0; i < DemoCounty.Lines.Length; i++)
        {
            ids.Lines[DemoCounty.Lines[i].Code] = i + 1;
        }

        for (var i = 0; i < DemoCounty.Windows.Length; i++)
        {
            ids.Windows[DemoCounty.Windows[i].Code] = i + 1;
        }

        ids.WaitingArea = 1;

        return ids;
    }

    static string VillageCode(DemoStreet street, int index) => $"{street.Code}-{index + 1:D2}";

    static IEnumerable<(int Id, int? ParentId, string Kind, string Code, string Name)> UnitRows(DemoIds ids)
    {
        foreach (var unit in DemoCounty.Departments)
        {
            yield return (ids.Units[unit.Code], null, unit.Kind, unit.Code, unit.Name);
        }

        foreach (var street in DemoCounty.Streets)
        {
            var streetId = ids.Units[street.Code];
            yield return (streetId, null, street.Kind, street.Code, street.Name);
            for (var v = 0; v < street.Villages.Length; v++)
            {
                var code = VillageCode(street, v);
                yield return (ids.Units[code], streetId, "village", code, street.Villages[v]);
            }
        }

        var discipline = DemoAccusations.Discipline;
        yield return (ids.Units[discipline.Code], null, discipline.Kind, discipline.Code, discipline.Name);
    }

    /// <summary>Ids were assigned here, so the identity sequences must move past them before the app inserts its own rows.</summary>
    static async Task AdvanceSequencesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Dictionary<string, long> lastIds)
    {
        const string advance = """
            SELECT setval(pg_get_serial_sequence(@table, 'id'), @last)
            """;
        foreach (var (table, last) in lastIds)
        {
            if (last > 0)
            {
                await connection.ExecuteAsync(advance, new { table, last }, transaction);
            }
        }
    }
}
