using Dapper;
using Microsoft.Playwright;

namespace OpsBoard.EndToEnd.Tests;

/// <summary>
/// 风险研判 as the petition office reads it on the demo: matters one visit short of a 重复访 slip listed with the reason,
/// paged, linked to the matter; a matter given a second visit joins the list; the unit's staff have no entry and are refused.
/// </summary>
public sealed class WatchListTests(AppFixture app, BrowserFixture browser) : IClassFixture<AppFixture>, IClassFixture<BrowserFixture>
{
    [BrowserFact]
    public async Task Director_SeesMattersOneStepFromATrigger_WithReasons_AndOpensOne()
    {
        var page = await browser.NewPageAsync(app.BaseAddress, 1366, 768);
        await page.LogInAsync("director");
        await page.Locator("nav.navbar").GetByRole(AriaRole.Link, new() { Name = "风险研判" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("风险研判（事前预警）");
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("同一事项来访 3 次为重复访");
        var rows = page.Locator("[data-watch] tbody tr");
        Assert.InRange(await rows.CountAsync(), 1, 25);
        await Assertions.Expect(rows.First.Locator("[data-reason]").First).ToBeVisibleAsync();
        var pageWidth = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
        Assert.True(pageWidth <= 1366, $"the page is {pageWidth} px wide");
        await BrowserFixture.SnapshotAsync(page, "watch-1366");

        // One reason at a time: every row shows it.
        await page.GetByRole(AriaRole.Link, new() { Name = "再访即为重复访" }).ClickAsync();
        await Assertions.Expect(page.Locator(".nav-tabs .active")).ToHaveTextAsync("再访即为重复访");
        var filtered = await rows.CountAsync();
        Assert.True(filtered > 0);
        Assert.Equal(filtered, await page.Locator("[data-watch] tbody tr:has([data-reason=repeat_near])").CountAsync());
        await Assertions.Expect(rows.First.Locator("[data-reason=repeat_near]")).ToContainTextAsync(new System.Text.RegularExpressions.Regex(@"已来访 \d+ 次，第 \d+ 次即触发重复访"));

        // Paged when long: the second page holds other matters.
        var summary = await page.Locator("nav span.text-secondary").InnerTextAsync();
        if (summary.Contains("/ 1 页") is false)
        {
            var firstPage = await rows.Locator("td:first-child a").AllInnerTextsAsync();
            await page.GetByRole(AriaRole.Link, new() { Name = "下一页" }).ClickAsync();
            await Assertions.Expect(page.Locator("nav span.text-secondary")).ToContainTextAsync("第 2 /");
            Assert.Empty(firstPage.Intersect(await rows.Locator("td:first-child a").AllInnerTextsAsync()));
        }

        var code = await rows.First.Locator("td:first-child a").InnerTextAsync();
        await rows.First.Locator("td:first-child a").ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync(code);

        var wide = await browser.NewPageAsync(app.BaseAddress, 1920, 1080);
        await wide.LogInAsync("director");
        await wide.GotoAsync("/slips/watch");
        await Assertions.Expect(wide.Locator("[data-watch] tbody tr").First).ToBeVisibleAsync();
        await BrowserFixture.SnapshotAsync(wide, "watch-1920");
    }

    [BrowserFact]
    public async Task UnitOfficer_NoEntryInTheNavigation_AndRefused()
    {
        var page = await browser.NewPageAsync(app.BaseAddress, 1366, 768);
        await page.LogInAsync("officer");
        await Assertions.Expect(page.Locator("nav.navbar").GetByRole(AriaRole.Link, new() { Name = "风险研判" })).ToHaveCountAsync(0);

        var response = await page.GotoAsync("/slips/watch");
        Assert.Equal(403, response!.Status);
    }
}
