using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using OpsBoard.Data.Reception;

namespace OpsBoard.EndToEnd.Tests;

/// <summary>The KPIs as the director sees them on the wall and the statistician on /metrics.</summary>
public sealed class MetricsTests(AppFixture app, BrowserFixture browser) : IClassFixture<AppFixture>, IClassFixture<BrowserFixture>
{
    [BrowserFact]
    public async Task EvaluationRecordedAtTheWindow_WallParticipationGaugeMovesWithoutReload()
    {
        var registered = await app.RegisterAsync();
        var wall = await browser.NewPageAsync(app.BaseAddress, 1920, 1080);
        await wall.GotoAsync($"/wall?device={await app.DeviceTokenAsync()}");
        await Assertions.Expect(wall.Locator("[data-connection]")).ToHaveTextAsync("实时连接正常");
        var gauge = wall.Locator(".kpi-gauge[data-kpi=participation] [data-gauge]");
        var before = await gauge.GetAttributeAsync("data-value");

        // The window officer finishes our first visit with its evaluation card.
        var tickets = app.Services.GetRequiredService<TicketStore>();
        var windows = app.Services.GetRequiredService<WindowQueries>();
        var window = (await windows.WindowsAsync(1)).First(w => w.Name == "接谈窗口3");
        await tickets.SignInWindowAsync(1, window.Id, 1, takeOver: true);
        while (true)
        {
            var called = await tickets.CallNextAsync(1, window.Id, 1);
            await tickets.StartServiceAsync(1, called!.Id, 1);
            if (called.Id == registered.TicketId)
            {
                break;
            }

            await tickets.FinishAsync(1, called.Id, 1, VisitOutcome.ResolvedOnSpot, null);
        }

        await tickets.FinishAsync(1, registered.TicketId, 1, VisitOutcome.ResolvedOnSpot, EvaluationRating.Satisfied);

        // Early on the 1st of a month there may be no figure yet: then the gauge has no value until the evaluation gives one.
        if (before is { Length: > 0 })
        {
            await Assertions.Expect(gauge).Not.ToHaveAttributeAsync("data-value", before, new() { Timeout = 15_000 });
        }
        else
        {
            await Assertions.Expect(gauge).ToHaveAttributeAsync("data-value", new System.Text.RegularExpressions.Regex(@"\d"), new() { Timeout = 15_000 });
        }

        var after = double.Parse((await gauge.GetAttributeAsync("data-value"))!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(before is null or "" || after > double.Parse(before, System.Globalization.CultureInfo.InvariantCulture), $"{before} → {after}");
        // Green at or above 85 %, red below: the standing the gauge is drawn with matches its value.
        Assert.Equal(after >= 85 ? "Met" : "Missed", await gauge.GetAttributeAsync("data-standing"));
        // Measured in one pass in the page: a live redraw of the region between two reads cannot split the measurement.
        var figures = await wall.Locator("section[data-region=kpi]").EvaluateAsync<int[]>("""
            r => {
                const bottom = r.getBoundingClientRect().bottom;
                const all = [...r.querySelectorAll('.kpi-figures > div')];
                return [all.length, all.filter(f => f.getBoundingClientRect().bottom > bottom + 0.5).length];
            }
            """);
        Assert.True(figures[0] >= 8, $"{figures[0]} KPI figures on the wall");
        Assert.True(figures[1] == 0, "a KPI figure is cut off at the bottom of its region");

        await BrowserFixture.SnapshotAsync(wall, "wall-kpi-1080p");
    }

    [BrowserTheory]
    [InlineData(1366, 768)]
    [InlineData(1920, 1080)]
    public async Task Statistician_LastMonth_EveryCountLinksToAsManyItems(int width, int height)
    {
        var page = await browser.NewPageAsync(app.BaseAddress, width, height);
        await page.LogInAsync("stats");
        await page.GotoAsync("/metrics");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("考核指标");
        var rows = page.Locator("[data-kpi-table] tbody tr");
        Assert.Equal(10, await rows.CountAsync());
        await BrowserFixture.SnapshotAsync(page, $"metrics-{width}");
        var table = await page.Locator("[data-kpi-table]").BoundingBoxAsync();
        Assert.True(table!.Width <= width, "the KPI table is wider than the screen");

        // Drill down on the denominator of one KPI: the list says as many items as the figure.
        var denominator = rows.Nth(3).Locator("td").Nth(1).Locator("a");
        var figure = int.Parse(await denominator.InnerTextAsync(), System.Globalization.CultureInfo.InvariantCulture);
        await denominator.ClickAsync();
        await Assertions.Expect(page.Locator("[data-item-count] strong")).ToHaveTextAsync(figure.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [BrowserFact]
    public async Task MalformedAndFutureMonths_SayWhatTheyShowInstead()
    {
        var page = await browser.NewPageAsync(app.BaseAddress);
        await page.LogInAsync("stats");

        var malformed = await page.GotoAsync("/metrics?month=2026-13&kpi=nonsense");
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("格式不对");
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("未知的指标");
        var future = await page.GotoAsync("/metrics?month=2099-01");
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("尚未到来");
        var badPage = await page.GotoAsync("/metrics/items?month=abc&kpi=participation&page=abc");

        Assert.Equal([200, 200, 200], new[] { malformed!.Status, future!.Status, badPage!.Status });
    }
}
