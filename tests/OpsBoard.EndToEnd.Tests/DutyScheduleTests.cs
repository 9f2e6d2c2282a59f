using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using OpsBoard.Data.Reception;

namespace OpsBoard.EndToEnd.Tests;

/// <summary>
/// The duty rota, leader reception and sensitive-period pages as the director uses them, and what the wall and the hall
/// screen show of them, live, at their panel sizes.
/// </summary>
public sealed class DutyScheduleTests(AppFixture app, BrowserFixture browser) : IClassFixture<AppFixture>, IClassFixture<BrowserFixture>
{
    static string Today => OpsBoard.Data.ChinaTime.Today(TimeProvider.System).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    async Task<IPage> OpenScreenAsync(string screen, int width, int height)
    {
        var page = await browser.NewPageAsync(app.BaseAddress, width, height);
        await page.GotoAsync($"/{screen}?device={await app.DeviceTokenAsync(screen: screen)}");
        await Assertions.Expect(page.Locator("[data-connection]")).ToHaveTextAsync("实时连接正常");
        return page;
    }

    [BrowserFact]
    public async Task DutyRota_DirectorAssignsNextWeekAndCopiesIt_SavedAndShownAt1366And1920()
    {
        var page = await browser.NewPageAsync(app.BaseAddress, 1366, 768);
        await page.LogInAsync("director");
        await page.GetByRole(AriaRole.Link, new() { Name = "值班接访" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("值班表");
        // The demo's rota runs to the end of next week; the week after is empty.
        await page.GetByRole(AriaRole.Link, new() { Name = "下一周" }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "下一周" }).ClickAsync();
        var rows = page.Locator("tr[data-rota-day]");
        var count = await rows.CountAsync();
        Assert.InRange(count, 1, 7);
        for (var i = 0; i < count; i++)
        {
            await rows.Nth(i).Locator("select").SelectOptionAsync(new SelectOptionValue { Label = "林建华（县信访局四级调研员）" });
        }

        await page.GetByRole(AriaRole.Button, new() { Name = "保存本周排班" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync($"已保存，{count} 天的带班领导有变动。");
        await Assertions.Expect(rows.First.Locator("select option:checked")).ToHaveTextAsync("林建华（县信访局四级调研员）");
        await BrowserFixture.SnapshotAsync(page, "duty-rota-1366");
        await page.SetViewportSizeAsync(1920, 1080);
        await BrowserFixture.SnapshotAsync(page, "duty-rota-1920");
        var tableBox = (await page.Locator("table.rota").BoundingBoxAsync())!;
        Assert.True(tableBox.X + tableBox.Width <= 1920);

        await page.GetByRole(AriaRole.Link, new() { Name = "下一周" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "复制上周排班" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("已复制上周排班");
        await Assertions.Expect(page.Locator("tr[data-rota-day] select option:checked", new() { HasText = "林建华" }).First).ToBeAttachedAsync();
    }

    [BrowserFact]
    public async Task RotaToday_DirectorPutsMaHongmeiOn_WallStripNamesHerLiveAndHerHomePageSaysSo()
    {
        var page = await browser.NewPageAsync(app.BaseAddress, 1366, 768);
        await page.LogInAsync("director");
        await page.GotoAsync("/admin/duty-rota");
        var todayRow = page.Locator($"tr[data-rota-day='{Today}']");
        if (await todayRow.CountAsync() == 0)
        {
            // Not a working day: nobody leads it, and the home page says so.
            await Assertions.Expect(page.Locator("[data-duty-today]")).Not.ToBeAttachedAsync();
            await page.GotoAsync("/");
            await Assertions.Expect(page.Locator("[data-duty-today]")).ToHaveTextAsync("今日带班领导：未排班");
            return;
        }

        var wall = await OpenScreenAsync("wall", 1920, 1080);
        await todayRow.Locator("select").SelectOptionAsync(new SelectOptionValue { Label = "马红梅（县群众来访接待中心副主任）" });
        await page.GetByRole(AriaRole.Button, new() { Name = "保存本周排班" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("已保存");

        await Assertions.Expect(wall.Locator("section[data-region=duty] [data-duty-leader]")).ToHaveTextAsync("带班领导 马红梅 县群众来访接待中心副主任", new() { Timeout = 2000 });
        var leader = await browser.NewPageAsync(app.BaseAddress, 1366, 768);
        await leader.LogInAsync("duty3");
        await Assertions.Expect(leader.Locator("[data-on-duty]")).ToContainTextAsync("今天由您带班。");
        await BrowserFixture.SnapshotAsync(leader, "home-on-duty-1366");
        var other = await browser.NewPageAsync(app.BaseAddress, 1366, 768);
        await other.LogInAsync("duty");
        await Assertions.Expect(other.Locator("[data-duty-today]")).ToHaveTextAsync("今日带班领导：马红梅（县群众来访接待中心副主任）");
    }

    [BrowserFact]
    public async Task Reception_DirectorArrangesOneToday_WallAndHallNoticeShowItInPlace()
    {
        var wall = await OpenScreenAsync("wall", 1920, 1080);
        var hall = await OpenScreenAsync("hall", 1920, 1080);
        var page = await browser.NewPageAsync(app.BaseAddress, 1366, 768);
        await page.LogInAsync("director");
        await page.GotoAsync("/admin/leader-reception");

        await page.GetByLabel("接访日期").FillAsync(Today);
        await page.GetByLabel("接访领导").FillAsync("冯志刚");
        await page.GetByLabel("职务").FillAsync("副县长");
        await page.GetByLabel("接访主题（可不填）").FillAsync("欠薪问题");
        await page.GetByRole(AriaRole.Button, new() { Name = "添加接访安排" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("已安排 冯志刚");
        await Assertions.Expect(page.Locator($"tr[data-reception-day='{Today}']", new() { HasText = "冯志刚" })).ToBeVisibleAsync();
        await BrowserFixture.SnapshotAsync(page, "leader-reception-1366");

        var wallToday = wall.Locator($"section[data-region=reception] li[data-reception-day='{Today}']");
        await Assertions.Expect(wallToday).ToContainTextAsync("今天", new() { Timeout = 2000 });
        await Assertions.Expect(wallToday).ToContainTextAsync("冯志刚（副县长）");
        await Assertions.Expect(wallToday).ToContainTextAsync("欠薪问题");
        var hallToday = hall.Locator($".hall-reception li[data-reception-day='{Today}']");
        await Assertions.Expect(hallToday).ToContainTextAsync("冯志刚", new() { Timeout = 2000 });

        // The notice sits in the wall's right column under today's totals, above the KPI row, whole and on screen.
        var notice = (await wall.Locator("section[data-region=reception]").BoundingBoxAsync())!;
        var totals = (await wall.Locator("section[data-region=totals]").BoundingBoxAsync())!;
        var kpi = (await wall.Locator("section[data-region=kpi]").BoundingBoxAsync())!;
        Assert.InRange(notice.X, totals.X - 1, totals.X + 1);
        Assert.True(notice.Y >= totals.Y + totals.Height, $"notice at {notice.Y}, totals end at {totals.Y + totals.Height}");
        Assert.True(notice.Y + notice.Height <= kpi.Y, $"notice ends at {notice.Y + notice.Height}, kpi starts at {kpi.Y}");
        Assert.True(notice.Height >= 150, $"notice is {notice.Height} px high");
        await AssertWholeAsync(wall, "section[data-region=reception] li");
        // On the hall, the notice runs along the foot of the screen, below the recent calls.
        var hallNotice = (await hall.Locator(".hall-reception").BoundingBoxAsync())!;
        var history = (await hall.Locator(".hall-lower").BoundingBoxAsync())!;
        Assert.True(hallNotice.Y >= history.Y + history.Height && hallNotice.Y + hallNotice.Height <= 1080, $"hall notice at {hallNotice.Y}+{hallNotice.Height}");
        await BrowserFixture.SnapshotAsync(wall, "wall-reception-1080p");
        await BrowserFixture.SnapshotAsync(hall, "hall-reception-1080p");
    }

    [BrowserFact]
    public async Task SensitivePeriod_AddedForToday_WallAndHallShowTheBandAt1080And2160()
    {
        await CallAndServeAsync(10);
        var wall = await OpenScreenAsync("wall", 1920, 1080);
        var hall = await OpenScreenAsync("hall", 1920, 1080);
        await Assertions.Expect(wall.Locator("[data-sensitive]")).ToHaveCountAsync(0);
        var page = await browser.NewPageAsync(app.BaseAddress, 1366, 768);
        await page.LogInAsync("admin");
        await page.GotoAsync("/admin/sensitive-periods");

        // A period that ends before it begins is refused, and the form keeps what was typed.
        await page.GetByLabel("名称").FillAsync("全国“两会”");
        await page.GetByLabel("开始日期").FillAsync(Today);
        await page.GetByLabel("结束日期").FillAsync("2000-01-01");
        await page.GetByRole(AriaRole.Button, new() { Name = "添加敏感时期" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("结束日期不能早于开始日期。");
        await Assertions.Expect(page.GetByLabel("名称")).ToHaveValueAsync("全国“两会”");

        await page.GetByLabel("结束日期").FillAsync(DateTime.Parse(Today, System.Globalization.CultureInfo.InvariantCulture).AddDays(3).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        await page.GetByRole(AriaRole.Button, new() { Name = "添加敏感时期" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("已设定敏感时期“全国“两会””。");
        await Assertions.Expect(page.Locator("tr[data-period]", new() { HasText = "进行中" })).ToContainTextAsync("全国“两会”");
        await BrowserFixture.SnapshotAsync(page, "sensitive-periods-1366");

        var band = wall.Locator("header [data-sensitive]");
        await Assertions.Expect(band).ToContainTextAsync("敏感期：全国“两会”", new() { Timeout = 2000 });
        await Assertions.Expect(band).ToContainTextAsync("全天候联合接访");
        await Assertions.Expect(hall.Locator(".hall-reception [data-sensitive]")).ToContainTextAsync("敏感期：全国“两会”", new() { Timeout = 2000 });
        // Every day of the period is a reception day now: today heads the notice, marked as a sensitive-period day.
        await Assertions.Expect(wall.Locator("section[data-region=reception] li").First).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("today.*sensitive"));

        await AssertBandInHeaderAsync(wall, 1);
        await BrowserFixture.SnapshotAsync(wall, "wall-sensitive-1080p");
        await AssertRecentCallsWholeAsync(hall, 3);
        await BrowserFixture.SnapshotAsync(hall, "hall-sensitive-1080p");

        var wall4k = await OpenScreenAsync("wall", 3840, 2160);
        await AssertBandInHeaderAsync(wall4k, 2);
        await BrowserFixture.SnapshotAsync(wall4k, "wall-sensitive-2160p");
        var hall4k = await OpenScreenAsync("hall", 3840, 2160);
        var hallBand = (await hall4k.Locator(".hall-reception [data-sensitive]").BoundingBoxAsync())!;
        Assert.True(hallBand.Y + hallBand.Height <= 2160 && hallBand.Height >= 2 * 36, $"hall band {hallBand.Y}+{hallBand.Height}");
        await AssertRecentCallsWholeAsync(hall4k, 3);
        await BrowserFixture.SnapshotAsync(hall4k, "hall-sensitive-2160p");
        var hallSmall = await OpenScreenAsync("hall", 1366, 768);
        await AssertRecentCallsWholeAsync(hallSmall, 3);
        await BrowserFixture.SnapshotAsync(hallSmall, "hall-sensitive-768p");
    }

    /// <summary>Registers, calls and serves visits at one window, so the hall's 最近叫号 list has more calls than it can show.</summary>
    async Task CallAndServeAsync(int count)
    {
        var tickets = app.Services.GetRequiredService<TicketStore>();
        var window = (await app.Services.GetRequiredService<WindowQueries>().WindowsAsync(1)).First(w => w.Name == "接谈窗口3");
        await tickets.SignInWindowAsync(1, window.Id, 1, takeOver: true);
        for (var i = 0; i < count; i++)
        {
            await app.RegisterAsync();
        }

        for (var i = 0; i < count; i++)
        {
            var called = await tickets.CallNextAsync(1, window.Id, 1);
            await tickets.StartServiceAsync(1, called!.Id, 1);
            await tickets.FinishAsync(1, called.Id, 1, VisitOutcome.ResolvedOnSpot, null);
        }
    }

    /// <summary>
    /// The hall's recent calls show whole rows only: each row is either its full height inside the list or not shown at
    /// all (zero high), and at least <paramref name="atLeast"/> are shown. Measured in one pass, as the region redraws live.
    /// </summary>
    static async Task AssertRecentCallsWholeAsync(IPage hall, int atLeast)
    {
        var rows = await hall.Locator(".hall-recent-rows").EvaluateAsync<JsonElement>("""
            list => {
              const box = list.getBoundingClientRect();
              return [...list.children].map(li => { const r = li.getBoundingClientRect(); return { top: r.top, bottom: r.bottom, h: r.height, box: box.bottom }; });
            }
            """);
        var heights = rows.EnumerateArray().Select(r => r.GetProperty("h").GetDouble()).ToList();
        var shown = heights.Where(h => h > 0).ToList();
        Assert.True(shown.Count >= atLeast, $"only {shown.Count} recent calls shown of {heights.Count}");
        Assert.True(shown.Max() - shown.Min() < 1, $"rows of unequal height: {string.Join(", ", shown)}");
        foreach (var r in rows.EnumerateArray().Where(r => r.GetProperty("h").GetDouble() > 0))
        {
            Assert.True(r.GetProperty("bottom").GetDouble() <= r.GetProperty("box").GetDouble() + 0.5,
                $"a recent call row ends at {r.GetProperty("bottom").GetDouble()}, below the list's bottom {r.GetProperty("box").GetDouble()}");
        }
    }

    /// <summary>The band sits inside the header row, beside the title, whole, and large enough to read across the hall.</summary>
    static async Task AssertBandInHeaderAsync(IPage wall, double scale)
    {
        var header = (await wall.Locator("header.wall-header").BoundingBoxAsync())!;
        var band = (await wall.Locator("header [data-sensitive]").BoundingBoxAsync())!;
        var title = (await wall.Locator("header.wall-header h1").BoundingBoxAsync())!;
        Assert.True(band.Y >= header.Y && band.Y + band.Height <= header.Y + header.Height + 1, $"band {band.Y}+{band.Height} outside header {header.Y}+{header.Height}");
        Assert.True(band.X >= title.X + title.Width - 1, "the band overlaps the title");
        Assert.True(band.Width >= 400 * scale, $"band only {band.Width} px wide");
        Assert.True(band.Height >= 28 * scale, $"band only {band.Height} px high");
        Assert.False(await wall.Locator("header [data-sensitive]").EvaluateAsync<bool>("e => e.scrollWidth > e.clientWidth + 1"), "the band's text is cut");
    }

    /// <summary>Every matching element lies whole inside its region's body (nothing cut at the bottom).</summary>
    static async Task AssertWholeAsync(IPage page, string selector)
    {
        var cut = await page.EvaluateAsync<int>(
            "sel => [...document.querySelectorAll(sel)].filter(e => { const b = e.closest('.region-body').getBoundingClientRect(), r = e.getBoundingClientRect(); return r.bottom > b.bottom + 1; }).length",
            selector);
        Assert.Equal(0, cut);
    }
}
