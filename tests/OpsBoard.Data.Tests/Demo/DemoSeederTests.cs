using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Calendar;
using OpsBoard.Data.Demo;
using OpsBoard.Data.Personal;

namespace OpsBoard.Data.Tests.Demo;

public sealed class DemoSeederTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    // A Friday mid-morning in Beijing time: a working day with the floor open.
    static readonly DateTimeOffset Now = new(2026, 11, 20, 10, 30, 0, TimeSpan.FromHours(8));
    static readonly DateOnly Today = new(2026, 11, 20);
    static readonly DemoOptions Small = new() { Visits = 3000 };
    static readonly PersonalDataProtector Protector = new(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

    sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now.ToUniversalTime();
    }

    static DemoSeeder SeederFor(NpgsqlDataSource dataSource)
    {
        var time = new FixedTime(Now);
        return new DemoSeeder(dataSource, new UserStore(dataSource, time), Protector, time, NullLogger<DemoSeeder>.Instance);
    }

    /// <summary>The class shares one database; whichever test runs first seeds it, the others find it seeded.</summary>
    async Task<NpgsqlConnection> SeededAsync()
    {
        await SeederFor(db.DataSource).SeedIfEmptyAsync(Small);
        return await db.DataSource.OpenConnectionAsync();
    }

    [Fact]
    public async Task SeedIfEmptyAsync_EmptyDatabase_FillsEveryTable()
    {
        await using var connection = await SeededAsync();

        const string sql = """
            SELECT 'center' AS Name, count(*) AS Rows FROM center
            UNION ALL SELECT 'unit', count(*) FROM unit
            UNION ALL SELECT 'app_user', count(*) FROM app_user
            UNION ALL SELECT 'user_role', count(*) FROM user_role
            UNION ALL SELECT 'service_line', count(*) FROM service_line
            UNION ALL SELECT 'service_window', count(*) FROM service_window
            UNION ALL SELECT 'window_line', count(*) FROM window_line
            UNION ALL SELECT 'joint_roster', count(*) FROM joint_roster
            UNION ALL SELECT 'duty_roster', count(*) FROM duty_roster
            UNION ALL SELECT 'petitioner', count(*) FROM petitioner
            UNION ALL SELECT 'matter', count(*) FROM matter
            UNION ALL SELECT 'matter_transition', count(*) FROM matter_transition
            UNION ALL SELECT 'matter_clock', count(*) FROM matter_clock
            UNION ALL SELECT 'clock_pause', count(*) FROM clock_pause
            UNION ALL SELECT 'extension_request', count(*) FROM extension_request
            UNION ALL SELECT 'supervision', count(*) FROM supervision
            UNION ALL SELECT 'visit', count(*) FROM visit
            UNION ALL SELECT 'visit_person', count(*) FROM visit_person
            UNION ALL SELECT 'ticket', count(*) FROM ticket
            UNION ALL SELECT 'ticket_counter', count(*) FROM ticket_counter
            UNION ALL SELECT 'ticket_period', count(*) FROM ticket_period
            UNION ALL SELECT 'evaluation', count(*) FROM evaluation
            """;
        var counts = (await connection.QueryAsync<(string Name, long Rows)>(sql)).ToDictionary(c => c.Name, c => c.Rows);

        Assert.All(counts, c => Assert.True(c.Value > 0, $"{c.Key} is empty"));
        Assert.Equal(1, counts["center"]);
        Assert.Equal(Small.Visits, counts["visit"]);
        Assert.Equal(DemoSeeder.Accounts.Count, counts["app_user"]);
    }

    [Fact]
    public async Task SeedIfEmptyAsync_EveryKindOfLineAndWindow_IsThere()
    {
        await using var connection = await SeededAsync();

        var lineKinds = await connection.QueryAsync<string>("SELECT DISTINCT kind FROM service_line");
        var windowKinds = await connection.QueryAsync<string>("SELECT DISTINCT kind FROM service_window");

        Assert.Equal(["joint", "legal", "mediation", "psychological", "reception", "video"], lineKinds.Order());
        Assert.Equal(["joint", "legal", "mediation", "psychological", "reception", "registration", "video"], windowKinds.Order());
    }

    [Fact]
    public async Task SeedIfEmptyAsync_Petitioners_CarryValidEncryptedIdNumbers()
    {
        await using var connection = await SeededAsync();

        const string sql = """
            SELECT id_number_enc AS Sealed, id_number_hash AS Hash
            FROM petitioner
            """;
        var rows = (await connection.QueryAsync<(byte[] Sealed, byte[] Hash)>(sql)).ToList();

        Assert.NotEmpty(rows);
        Assert.All(rows, row =>
        {
            var number = Protector.Decrypt(row.Sealed);
            Assert.True(ChineseIdNumber.TryParse(number.Value, out _, out var error), error);
            Assert.Equal(row.Hash, Protector.LookupHash(number));
        });
    }

    [Fact]
    public async Task SeedIfEmptyAsync_CollectiveVisits_NameAtMostFiveRepresentatives()
    {
        await using var connection = await SeededAsync();

        const string sql = """
            SELECT v.id, count(p.petitioner_id) FILTER (WHERE p.is_representative) AS Representatives
            FROM visit v
            JOIN visit_person p ON p.visit_id = v.id
            WHERE v.is_collective
            GROUP BY v.id
            """;
        var collective = (await connection.QueryAsync<(long Id, long Representatives)>(sql)).ToList();

        Assert.NotEmpty(collective);
        Assert.All(collective, v => Assert.InRange(v.Representatives, 1, 5));
    }

    [Fact]
    public async Task SeedIfEmptyAsync_Tickets_AreNumberedOncePerLineAndDay()
    {
        await using var connection = await SeededAsync();

        const string duplicates = """
            SELECT count(*)
            FROM (
                SELECT service_line_id, issued_on, number
                FROM ticket
                GROUP BY service_line_id, issued_on, number
                HAVING count(*) > 1
            ) d
            """;
        const string mismatches = """
            SELECT count(*)
            FROM ticket t
            JOIN service_line l ON l.id = t.service_line_id
            WHERE t.number <> l.code || lpad(t.seq::text, 3, '0')
            """;
        const string counters = """
            SELECT count(*)
            FROM (
                SELECT service_line_id, issued_on, max(seq) AS last_seq
                FROM ticket
                GROUP BY service_line_id, issued_on
            ) t
            FULL JOIN ticket_counter c ON c.service_line_id = t.service_line_id AND c.day = t.issued_on
            WHERE c.last_seq IS DISTINCT FROM t.last_seq
            """;

        Assert.Equal(0, await connection.ExecuteScalarAsync<long>(duplicates));
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>(mismatches));
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>(counters));
    }

    [Fact]
    public async Task SeedIfEmptyAsync_WorkingDayMorning_LeavesALiveFloor()
    {
        await using var connection = await SeededAsync();

        const string states = """
            SELECT state, count(*)
            FROM ticket
            WHERE issued_on = @Today
            GROUP BY state
            """;
        const string openPeriods = """
            SELECT count(*)
            FROM ticket t
            WHERE t.issued_on = @Today
              AND (SELECT count(*) FROM ticket_period p WHERE p.ticket_id = t.id AND p.ended_at IS NULL)
                  <> CASE WHEN t.state IN ('done', 'no_show') THEN 0 ELSE 1 END
            """;
        var byState = (await connection.QueryAsync<(string State, long Count)>(states, new { Today })).ToDictionary(s => s.State, s => s.Count);

        Assert.True(byState.GetValueOrDefault("done") > 0, "no ticket done today");
        Assert.True(byState.GetValueOrDefault("serving") > 0, "nobody is being served");
        Assert.True(byState.GetValueOrDefault("called") > 0, "no ticket is called");
        Assert.True(byState.GetValueOrDefault("waiting") >= 3, "fewer than three people wait");
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>(openPeriods, new { Today }));
    }

    [Fact]
    public async Task SeedIfEmptyAsync_HandlingClocks_FallDueSixtyDaysAfterAcceptance()
    {
        await using var connection = await SeededAsync();
        var calendar = await new CalendarStore(db.DataSource).ReloadAsync();

        const string sql = """
            SELECT (m.accepted_at AT TIME ZONE 'Asia/Shanghai')::date AS Accepted,
                   (c.due_at AT TIME ZONE 'Asia/Shanghai')::date AS Due,
                   c.extension_days AS Extension
            FROM matter_clock c
            JOIN deadline_rule r ON r.id = c.rule_id
            JOIN matter m ON m.id = c.matter_id
            WHERE r.code = 'handling'
            """;
        var clocks = (await connection.QueryAsync<(DateOnly Accepted, DateOnly Due, int Extension)>(sql)).ToList();

        Assert.NotEmpty(clocks);
        // 条例 第三十四条: 60 days from acceptance (plus any approved extension), the last day rolling past holidays.
        Assert.All(clocks, c => Assert.Equal(calendar.AddCalendarDays(c.Accepted, 60 + c.Extension), c.Due));
    }

    [Fact]
    public async Task SeedIfEmptyAsync_DemoAccounts_SignInWithTheDemoPassword()
    {
        await using var connection = await SeededAsync();
        var users = new UserStore(db.DataSource, new FixedTime(Now));

        foreach (var account in DemoSeeder.Accounts)
        {
            var result = await users.SignInAsync(account.Login, DemoSeeder.DemoPassword, null);

            Assert.Equal(SignInStatus.Succeeded, result.Status);
            Assert.Equal(account.DisplayName, result.User!.DisplayName);
        }
    }

    [Fact]
    public async Task SeedIfEmptyAsync_SecondCall_ReturnsFalseAndAddsNothing()
    {
        await using var connection = await SeededAsync();
        var visits = await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM visit");

        var seededAgain = await SeederFor(db.DataSource).SeedIfEmptyAsync(Small);

        Assert.False(seededAgain);
        Assert.Equal(1, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM center"));
        Assert.Equal(visits, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM visit"));
    }

    [Fact]
    public async Task SeedIfEmptyAsync_SameSeedAndNow_GivesIdenticalVisitsTicketsMattersAndClocks()
    {
        await using var connection = await SeededAsync();
        var other = new DatabaseFixture();
        await other.InitializeAsync();
        try
        {
            Assert.True(await SeederFor(other.DataSource).SeedIfEmptyAsync(Small));
            await using var otherConnection = await other.DataSource.OpenConnectionAsync();

            Assert.Equal(await RowsAsync(connection, VisitRows), await RowsAsync(otherConnection, VisitRows));
            Assert.Equal(await RowsAsync(connection, TicketRows), await RowsAsync(otherConnection, TicketRows));
            Assert.Equal(await RowsAsync(connection, PetitionerRows), await RowsAsync(otherConnection, PetitionerRows));
            Assert.Equal(await RowsAsync(connection, MatterRows), await RowsAsync(otherConnection, MatterRows));
            Assert.Equal(await RowsAsync(connection, ClockRows), await RowsAsync(otherConnection, ClockRows));
        }
        finally
        {
            await other.DisposeAsync();
        }
    }

    const string VisitRows = """
        SELECT concat_ws('|', id, matter_id, petitioner_id, arrived_at, visit_day, headcount, is_first_visit, level,
                         behaviours, locality_id, outcome, registered_by)
        FROM visit
        ORDER BY id
        """;

    const string TicketRows = """
        SELECT concat_ws('|', id, visit_id, service_line_id, issued_on, seq, number, priority_reason, state, window_id,
                         issued_at, closed_at, outcome, no_shows)
        FROM ticket
        ORDER BY id
        """;

    const string MatterRows = """
        SELECT concat_ws('|', id, code, source, status, responsible_unit_id, received_at, accepted_at, assigned_at, replied_at, closed_at,
                         (SELECT string_agg(concat_ws(' ', to_status, at, note), ';' ORDER BY id) FROM matter_transition t WHERE t.matter_id = m.id))
        FROM matter m
        ORDER BY id
        """;

    const string ClockRows = """
        SELECT concat_ws('|', id, matter_id, rule_id, started_at, due_at, extension_days, stopped_at, result, alert_state, approaching_at, overdue_at)
        FROM matter_clock
        ORDER BY id
        """;

    // The encryption nonce is random by design; the keyed lookup hash is not.
    const string PetitionerRows = """
        SELECT concat_ws('|', id, name, encode(id_number_hash, 'hex'), phone, address, locality_id)
        FROM petitioner
        ORDER BY id
        """;

    [Fact]
    public async Task SeedIfEmptyAsync_RotaReceptionsPeriodsAndJointStaff_ThroughTheDomain()
    {
        await using var connection = await SeededAsync();
        var centerId = await connection.ExecuteScalarAsync<int>("SELECT id FROM center");
        var time = new FixedTime(Now);
        var rota = new OpsBoard.Data.Duty.DutyRota(db.DataSource, new OpsBoard.Data.Calendar.CalendarStore(db.DataSource), time);
        var periods = new OpsBoard.Data.Duty.SensitivePeriods(db.DataSource, time);
        var receptions = new OpsBoard.Data.Duty.LeaderReceptions(db.DataSource, new OpsBoard.Data.Calendar.CalendarStore(db.DataSource), time);

        var nextWeek = await rota.WeekAsync(centerId, Today.AddDays(3));
        var days = await receptions.ScheduleAsync(centerId, Today, Today.AddDays(21));
        var staff = (await connection.QueryAsync<(string StaffName, string DisplayName, string Role)>("""
            SELECT j.staff_name, u.display_name, r.role
            FROM joint_roster j
            JOIN app_user u ON u.id = j.user_id
            JOIN user_role r ON r.user_id = u.id
            """)).ToList();

        // 2026-11-20 is a Friday: the demo account leads today, the rota runs to the end of next week.
        Assert.Equal("刘海峰", (await rota.OnDutyAsync(centerId))?.Name);
        Assert.Equal(5, nextWeek.Days.Count);
        Assert.All(nextWeek.Days, d => Assert.NotNull(d.Leader));
        Assert.Equal(2, (await periods.ListAsync(centerId)).Count);
        Assert.Null(await periods.ActiveAsync(centerId));
        Assert.Equal("重要会议期间", (await periods.ActiveAsync(centerId, Today.AddDays(8)))?.Name);
        // Wednesdays 11-25, 12-02 and 12-09, and every day of the period 11-28 to 12-04, each with its leader.
        Assert.Equal(9, days.Count);
        Assert.All(days, d => Assert.NotEmpty(d.Receptions));
        Assert.Equal(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM joint_roster"), staff.Count);
        Assert.All(staff, s => Assert.Equal((s.DisplayName, Roles.Clerk), (s.StaffName, s.Role)));
    }

    static async Task<List<string>> RowsAsync(NpgsqlConnection connection, string sql) =>
        (await connection.QueryAsync<string>(sql)).ToList();
}
