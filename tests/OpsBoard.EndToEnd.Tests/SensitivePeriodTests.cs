using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Npgsql;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Duty;
using OpsBoard.Data.Emergency;
using OpsBoard.Data.Personal;
using OpsBoard.Data.Reception;

namespace OpsBoard.EndToEnd.Tests;

/// <summary>
/// A sensitive period (全国“两会”) running today, as the people on duty see it: the wall's header carries the band, the
/// joint windows are all expected (an unrostered, unstaffed one shows 缺岗), a 劝返 under way takes the emergency strip
/// highlighted and its minutes tick on the screen with no event, and a visit by a petitioner who went to Beijing before
/// is counted on the wall and listed on /duty — both change on their own after a registration.
/// </summary>
public sealed class SensitivePeriodTests(AppFixture app, BrowserFixture browser) : IClassFixture<AppFixture>, IClassFixture<BrowserFixture>
{
    const string Watched = "孙立新";
    static readonly string WatchedId = IdNumber("33060219650412301");

    static string IdNumber(string first17) => first17 + ChineseIdNumber.CheckCharacterOf(first17);

    NpgsqlDataSource DataSource => app.Services.GetRequiredService<NpgsqlDataSource>();

    async Task<int> UserAsync(string login)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<int>("SELECT id FROM app_user WHERE login = @login", new { login });
    }

    async Task<long> RegisterWatchedAsync()
    {
        var line = (await app.Services.GetRequiredService<DeskQueries>().ServiceLinesAsync(1))[0];
        var registered = await app.Services.GetRequiredService<VisitRegistry>().RegisterAsync(new RegisterVisit
        {
            CenterId = 1,
            UserId = await UserAsync("clerk"),
            RequestKey = Guid.NewGuid(),
            Principal = new Visitor(Watched, WatchedId, null),
            Headcount = 1,
            Category = "urban_construction",
            Summary = "征地补偿款分配不公，曾赴京上访",
            ServiceLineId = int.Parse(line.Value, System.Globalization.CultureInfo.InvariantCulture),
        });
        return registered.VisitId;
    }

    /// <summary>Today in a sensitive period; 孙立新 here today after a visit to Beijing last month; a 劝返 launched 2 min 50 s ago.</summary>
    async Task<(long EmergencyId, string GapWindow)> SensitiveDayAsync()
    {
        var periods = app.Services.GetRequiredService<SensitivePeriods>();
        var today = OpsBoard.Data.ChinaTime.Today(TimeProvider.System);
        if (await periods.ActiveAsync(1) is null)
        {
            await periods.AddAsync(Actor.Center(await UserAsync("admin"), 1, Roles.Admin),
                new SensitivePeriodInput("全国“两会”", today.AddDays(-1), today.AddDays(10), "测试"));
        }

        var visitId = await RegisterWatchedAsync();
        await using var connection = await DataSource.OpenConnectionAsync();
        // The earlier trip to Beijing, as the higher level reports it back: a visit on another day at the national level.
        await connection.ExecuteAsync("""
            INSERT INTO visit (center_id, petitioner_id, arrived_at, visit_day, headcount, is_first_visit, level)
            SELECT center_id, petitioner_id, arrived_at - interval '30 days', visit_day - 30, 1, false, 'national'
            FROM visit v WHERE id = @visitId
              AND NOT EXISTS (SELECT 1 FROM visit e WHERE e.petitioner_id = v.petitioner_id AND e.level = 'national')
            """, new { visitId });

        // A joint window with nobody signed in and no department on today's roster: a gap while joint reception runs all day.
        var gap = await connection.QueryFirstAsync<(int Id, string Name)>("""
            SELECT w.id, w.name FROM service_window w
            WHERE w.center_id = 1 AND w.kind = 'joint' AND w.active
              AND NOT EXISTS (SELECT 1 FROM window_session s WHERE s.window_id = w.id AND s.ended_at IS NULL)
              AND NOT EXISTS (SELECT 1 FROM ticket t WHERE t.window_id = w.id AND t.issued_on = (now() AT TIME ZONE 'Asia/Shanghai')::date
                                AND t.state IN ('called', 'serving', 'on_hold'))
            ORDER BY w.code DESC
            """);
        await app.Services.GetRequiredService<FloorStore>().SetJointWindowAsync(1, gap.Id, today, 0, null, await UserAsync("clerk"));

        var unit = await connection.ExecuteScalarAsync<int>("SELECT id FROM unit WHERE center_id = 1 AND name = '城东街道'");
        // One 劝返 for the class's tests (they share the board): the strip must show this one.
        var emergencyId = await connection.ExecuteScalarAsync<long?>(
            "SELECT id FROM emergency WHERE center_id = 1 AND kind = 'quanfan' AND state = 'active' AND place = '省信访局'");
        if (emergencyId is null)
        {
            var launched = await app.Services.GetRequiredService<EmergencyResponses>().LaunchAsync(
                Actor.Center(await UserAsync("duty"), 1, Roles.DutyLeader),
                new LaunchEmergency
                {
                    RequestKey = Guid.NewGuid(), Kind = EmergencyKind.Quanfan, UnitId = unit, Place = "省信访局", Headcount = 2,
                    Summary = "两名村民赴省信访局反映征地补偿，需劝返",
                });
            emergencyId = launched.EmergencyId;
        }

        // Launched a little under three minutes ago: the next minute arrives on the screen's own clock during the test.
        await connection.ExecuteAsync("UPDATE emergency SET launched_at = now() - interval '2 minutes 50 seconds' WHERE id = @emergencyId",
            new { emergencyId });
        return (emergencyId.Value, gap.Name);
    }

    [BrowserFact]
    public async Task Wall_SensitivePeriodWithAQuanfanUnderWay_HighlightsItCountsWatchedVisitsAndTicksWithoutAnEvent()
    {
        var (emergencyId, gapWindow) = await SensitiveDayAsync();
        var wall = await browser.NewPageAsync(app.BaseAddress, 1920, 1080);
        await wall.GotoAsync($"/wall?device={await app.DeviceTokenAsync()}");

        await Assertions.Expect(wall.Locator("[data-sensitive]")).ToContainTextAsync("敏感期：全国“两会”");
        await Assertions.Expect(wall.Locator("section[data-region=serving] h2")).ToHaveTextAsync("窗口叫号 · 全天候联合接访");
        var gap = wall.Locator("section[data-region=serving] li.window.gap", new() { HasText = gapWindow });
        await Assertions.Expect(gap).ToContainTextAsync("缺岗");
        await Assertions.Expect(gap).ToContainTextAsync("未安排驻窗单位");

        var strip = wall.Locator("section[data-region=emergency]");
        await Assertions.Expect(strip.Locator($"[data-emergency='{emergencyId}']")).ToBeVisibleAsync();
        await Assertions.Expect(strip.Locator("[data-highlight]")).ToHaveTextAsync("敏感期劝返");
        await Assertions.Expect(strip.Locator("[data-elapsed]")).ToHaveTextAsync("已持续 2 分钟");
        var shownAt = await strip.GetAttributeAsync("data-updated");
        await Assertions.Expect(strip.Locator("[data-elapsed]")).ToHaveTextAsync("已持续 3 分钟", new() { Timeout = 20_000 });
        // The same region, never re-rendered or fetched: the minute came from the screen's clock, not from an event.
        Assert.Equal(shownAt, await strip.GetAttributeAsync("data-updated"));

        var watched = wall.Locator("section[data-region=totals] [data-escalated-visits]");
        await Assertions.Expect(watched).ToContainTextAsync("曾越级上访");
        var before = int.Parse(await watched.GetAttributeAsync("data-escalated-visits") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(before >= 1);
        await AssertFitsAsync(wall, "1920");
        await BrowserFixture.SnapshotAsync(wall, "sensitive-wall-1920");
        await wall.SetViewportSizeAsync(3840, 2160);
        await AssertFitsAsync(wall, "3840");
        await BrowserFixture.SnapshotAsync(wall, "sensitive-wall-3840");

        await RegisterWatchedAsync();
        await Assertions.Expect(watched).ToHaveAttributeAsync("data-escalated-visits", (before + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
            new() { Timeout = 5000 });
    }

    [BrowserFact]
    public async Task Duty_SensitivePeriod_HighlightsQuanfanAndWatchedVisitors_FloorCardsUpdateAfterARegistration()
    {
        var (emergencyId, _) = await SensitiveDayAsync();
        var duty = await browser.NewPageAsync(app.BaseAddress, 1366, 768);
        await duty.LogInAsync("duty");
        await duty.GotoAsync("/duty");

        await Assertions.Expect(duty.Locator("section[data-region=floor] [data-sensitive]")).ToContainTextAsync("敏感期：全国“两会”");
        var response = duty.Locator($"[data-emergency='{emergencyId}']");
        await Assertions.Expect(response).ToHaveAttributeAsync("data-highlighted", "true");
        await Assertions.Expect(response.Locator("[data-highlight]")).ToHaveTextAsync("敏感期劝返");
        await Assertions.Expect(response).ToContainTextAsync("已持续 2 分钟");
        await Assertions.Expect(duty.Locator("[data-card=joint]")).ToContainTextAsync("全天候联合接访");
        await Assertions.Expect(duty.Locator("[data-joint-unassigned]")).ToContainTextAsync("个窗口未安排驻窗单位");
        var rows = duty.Locator("[data-escalated] tbody tr", new() { HasText = Watched });
        var watchedBefore = await rows.CountAsync();
        Assert.True(watchedBefore >= 1);
        await Assertions.Expect(rows.First).ToContainTextAsync("曾越级上访");
        await Assertions.Expect(rows.First).ToContainTextAsync("最高进京");
        var visitsCard = duty.Locator("[data-card=visits] .fs-4");
        var visitsBefore = await visitsCard.InnerTextAsync();
        await BrowserFixture.SnapshotAsync(duty, "sensitive-duty-1366");

        // A registration at the desk: the floor card and the watched list change on their own, the page is not reloaded.
        await duty.EvaluateAsync("() => window.stillTheSamePage = true");
        await RegisterWatchedAsync();
        await Assertions.Expect(visitsCard).Not.ToHaveTextAsync(visitsBefore, new() { Timeout = 5000 });
        await Assertions.Expect(rows).ToHaveCountAsync(watchedBefore + 1, new() { Timeout = 5000 });
        Assert.True(await duty.EvaluateAsync<bool>("() => window.stillTheSamePage === true"));
        var width = await duty.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
        Assert.True(width <= 1366, $"the page is {width} px wide");

        var wide = await browser.NewPageAsync(app.BaseAddress, 1920, 1080);
        await wide.LogInAsync("duty");
        await wide.GotoAsync("/duty");
        await Assertions.Expect(wide.Locator($"[data-emergency='{emergencyId}'] [data-highlight]")).ToBeVisibleAsync();
        await BrowserFixture.SnapshotAsync(wide, "sensitive-duty-1920");
    }

    [BrowserFact]
    public async Task Floor_SensitivePeriod_AnUnrosteredJointWindowMustBeArranged()
    {
        var (_, gapWindow) = await SensitiveDayAsync();
        var clerk = await browser.NewPageAsync(app.BaseAddress, 1366, 768);
        await clerk.LogInAsync("clerk");
        await clerk.GotoAsync("/floor");

        await Assertions.Expect(clerk.Locator("[data-joint-mode]")).ToHaveTextAsync("全天候联合接访");
        await Assertions.Expect(clerk.Locator("[data-sensitive]")).ToContainTextAsync("每个联合接访窗口都须安排驻窗单位和人员");
        var row = clerk.Locator("tr[data-roster]", new() { HasText = gapWindow });
        await Assertions.Expect(row).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("table-danger"));
        await Assertions.Expect(row).ToContainTextAsync("须安排");
        await BrowserFixture.SnapshotAsync(clerk, "sensitive-floor-1366");
    }

    static async Task AssertFitsAsync(IPage wall, string size)
    {
        var overflow = await wall.EvaluateAsync<string>("""
            () => {
              const out = [];
              for (const name of ['emergency', 'totals', 'serving', 'mode']) {
                const region = document.querySelector(`section[data-region=${name}]`);
                const box = region.getBoundingClientRect();
                region.querySelectorAll('.emergency-line > *, .totals > div, li.window').forEach(e => {
                  const r = e.getBoundingClientRect();
                  if (r.right > box.right + 0.5 || r.left < box.left - 0.5) out.push(name + ': ' + e.textContent.trim());
                });
              }
              const body = document.querySelector('section[data-region=emergency] .region-body');
              if (body.scrollWidth > body.clientWidth + 1) out.push('strip overflows ' + body.scrollWidth + '>' + body.clientWidth);
              return out.join(' | ');
            }
            """);
        Assert.True(overflow == "", $"at {size}: clipped: {overflow}");
    }
}
