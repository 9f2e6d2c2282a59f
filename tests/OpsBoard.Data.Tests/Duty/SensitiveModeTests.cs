using Dapper;
using OpsBoard.Data.Duty;
using OpsBoard.Data.Emergency;

namespace OpsBoard.Data.Tests.Duty;

/// <summary>
/// What a running sensitive period changes on the floor (《泗县联合接访工作方案》三, 《沥海街道信访工作意见》一(五)): every joint
/// window expected all day, 劝返 first and highlighted, petitioners who went over the county's head before watched.
/// Each test makes its own center.
/// </summary>
public sealed class SensitiveModeTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    static readonly DateOnly Today = new(2026, 11, 24);

    static TestClock At(DateOnly day) => new(new DateTimeOffset(day.ToDateTime(new TimeOnly(10, 0)), TimeSpan.FromHours(8)));

    SensitiveFloor Floor(TestClock clock) => new(db.DataSource, new SensitivePeriods(db.DataSource, clock), clock);

    async Task<int> CenterAsync()
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var code = $"s{Guid.NewGuid():N}"[..12];
        return await connection.ExecuteScalarAsync<int>("INSERT INTO center (code, name, county) VALUES (@code, '测试中心', '测试县') RETURNING id", new { code });
    }

    async Task PeriodAsync(int centerId, DateOnly from, DateOnly to)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("INSERT INTO sensitive_period (center_id, name, starts_on, ends_on) VALUES (@centerId, '全国“两会”', @from, @to)",
            new { centerId, from, to });
    }

    [Fact]
    public async Task JointReceptionAsync_PeriodRunning_EveryJointWindowExpectedAndTheUnrosteredOneUnassigned()
    {
        var centerId = await CenterAsync();
        await using (var connection = await db.DataSource.OpenConnectionAsync())
        {
            var unit = await connection.ExecuteScalarAsync<int>(
                "INSERT INTO unit (center_id, kind, code, name) VALUES (@centerId, 'department', 'zjj', '县住建局') RETURNING id", new { centerId });
            var rostered = await connection.ExecuteScalarAsync<int>(
                "INSERT INTO service_window (center_id, code, name, kind) VALUES (@centerId, 'J1', '联合接访窗口1', 'joint') RETURNING id", new { centerId });
            await connection.ExecuteAsync("INSERT INTO service_window (center_id, code, name, kind) VALUES (@centerId, 'J2', '联合接访窗口2', 'joint')", new { centerId });
            await connection.ExecuteAsync("INSERT INTO joint_roster (window_id, day, unit_id, staff_name) VALUES (@rostered, @Today, @unit, '刘芳')", new { rostered, Today, unit });
        }

        var floor = Floor(At(Today));
        var ordinary = await floor.JointReceptionAsync(centerId);
        await PeriodAsync(centerId, Today.AddDays(-2), Today.AddDays(5));
        var sensitive = await floor.JointReceptionAsync(centerId);

        Assert.False(ordinary.AllDay);
        Assert.Equal("常驻单位轮值", ordinary.ModeLabel);
        Assert.Equal(1, ordinary.ExpectedCount);
        Assert.Equal(0, ordinary.UnassignedCount);
        Assert.True(sensitive.AllDay);
        Assert.Equal("全天候联合接访", sensitive.ModeLabel);
        Assert.Equal("全国“两会”", sensitive.Period?.Name);
        Assert.Equal(2, sensitive.ExpectedCount);
        Assert.Equal(["J2"], sensitive.Windows.Where(sensitive.Unassigned).Select(w => w.Code));
        Assert.All(sensitive.Windows, w => Assert.True(sensitive.Unmanned(w)));
        Assert.Equal("县住建局", sensitive.Windows[0].UnitName);
    }

    [Fact]
    public async Task EscalatedVisitorsAsync_PeriodRunning_ListsTodaysVisitorsWithEarlierEscalatedVisitsOnly()
    {
        var centerId = await CenterAsync();
        await using (var connection = await db.DataSource.OpenConnectionAsync())
        {
            async Task<long> Petitioner(string name) => await connection.ExecuteScalarAsync<long>(
                "INSERT INTO petitioner (center_id, name) VALUES (@centerId, @name) RETURNING id", new { centerId, name });
            async Task Visit(long petitioner, DateOnly day, string level, int headcount = 1) => await connection.ExecuteAsync("""
                INSERT INTO visit (center_id, petitioner_id, arrived_at, visit_day, headcount, is_first_visit, level)
                VALUES (@centerId, @petitioner, @at, @day, @headcount, false, @level)
                """, new { centerId, petitioner, at = new DateTimeOffset(day.ToDateTime(new TimeOnly(9, 30)), TimeSpan.FromHours(8)).UtcDateTime, day, level, headcount });
            var went = await Petitioner("孙立新");
            var stayed = await Petitioner("何文静");
            await Visit(went, Today.AddDays(-40), "city");
            await Visit(went, Today.AddDays(-10), "national");
            await Visit(went, Today, "county", headcount: 2);
            await Visit(stayed, Today.AddDays(-3), "county");
            await Visit(stayed, Today, "county");
        }

        var floor = Floor(At(Today));
        var ordinary = await floor.EscalatedVisitorsAsync(centerId, await floor.PeriodAsync(centerId));
        await PeriodAsync(centerId, Today, Today);
        var watched = await floor.EscalatedVisitorsAsync(centerId, await floor.PeriodAsync(centerId));

        Assert.Empty(ordinary);
        var visitor = Assert.Single(watched);
        Assert.Equal("孙立新", visitor.PetitionerName);
        Assert.Equal(2, visitor.PriorEscalated);
        Assert.Equal("national", visitor.HighestLevel);
        Assert.Equal(2, visitor.Headcount);
    }

    [Fact]
    public void Lead_PeriodRunning_OldestQuanfanTakesTheStripElseTheOldest()
    {
        static EmergencySummary Response(long id, string kind, int minutesAgo) => new(id, kind, "大厅", 6, "active",
            new DateTime(2026, 11, 24, 2, 0, 0, DateTimeKind.Utc).AddMinutes(-minutesAgo), null, null, 2, 0, 0, true, null, null, null);
        var period = new SensitivePeriod(1, "全国“两会”", Today, Today, null);
        IReadOnlyList<EmergencySummary> active = [Response(1, EmergencyKind.Collective, 30), Response(2, EmergencyKind.Quanfan, 10), Response(3, EmergencyKind.Quanfan, 5)];

        Assert.Equal(2, SensitiveMode.Lead(active, period)?.Id);
        Assert.Equal(1, SensitiveMode.Lead(active, null)?.Id);
        Assert.True(SensitiveMode.Highlights(period, EmergencyKind.Quanfan));
        Assert.False(SensitiveMode.Highlights(period, EmergencyKind.Collective));
        Assert.False(SensitiveMode.Highlights(null, EmergencyKind.Quanfan));
        Assert.Null(SensitiveMode.Lead([], period));
    }
}
