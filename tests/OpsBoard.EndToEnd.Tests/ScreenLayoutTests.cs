using OpsBoard.Data.Screens;
using Microsoft.Extensions.DependencyInjection;
using System.Text.Json;
using Microsoft.Playwright;

namespace OpsBoard.EndToEnd.Tests;

/// <summary>What a person sees on the unattended screens: where things sit, how big, whether they can be read.</summary>
public sealed class ScreenLayoutTests(AppFixture app, BrowserFixture browser) : IClassFixture<AppFixture>, IClassFixture<BrowserFixture>
{
    // Measured in the browser, in viewport pixels: the canvas is scaled by live.js to the panel.
    const string MeasureHall = """
        () => {
          const box = el => { const r = el.getBoundingClientRect(); return { x: r.left, y: r.top, w: r.width, h: r.height }; };
          const lines = el => {
            const range = document.createRange();
            range.selectNodeContents(el);
            return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
          };
          const header = document.querySelector(".screen .wall-header");
          const title = header.querySelector("h1");
          const now = document.querySelector(".hall-now");
          const overflowing = [...document.querySelectorAll(".screen *")].filter(el => {
            const r = el.getBoundingClientRect();
            return r.width > 0 && (r.left < -1 || r.top < -1 || r.right > innerWidth + 1 || r.bottom > innerHeight + 1);
          }).map(el => el.tagName + "." + el.className);
          const clipped = [...document.querySelectorAll(".hall-window, .wall-header h1, .hall-recent-rows span")]
            .filter(el => el.scrollWidth > el.clientWidth + 1).map(el => el.textContent);
          return {
            vw: innerWidth, vh: innerHeight,
            header: box(header), title: box(title), titleLines: lines(title),
            now: box(now),
            // One row: every part of "请 A001 号到 接谈窗口1" shares a horizontal band.
            nowLines: (() => { const rs = [...now.children].map(c => c.getBoundingClientRect());
                               return Math.max(...rs.map(r => r.top)) < Math.min(...rs.map(r => r.bottom)) ? 1 : 2; })(), window: now.querySelector(".hall-window") ? lines(now.querySelector(".hall-window")) : 0,
            flash: now.classList.contains("flash"),
            overflowing, clipped,
          };
        }
        """;

