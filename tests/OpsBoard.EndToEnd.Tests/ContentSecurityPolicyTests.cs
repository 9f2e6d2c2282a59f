using OpsBoard.Data.Screens;
using Microsoft.Playwright;

namespace OpsBoard.EndToEnd.Tests;

/// <summary>
/// Every screen works under the Content-Security-Policy: live updates, ECharts, printing, forms — and the browser reports
/// no violation, which would mean a script or handler it silently refused.
/// </summary>
public sealed class ContentSecurityPolicyTests(AppFixture app, BrowserFixture browser) : IClassFixture<AppFixture>, IClassFixture<BrowserFixture>
{
    // Injected by the browser driver, outside the page's policy: records every violation and stubs the print dialog.
    const string Watch = """
        window.__violations = [];
        document.addEventListener('securitypolicyviolation', e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
        window.print = () => { window.__printed = true; };
        """;

    async Task<(IPage Page, List<string> Problems)> OpenAsync(int width, int height)
    {
        var page = await browser.NewPageAsync(app.BaseAddress, width, height);
        await page.AddInitScriptAsync(Watch);
        var problems = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase) || message.Type == "error")
            {
                problems.Add($"{page.Url}: {message.Text}");
            }
        };
        page.PageError += (_, error) => problems.Add($"{page.Url}: {error}");
        return (page, problems);
    }

    static async Task AssertCleanAsync(IPage page, List<string> problems)
    {
        var violations = await page.EvaluateAsync<string[]>("() => window.__violations");
        Assert.Empty(violations);
        Assert.Empty(problems);
    }

    [BrowserFact]
    public async Task WallHallDeskMetrics_UnderPolicy_WorkWithoutViolations()
    {
        var token = await app.DeviceTokenAsync("策略检查");
        var (wall, wallProblems) = await OpenAsync(1920, 1080);
        await wall.GotoAsync($"/wall?device={token}");
        await Assertions.Expect(wall.Locator("[data-connection]")).ToHaveTextAsync("实时连接正常");
        await Assertions.Expect(wall.Locator("[data-gauge] svg").First).ToBeVisibleAsync();
        var (hall, hallProblems) = await OpenAsync(1920, 1080);
        await hall.GotoAsync($"/hall?device={await app.DeviceTokenAsync("策略检查（叫号屏）", ScreenKinds.Hall)}");
        await Assertions.Expect(hall.Locator("[data-connection]")).ToHaveTextAsync("实时连接正常");

        // A live update reaches the wall through the policy (SignalR over the same origin).
        var before = await wall.TotalAsync("来访批次");
        var (desk, deskProblems) = await OpenAsync(1366, 768);
        await desk.LogInAsync("clerk");
        await desk.GotoAsync("/desk");
        var form = desk.GetByRole(AriaRole.Region, new() { Name = "登记并取号" });
        await form.GetByLabel("姓名", new() { Exact = true }).FillAsync("钱七");
        await form.GetByLabel("身份证号码", new() { Exact = true }).FillAsync("11010519491231002X");
        await form.GetByLabel("类别").SelectOptionAsync(new SelectOptionValue { Label = "城乡建设" });
        await form.GetByLabel("诉求摘要（新事项必填）").FillAsync("小区路灯不亮");
        await form.GetByRole(AriaRole.Button, new() { Name = "登记并取号" }).ClickAsync();
        await Assertions.Expect(desk.Locator("[data-ticket-number]")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^[A-Z][0-9]{3}$"));
        await wall.WaitForTotalAsync("来访批次", before + 1, 5000);

        // The print button works from its script file, not an inline handler.
        await desk.GotoAsync($"/desk/ticket/{(await app.RegisterAsync()).TicketId}");
        await desk.GetByRole(AriaRole.Button, new() { Name = "打印凭条" }).ClickAsync();
        Assert.True(await desk.EvaluateAsync<bool>("() => window.__printed === true"));

        var (metrics, metricsProblems) = await OpenAsync(1366, 768);
        await metrics.LogInAsync("stats");
        await metrics.GotoAsync("/metrics");
        await Assertions.Expect(metrics.Locator("[data-trend] svg, [data-trend] canvas").First).ToBeVisibleAsync();
        await BrowserFixture.SnapshotAsync(wall, "csp-wall-1080p");
        await BrowserFixture.SnapshotAsync(metrics, "csp-metrics-1366");

        await AssertCleanAsync(wall, wallProblems);
        await AssertCleanAsync(hall, hallProblems);
        await AssertCleanAsync(desk, deskProblems);
        await AssertCleanAsync(metrics, metricsProblems);
    }
}
