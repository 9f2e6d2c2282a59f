using Microsoft.Playwright;

namespace OpsBoard.EndToEnd.Tests;

/// <summary>/admin/audit as the auditor sees it: the log newest first, narrowed by the search form; the admin is refused.</summary>
public sealed class AuditLogTests(AppFixture app, BrowserFixture browser) : IClassFixture<AppFixture>, IClassFixture<BrowserFixture>
{
    [BrowserTheory]
    [InlineData(1366, 768)]
    [InlineData(1920, 1080)]
    public async Task Auditor_SearchesByActionAndActor_SeesOnlyThoseRows(int width, int height)
    {
        await app.RegisterAsync();
        var admin = await browser.NewPageAsync(app.BaseAddress, width, height);
        await admin.LogInAsync("admin");
        var page = await browser.NewPageAsync(app.BaseAddress, width, height);
        await page.LogInAsync("auditor");

        await page.GetByRole(AriaRole.Link, new() { Name = "审计日志" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("审计日志");
        var rows = page.Locator("[data-audit-rows] tbody tr");
        await Assertions.Expect(rows.First).ToBeVisibleAsync();
        Assert.True(await page.Locator("[data-audit-rows] tbody tr[data-action='visit.register']").CountAsync() >= 1);
        Assert.True(await rows.CountAsync() > 2);
        await BrowserFixture.SnapshotAsync(page, $"admin-audit-{width}");

        await page.GetByLabel("操作", new() { Exact = true }).FillAsync("account.sign_in");
        await page.GetByLabel("操作人").FillAsync("admin");
        await page.GetByRole(AriaRole.Button, new() { Name = "查询" }).ClickAsync();

        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("action=account.sign_in"));
        var filtered = page.Locator("[data-audit-rows] tbody tr");
        await Assertions.Expect(filtered.First).ToContainTextAsync("登录");
        var count = await filtered.CountAsync();
        Assert.True(count >= 1);
        for (var i = 0; i < count; i++)
        {
            await Assertions.Expect(filtered.Nth(i)).ToHaveAttributeAsync("data-action", "account.sign_in");
            await Assertions.Expect(filtered.Nth(i).Locator("td").Nth(3)).ToContainTextAsync("admin");
        }

        await Assertions.Expect(page.GetByLabel("操作人")).ToHaveValueAsync("admin");
        // The search form and the export buttons stay on the screen: nothing to scroll sideways for.
        foreach (var locator in new[] { page.GetByRole(AriaRole.Button, new() { Name = "查询" }), page.Locator("[data-export=xlsx]") })
        {
            var box = await locator.BoundingBoxAsync();
            Assert.True(box!.X + box.Width <= width, $"an element ends at {box.X + box.Width}px on a {width}px screen");
        }

        var time = await filtered.First.Locator("td").First.BoundingBoxAsync();
        Assert.True(time!.Height < 45, $"the time column wraps ({time.Height}px high)");
        await BrowserFixture.SnapshotAsync(page, $"admin-audit-filtered-{width}");

        await admin.GotoAsync("/admin/audit");
        await Assertions.Expect(admin.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("无权访问");
        await Assertions.Expect(admin.GetByRole(AriaRole.Link, new() { Name = "审计日志" })).ToHaveCountAsync(0);
    }
}