    [BrowserFact]
    public async Task HallScreen_CallThenRecall_LaidOutAt1080pAnd4KAndFlashesOnEachCall()
    {
        var token = await app.DeviceTokenAsync("大厅叫号屏", ScreenKinds.Hall);
        var hall = await OpenScreenAsync($"/hall?device={token}", 1920, 1080);
        var hall4K = await OpenScreenAsync($"/hall?device={token}", 3840, 2160);
        var registered = await app.RegisterAsync(headcount: 3);
        var other = await app.RegisterAsync();
        var console = await OpenConsoleAsync("window", "接谈窗口1", registered.Number);
        await Assertions.Expect(hall.Locator(".hall-now")).ToContainTextAsync(registered.Number, new() { Timeout = 2000 });
        _ = await OpenConsoleAsync("window2", "接谈窗口2", other.Number);
        await Assertions.Expect(hall.Locator(".hall-now")).ToContainTextAsync(other.Number, new() { Timeout = 2000 });
        await Assertions.Expect(hall.Locator(".hall-recent")).ToContainTextAsync(registered.Number);

        // 重新叫号 at window 1 brings its number back to the big box, ahead of window 2's later call.
        await console.GetByRole(AriaRole.Button, new() { Name = "重新叫号" }).ClickAsync();

        foreach (var page in new[] { hall, hall4K })
        {
            await Assertions.Expect(page.Locator(".hall-now")).ToContainTextAsync(registered.Number, new() { Timeout = 2000 });
            await Assertions.Expect(page.Locator(".hall-now")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bflash\b"));
            // The current call is not repeated in the list; the other window's call is.
            await Assertions.Expect(page.Locator(".hall-recent-rows li")).ToHaveCountAsync(1);
            await Assertions.Expect(page.Locator(".hall-recent")).ToContainTextAsync(other.Number);
            // Tickets waiting, not people: a group of 3 is one number.
            await Assertions.Expect(page.Locator(".hall-waiting")).ToContainTextAsync("位");
            await Assertions.Expect(page.Locator(".hall-waiting")).Not.ToContainTextAsync("人次");
            AssertHallLayout(await page.EvaluateAsync<JsonElement>(MeasureHall));
        }

        await BrowserFixture.SnapshotAsync(hall, "hall-1920x1080");
        await BrowserFixture.SnapshotAsync(hall4K, "hall-3840x2160");

        // The flash has run its course; 重新叫号 must bring it back, with a new call key (which also re-speaks).
        var key = await hall.Locator("section[data-region=hall]").GetAttributeAsync("data-call-key");
        await hall.EvaluateAsync("() => document.querySelector('.hall-now').classList.remove('flash')");
        await console.GetByRole(AriaRole.Button, new() { Name = "重新叫号" }).ClickAsync();

        await Assertions.Expect(hall.Locator("section[data-region=hall]")).Not.ToHaveAttributeAsync("data-call-key", key!, new() { Timeout = 2000 });
        await Assertions.Expect(hall.Locator(".hall-now")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bflash\b"));
        await Assertions.Expect(hall.Locator(".hall-now")).ToContainTextAsync(registered.Number);
        Assert.True(await hall.EvaluateAsync<bool>("() => window.__noReload === true"));
    }

    [BrowserFact]
    public async Task Screens_Freshness_LightAndLargeEnoughOnNavy()
    {
        var tokens = new Dictionary<string, string>
        {
            ["/wall"] = await app.DeviceTokenAsync(),
            ["/hall"] = await app.DeviceTokenAsync("叫号屏", ScreenKinds.Hall),
        };
        foreach (var (path, width, height) in new[] { ("/wall", 1920, 1080), ("/wall", 3840, 2160), ("/hall", 1920, 1080), ("/hall", 1366, 768) })
        {
            var page = await OpenScreenAsync($"{path}?device={tokens[path]}", width, height);
            var measured = await page.EvaluateAsync<JsonElement>("""
                () => [...document.querySelectorAll(".screen section.region .freshness")].map(el => {
                  const rgb = c => c.match(/[\d.]+/g).slice(0, 3).map(Number);
                  const lum = ([r, g, b]) => [r, g, b].map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
                    .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
                  const fg = lum(rgb(getComputedStyle(el).color));
                  const bg = lum(rgb(getComputedStyle(el.closest(".region")).backgroundColor));
                  const scale = document.querySelector(".screen").getBoundingClientRect().width / 1920;
                  return { contrast: (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05),
                           px: parseFloat(getComputedStyle(el).fontSize) * scale, scale };
                })
                """);
            Assert.NotEqual(0, measured.GetArrayLength());
            foreach (var f in measured.EnumerateArray())
            {
                Assert.True(f.GetProperty("contrast").GetDouble() >= 7, $"{path} {width}: freshness contrast {f.GetProperty("contrast").GetDouble():0.0}");
                // At least 18 design pixels: 18 px on a 1080p panel, 36 px on 4K.
                Assert.True(f.GetProperty("px").GetDouble() >= 18 * f.GetProperty("scale").GetDouble() - 0.5, $"{path} {width}: freshness {f.GetProperty("px").GetDouble()} px");
            }

            await BrowserFixture.SnapshotAsync(page, $"{path.Trim('/')}-{width}x{height}");
        }
    }

    [BrowserFact]
    public async Task FirstPage_Favicon_ServedAsSvgAndIco()
    {
        var page = await browser.NewPageAsync(app.BaseAddress);
        var missing = new List<string>();
        page.Response += (_, r) => { if (r.Status == 404) missing.Add(r.Url); };
        await page.GotoAsync("/account/login");
        var icon = await page.Locator("link[rel=icon]").GetAttributeAsync("href");

        var svg = await page.APIRequest.GetAsync(icon!);
        var ico = await page.APIRequest.GetAsync("/favicon.ico");

        Assert.Equal(200, svg.Status);
        Assert.StartsWith("image/svg+xml", svg.Headers["content-type"], StringComparison.Ordinal);
        Assert.Equal(200, ico.Status);
        Assert.Empty(missing);
    }

    /// <summary>Signs a clerk in at a window and calls until the number comes up, marking others 未到.</summary>
    async Task<IPage> OpenConsoleAsync(string login, string window, string number)
    {
        var console = await browser.NewPageAsync(app.BaseAddress);
        await console.LogInAsync(login);
        await console.GotoAsync("/window");
        await console.Locator("form", new() { HasText = window }).GetByRole(AriaRole.Button).ClickAsync();
        for (var i = 0; i < 40; i++)
        {
            await console.GetByRole(AriaRole.Button, new() { Name = "叫下一位" }).ClickAsync();
            if (await console.Locator("[data-current-number]").InnerTextAsync() == number)
            {
                return console;
            }

            await console.GetByRole(AriaRole.Button, new() { Name = "未到" }).ClickAsync();
        }

        throw new InvalidOperationException($"{number} never came up at {window}");
    }

    [BrowserFact]
    public async Task WallQueue_EveryLineHasPeopleWaiting_AllRowsInsideTheRegion()
    {
        var token = await app.DeviceTokenAsync("队列大屏");
        var lines = (await app.Services.GetRequiredService<OpsBoard.Data.Reception.DeskQueries>().ServiceLinesAsync(1)).Count;
        for (var i = 0; i < lines; i++)
        {
            await app.RegisterAsync(lineIndex: i);
        }

        foreach (var (width, height) in new[] { (1920, 1080), (3840, 2160) })
        {
            var wall = await OpenScreenAsync($"/wall?device={token}", width, height);
            var rows = wall.Locator("section[data-region=queue] tr[data-line]");
            await Assertions.Expect(rows).ToHaveCountAsync(lines);
            var region = (await wall.Locator("section[data-region=queue]").BoundingBoxAsync())!;
            for (var i = 0; i < lines; i++)
            {
                var row = (await rows.Nth(i).BoundingBoxAsync())!;
                Assert.True(row.Y >= region.Y && row.Y + row.Height <= region.Y + region.Height,
                    $"{width}×{height}: row {i} at {row.Y}–{row.Y + row.Height} is outside the queue region {region.Y}–{region.Y + region.Height}");
            }

            await BrowserFixture.SnapshotAsync(wall, $"wall-queue-{width}x{height}");
        }
    }

    async Task<IPage> OpenScreenAsync(string path, int width, int height)
    {
        var page = await browser.NewPageAsync(app.BaseAddress, width, height);
        await page.GotoAsync(path);
        await Assertions.Expect(page.Locator("[data-connection]")).ToHaveTextAsync("实时连接正常");
        await page.EvaluateAsync("() => window.__noReload = true");
        return page;
    }

    static void AssertHallLayout(JsonElement m)
    {
        double N(string a, string b) => m.GetProperty(a).GetProperty(b).GetDouble();
        var vw = m.GetProperty("vw").GetDouble();
        var vh = m.GetProperty("vh").GetDouble();
        var scale = Math.Min(vw / 1920, vh / 1080);

        Assert.True(N("header", "y") < 40 * scale, $"header top at {N("header", "y")} of {vh}");
        Assert.True(N("header", "w") > 0.9 * vw, $"header {N("header", "w")} wide of {vw}");
        Assert.Equal(1, m.GetProperty("titleLines").GetInt32());
        Assert.Equal(1, m.GetProperty("nowLines").GetInt32());
        Assert.Equal(1, m.GetProperty("window").GetInt32());
        var nowCentre = N("now", "x") + N("now", "w") / 2;
        Assert.True(Math.Abs(nowCentre - vw / 2) < 0.02 * vw, $"current call centred at {nowCentre} of {vw}");
        Assert.True(N("now", "h") >= 380 * scale, $"current call {N("now", "h")} px high");
        Assert.True(N("now", "w") >= 0.8 * vw, $"current call {N("now", "w")} px wide");
        Assert.True(N("now", "y") > N("header", "y") + N("header", "h"), "current call below the header");
        Assert.Empty(m.GetProperty("overflowing").EnumerateArray().Select(e => e.GetString()));
        Assert.Empty(m.GetProperty("clipped").EnumerateArray().Select(e => e.GetString()));
    }
}
