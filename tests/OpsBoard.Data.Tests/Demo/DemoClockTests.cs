using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Calendar;
using OpsBoard.Data.Demo;
using OpsBoard.Data.Matters;
using OpsBoard.Data.Metrics;
using OpsBoard.Data.Personal;

namespace OpsBoard.Data.Tests.Demo;

/// <summary>
/// The demo's matters run through the domain (CONVENTIONS 14): every clock kind the lifecycle starts, due where
/// <see cref="DeadlineRule.DueFor"/> puts it on the rule version in force, alert states from the watcher, codes from
/// <see cref="MatterCode"/>, and a revised rule reshapes the demo.
/// </summary>
public sealed class DemoClockTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    // The same Friday mid-morning as DemoSeederTests: a working day with the floor open.
    static readonly DateTimeOffset Now = new(2026, 11, 20, 10, 30, 0, TimeSpan.FromHours(8));
    static readonly DemoOptions Small = new() { Visits = 3000 };

    sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now.ToUniversalTime();
    }

    static DemoSeeder SeederFor(NpgsqlDataSource dataSource)
    {
        var time = new FixedTime(Now);
        var protector = new PersonalDataProtector(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
        return new DemoSeeder(dataSource, new UserStore(dataSource, time), protector, time, NullLogger<DemoSeeder>.Instance);
    }

    /// <summary>The class shares one database; whichever test runs first seeds it.</summary>
    async Task<NpgsqlConnection> SeededAsync()
    {
        await SeederFor(db.DataSource).SeedIfEmptyAsync(Small);
        return await db.DataSource.OpenConnectionAsync();
    }

    sealed record ClockRow(long Id, string Code, int RuleId, DateTime StartedAt, DateTime DueAt, int ExtensionDays, DateTime? StoppedAt,
        string? Result, long? OverdueSeconds, string AlertState, DateTime ApproachingFrom, DateTime? ApproachingAt, DateTime? OverdueAt)
    {
        public DateTimeOffset Started => Utc(StartedAt);

        public DateTimeOffset Due => Utc(DueAt);
    }

    static async Task<List<ClockRow>> ClocksAsync(NpgsqlConnection connection)
    {
        const string sql = """
            SELECT k.id, r.code, k.rule_id AS RuleId, k.started_at AS StartedAt, k.due_at AS DueAt, k.extension_days AS ExtensionDays,
                   k.stopped_at AS StoppedAt, k.result, k.overdue_seconds AS OverdueSeconds, k.alert_state AS AlertState,
                   k.approaching_from AS ApproachingFrom, k.approaching_at AS ApproachingAt, k.overdue_at AS OverdueAt
            FROM matter_clock k
            JOIN deadline_rule r ON r.id = k.rule_id
            ORDER BY k.id
            """;
        return [.. await connection.QueryAsync<ClockRow>(sql)];
    }

    static DateTimeOffset Utc(DateTime utc) => new(DateTime.SpecifyKind(utc, DateTimeKind.Utc));

    [Fact]
    public async Task SeedIfEmptyAsync_SmallHistory_HoldsEveryClockKind()
    {
        await using var connection = await SeededAsync();

        var kinds = await connection.QueryAsync<string>("""
            SELECT DISTINCT r.code
            FROM matter_clock k
            JOIN deadline_rule r ON r.id = k.rule_id
            """);

        Assert.Equal(ClockKind.Labels.Codes.Order(), kinds.Order());
    }

    [Fact]
    public async Task SeedIfEmptyAsync_EveryClockKind_DueWhereDueForPutsItOnTheRuleInForce()
    {
        await using var connection = await SeededAsync();
        var rules = await DeadlineRules.AllAsync(db.DataSource);
        var byId = rules.ToDictionary(r => r.Id);
        var calendar = await new CalendarStore(db.DataSource).ReloadAsync();
        var pauses = (await connection.QueryAsync<(long ClockId, DateTime From, DateTime To)>("""
            SELECT clock_id, paused_at, resumed_at
            FROM clock_pause
            WHERE resumed_at IS NOT NULL
            """)).ToLookup(p => p.ClockId);

        var clocks = await ClocksAsync(connection);
        var wrong = new List<string>();
        foreach (var clock in clocks)
        {
            var rule = byId[clock.RuleId];
            var startDay = ChinaTime.DayOf(clock.StartedAt);
            var inForce = rules.Where(r => r.Code == clock.Code && r.EffectiveFrom <= startDay).MaxBy(r => r.EffectiveFrom);
            // Whole days paused in the rule's own kind of day, as MatterClocks.PausedDaysAsync counts them.
            var paused = pauses[clock.Id].Sum(p => rule.DaysBetween(ChinaTime.DayOf(p.From), ChinaTime.DayOf(p.To), calendar));
            var due = rule.DueFor(clock.Started, calendar, clock.ExtensionDays, paused);
            if (inForce?.Id != rule.Id || clock.Due != due || Utc(clock.ApproachingFrom) != DeadlineRule.ApproachingFrom(clock.Started, due))
            {
                wrong.Add($"{clock.Code} #{clock.Id}: started {clock.Started:u}, due {clock.Due:u}, expected {due:u} on rule {inForce?.Id} (has {rule.Id})");
            }
        }

        Assert.Equal(ClockKind.Labels.Codes.Order(), clocks.Select(c => c.Code).Distinct().Order());
        Assert.Empty(wrong.Take(10));
    }

    [Fact]
    public async Task SeedIfEmptyAsync_StoppedClocks_AreLeftAsStopAsyncLeavesThem()
    {
        await using var connection = await SeededAsync();

        var all = (await ClocksAsync(connection)).Where(c => c.StoppedAt is not null).ToList();
        var lapsed = all.Where(c => c.Result == ClockResult.Lapsed).ToList();
        var stopped = all.Except(lapsed).ToList();

        // A petitioner's window that ran out is closed by the watcher at its due moment.
        Assert.NotEmpty(lapsed);
        Assert.All(lapsed, c =>
        {
            Assert.Contains(c.Code, ClockKind.PetitionerWindows);
            Assert.Equal(c.DueAt, c.StoppedAt);
        });
        Assert.Contains(stopped, c => c.Result == ClockResult.Breached);
        Assert.All(stopped, c =>
        {
            var at = Utc(c.StoppedAt!.Value);
            Assert.Equal(ClockResult.Of(at, c.Due), c.Result);
            Assert.Equal(Math.Max(0, (long)(at - c.Due).TotalSeconds), c.OverdueSeconds);
            Assert.Equal(ClockAlertState.Stopped, c.AlertState);
            Assert.Equal(c.ApproachingFrom <= c.StoppedAt ? c.ApproachingFrom : null, c.ApproachingAt);
            Assert.Equal(c.StoppedAt > c.DueAt ? c.DueAt : null, c.OverdueAt);
        });
    }

    [Fact]
    public async Task SeedIfEmptyAsync_RunningClocks_CarryTheAlertStateTheWatcherGives()
    {
        await using var connection = await SeededAsync();
        var paused = (await connection.QueryAsync<long>("SELECT clock_id FROM clock_pause WHERE resumed_at IS NULL")).ToHashSet();

        await using (var transaction = await connection.BeginTransactionAsync())
        {
            var (approaching, overdue) = await ClockWatcher.MarkAsync(connection, transaction, Now.ToUniversalTime());
            await transaction.RollbackAsync();

            Assert.Empty(approaching);
            Assert.Empty(overdue);
        }

        var running = (await ClocksAsync(connection)).Where(c => c.StoppedAt is null).ToList();
        Assert.All(running, c =>
        {
            var watched = !ClockKind.PetitionerWindows.Contains(c.Code) && !paused.Contains(c.Id);
            var expected = !watched ? ClockAlertState.Running
                : c.Due < Now ? ClockAlertState.Overdue
                : Utc(c.ApproachingFrom) <= Now ? ClockAlertState.Approaching
                : ClockAlertState.Running;
            Assert.Equal(expected, c.AlertState);
            Assert.Equal(expected == ClockAlertState.Running ? null : c.ApproachingFrom, c.ApproachingAt);
            Assert.Equal(expected == ClockAlertState.Overdue ? c.DueAt : null, c.OverdueAt);
        });
        Assert.Contains(running, c => c.AlertState == ClockAlertState.Approaching);
        Assert.Contains(running, c => c.AlertState == ClockAlertState.Overdue);
        Assert.Contains(running, c => c.AlertState == ClockAlertState.Running && !ClockKind.PetitionerWindows.Contains(c.Code));
    }

    [Fact]
    public async Task SeedIfEmptyAsync_MatterCodes_AreTheCodesMatterCodeGives()
    {
        await using var connection = await SeededAsync();

        var matters = (await connection.QueryAsync<(long Id, string Code, DateTime ReceivedAt)>("SELECT id, code, received_at FROM matter")).ToList();

        Assert.NotEmpty(matters);
        Assert.All(matters, m => Assert.Equal(MatterCode.For(ChinaTime.DayOf(m.ReceivedAt), m.Id), m.Code));
    }

    [Fact]
    public async Task SeedIfEmptyAsync_Transitions_ChainFromRegistrationToTheMattersStatus()
    {
        await using var connection = await SeededAsync();

        const string broken = """
            SELECT count(*)
            FROM (
                SELECT matter_id, from_status, lag(to_status) OVER (PARTITION BY matter_id ORDER BY id) AS previous
                FROM matter_transition
            ) t
            WHERE t.from_status IS DISTINCT FROM t.previous
            """;
        const string mismatched = """
            SELECT count(*)
            FROM matter m
            WHERE m.status IS DISTINCT FROM (
                SELECT t.to_status FROM matter_transition t WHERE t.matter_id = m.id ORDER BY t.id DESC LIMIT 1)
            """;
        var reached = await connection.QueryAsync<string>("SELECT DISTINCT to_status FROM matter_transition");

        Assert.Equal(0, await connection.ExecuteScalarAsync<long>(broken));
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>(mismatched));
        Assert.Equal(MatterStatus.Labels.Codes.Order(), reached.Order());
    }

    [Fact]
    public async Task SeedIfEmptyAsync_ReviewsAndSheets_AreAFewPercentOfMatters()
    {
        await using var connection = await SeededAsync();

        const string sql = """
            SELECT count(*) AS Matters,
                   count(*) FILTER (WHERE EXISTS (SELECT 1 FROM matter_transition t WHERE t.matter_id = m.id AND t.to_status = 'review')) AS Reviews,
                   count(*) FILTER (WHERE EXISTS (SELECT 1 FROM matter_transition t WHERE t.matter_id = m.id AND t.to_status = 're_review')) AS ReReviews,
                   count(*) FILTER (WHERE EXISTS (SELECT 1 FROM matter_transition t WHERE t.matter_id = m.id AND t.to_status = 'returned')) AS Returns,
                   count(*) FILTER (WHERE EXISTS (SELECT 1 FROM supervision s WHERE s.matter_id = m.id)) AS Sheets
            FROM matter m
            WHERE m.replied_at IS NOT NULL
            """;
        var share = await connection.QuerySingleAsync<(long Matters, long Reviews, long ReReviews, long Returns, long Sheets)>(sql);

        Assert.InRange(share.Reviews / (double)share.Matters, 0.02, 0.08);
        Assert.InRange(share.ReReviews / (double)share.Matters, 0.003, 0.03);
        Assert.InRange(share.Returns / (double)share.Matters, 0.01, 0.06);
        Assert.InRange(share.Sheets / (double)share.Matters, 0.01, 0.08);
    }

    [Fact]
    public async Task SeedIfEmptyAsync_PausesExtensionsAndSheets_PointAtTheirOwnClocks()
    {
        await using var connection = await SeededAsync();

        const string sql = """
            SELECT 'pause' AS Row, r.code FROM clock_pause p JOIN matter_clock k ON k.id = p.clock_id JOIN deadline_rule r ON r.id = k.rule_id
            UNION ALL
            SELECT 'extension', r.code FROM extension_request e JOIN matter_clock k ON k.id = e.clock_id JOIN deadline_rule r ON r.id = k.rule_id
            UNION ALL
            SELECT 'sheet', r.code FROM supervision s JOIN matter_clock k ON k.id = s.clock_id AND k.matter_id = s.matter_id JOIN deadline_rule r ON r.id = k.rule_id
            """;
        var rows = (await connection.QueryAsync<(string Row, string Code)>(sql)).ToLookup(r => r.Row, r => r.Code);
        const string unexplained = """
            SELECT count(*)
            FROM matter_clock k
            WHERE k.extension_days > 0
              AND NOT EXISTS (SELECT 1 FROM extension_request e WHERE e.clock_id = k.id AND e.approved AND e.days = k.extension_days)
            """;

        Assert.Equal([ClockKind.ReReviewDecision], rows["pause"].Distinct());
        Assert.Equal([ClockKind.Handling], rows["extension"].Distinct());
        Assert.Equal([ClockKind.Supervision], rows["sheet"].Distinct());
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>(unexplained));
    }

    [Fact]
    public async Task SeedIfEmptyAsync_RuleRevisedMidHistory_ClocksStartedAfterFollowTheNewVersion()
    {
        var effective = new DateOnly(2026, 6, 1);
        var other = new DatabaseFixture();
        await other.InitializeAsync();
        try
        {
            await using var connection = await other.DataSource.OpenConnectionAsync();
            // An admin shortens 办理答复 to 45 days from 1 June (as DeadlineRules.ReviseAsync writes it).
            await connection.ExecuteAsync("""
                INSERT INTO deadline_rule (code, version, name, start_event, stop_event, length, day_kind, pause_events,
                                           max_extension_days, source, effective_from)
                SELECT code, version + 1, name, start_event, stop_event, 45, day_kind, pause_events, max_extension_days, source, @effective
                FROM deadline_rule
                WHERE code = @Handling AND version = 1
                """, new { effective, ClockKind.Handling });
            Assert.True(await SeederFor(other.DataSource).SeedIfEmptyAsync(new DemoOptions { Visits = 1000 }));

            var rules = (await DeadlineRules.AllAsync(other.DataSource)).Where(r => r.Code == ClockKind.Handling).ToDictionary(r => r.Version);
            var calendar = await new CalendarStore(other.DataSource).ReloadAsync();
            var clocks = (await ClocksAsync(connection)).Where(c => c.Code == ClockKind.Handling).ToList();

            var (before, after) = (clocks.Where(c => ChinaTime.DayOf(c.StartedAt) < effective).ToList(), clocks.Where(c => ChinaTime.DayOf(c.StartedAt) >= effective).ToList());
            Assert.NotEmpty(before);
            Assert.NotEmpty(after);
            Assert.All(before, c => Assert.Equal(rules[1].Id, c.RuleId));
            Assert.All(after, c =>
            {
                Assert.Equal(rules[2].Id, c.RuleId);
                Assert.Equal(rules[2].DueFor(c.Started, calendar, c.ExtensionDays), c.Due);
                Assert.NotEqual(rules[1].DueFor(c.Started, calendar, c.ExtensionDays), c.Due);
            });
        }
        finally
        {
            await other.DisposeAsync();
        }
    }

    [Fact]
    public async Task SeedIfEmptyAsync_WithoutSlipHistory_IssuesNoSlipAndBuildsTheKpiLedger()
    {
        var other = new DatabaseFixture();
        await other.InitializeAsync();
        try
        {
            Assert.True(await SeederFor(other.DataSource).SeedIfEmptyAsync(new DemoOptions { Visits = 1000, SlipHistory = false }));

            await using var connection = await other.DataSource.OpenConnectionAsync();
            Assert.Equal(0, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM warning_slip"));
            var centerId = await connection.ExecuteScalarAsync<int>("SELECT center_id FROM kpi_ledger");
            Assert.True(await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM kpi_item WHERE center_id = @centerId", new { centerId }) > 0);
            var metrics = new MetricsQueries(other.DataSource, new CalendarStore(other.DataSource), new FixedTime(Now));
            foreach (var month in new[] { new DateOnly(2026, 10, 1), new DateOnly(2026, 11, 1) })
            {
                var scope = MetricsScope.Center(centerId);
                var ledger = await metrics.FiguresAsync(scope, month);
                var counted = await metrics.CountFromSourceAsync(scope, month);
                Assert.Equal(counted.Select(f => (f.Kpi.Code, f.Numerator, f.Denominator)), ledger.Select(f => (f.Kpi.Code, f.Numerator, f.Denominator)));
                Assert.Contains(ledger, f => f.Denominator > 0);
            }
        }
        finally
        {
            await other.DisposeAsync();
        }
    }
}
