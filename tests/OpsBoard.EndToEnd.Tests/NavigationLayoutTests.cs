using Microsoft.Playwright;

namespace OpsBoard.EndToEnd.Tests;

/// <summary>The staff pages' frame as each role sees it at the desk sizes: one row of navigation, nothing wider than the screen.</summary>
public sealed class NavigationLayoutTests(AppFixture app, BrowserFixture browser) : IClassFixture<AppFixture>, IClassFixture<BrowserFixture>
{
    public static TheoryData<string, string[]> Roles => new()
    {
        { "director", ["首页", "信访事项", "期限预警", "预警提醒单", "考核指标", "大屏"] },
        { "stats", ["首页", "信访事项", "期限预警", "考核指标"] },
        { "leader", ["首页", "本单位事项", "期限预警", "预警提醒单", "考核指标"] },
        { "clerk", ["首页", "登记", "窗口", "现场", "信访事项", "期限预警", "预警提醒单"] },
        { "officer", ["首页", "本单位事项", "期限预警", "预警提醒单"] },
        { "admin", ["首页", "大屏", "用户账号", "大屏设备", "期限规则", "日历", "后台任务", "系统状态"] },
    };

    [BrowserTheory]
    [MemberData(nameof(Roles))]
    public async Task Navigation_EachRole_OneRowOfItsOwnLinksAt1366And1920(string login, string[] links)
    {
        foreach (var (width, height) in new[] { (1366, 768), (1920, 1080) })
        {
            var page = await browser.NewPageAsync(app.BaseAddress, width, height);
            await page.LogInAsync(login);

            var nav = page.Locator("nav.navbar");
            var shown = await nav.Locator(".navbar-nav .nav-link").AllInnerTextsAsync();
            var box = (await nav.BoundingBoxAsync())!;
            var pageWidth = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");

            Assert.Equal(links, shown.Select(s => s.Trim()));
            Assert.InRange(box.Height, 40, 80); // one row, the user's name and the sign-out button included
            Assert.True(pageWidth <= width, $"{login} at {width}: the page is {pageWidth} px wide");
            await BrowserFixture.SnapshotAsync(page, $"nav-{login}-{width}");
        }
    }

    [BrowserFact]
    public async Task AdminPage_Statistician_SeesTheRefusalWithAWayBack()
    {
        var page = await browser.NewPageAsync(app.BaseAddress, 1366, 768);
        await page.LogInAsync("stats");

        var response = await page.GotoAsync("/admin/rules");

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("无权访问");
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "返回首页" })).ToBeVisibleAsync();
        Assert.Equal(403, response!.Status);
        await BrowserFixture.SnapshotAsync(page, "denied-stats");
    }
}
