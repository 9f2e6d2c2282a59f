using Dapper;
using Microsoft.Playwright;

namespace OpsBoard.EndToEnd.Tests;

/// <summary>
/// 包案 as the people in it see it: the center director hands a 城东街道 slip's matter to the street's leader, who finds
/// it in 我的包案 and records the five duties' first step; a bad entry is refused with what was typed kept; the matter
/// file shows the package; a leader of another unit cannot open it.
/// </summary>
public sealed class PackageTests(AppFixture app, BrowserFixture browser) : IClassFixture<AppFixture>, IClassFixture<BrowserFixture>
{
    [BrowserFact]
    public async Task DirectorAssignsAStreetSlipsMatter_LeaderRecordsADuty_MatterFileShowsIt()
    {
        await using var connection = await app.Database.DataSource.OpenConnectionAsync();
        var (slipId, matterId, matterCode) = await connection.QueryFirstAsync<(long, long, string)>("""
            SELECT s.id, s.matter_id, m.code
            FROM warning_slip s
            JOIN matter m ON m.id = s.matter_id
            JOIN unit u ON u.id = s.unit_id
            WHERE u.name = '城东街道' AND s.closed_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM matter_package p WHERE p.matter_id = s.matter_id)
            ORDER BY s.id DESC
            """);

        var director = await browser.NewPageAsync(app.BaseAddress, 1366, 768);
        await director.LogInAsync("director");
        await director.GotoAsync($"/slips/{slipId}");
        var section = director.Locator("[data-package]");
        await Assertions.Expect(section).ToContainTextAsync("该信访事项尚未交办包案");
        await section.GetByLabel("交办包案领导").SelectOptionAsync(new SelectOptionValue { Label = "周国强" });
        await section.GetByLabel("交办说明").FillAsync("三次来访，请街道分管领导牵头化解");
        await section.GetByRole(AriaRole.Button, new() { Name = "交办包案" }).ClickAsync();
        await Assertions.Expect(director.GetByRole(AriaRole.Status)).ToHaveTextAsync("已交办包案");
        await Assertions.Expect(section).ToContainTextAsync("包案领导：周国强（城东街道）");
        await Assertions.Expect(section).ToContainTextAsync("五包已落实 0 / 5");
        await section.ScrollIntoViewIfNeededAsync();
        await BrowserFixture.SnapshotAsync(director, "package-assigned-1366");

        // The leader's inbox: 我的包案 first, the matter in it.
        var leader = await browser.NewPageAsync(app.BaseAddress, 1366, 768);
        await leader.LogInAsync("leader");
        await leader.GotoAsync("/slips");
        await leader.GetByRole(AriaRole.Link, new() { Name = "包案", Exact = true }).ClickAsync();
        await Assertions.Expect(leader.Locator(".nav-tabs .active")).ToHaveTextAsync("我的包案");
        var row = leader.Locator("[data-packages] tbody tr", new() { HasText = matterCode });
        await Assertions.Expect(row).ToContainTextAsync("0 / 5");
        await Assertions.Expect(leader.Locator("[data-packages] tbody tr")).ToHaveCountAsync(3); // the demo's two and this one
        await BrowserFixture.SnapshotAsync(leader, "packages-inbox-1366");
        await row.GetByRole(AriaRole.Link, new() { Name = matterCode }).ClickAsync();
        await Assertions.Expect(leader.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("包案化解（五包责任制）");

        // A note left empty: refused, the chosen duty kept.
        await leader.GetByLabel("事项", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = "专题分析会" });
        await leader.GetByRole(AriaRole.Button, new() { Name = "保存记录" }).ClickAsync();
        await Assertions.Expect(leader.GetByRole(AriaRole.Alert)).ToHaveTextAsync("请填写专题分析会情况。");
        Assert.Equal("meeting", await leader.GetByLabel("事项", new() { Exact = true }).InputValueAsync());

        await leader.GetByLabel("事项", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = "包掌握情况" });
        await leader.GetByLabel("情况说明").FillAsync("调阅三次来访记录，走访东门社区，掌握家庭情况");
        await leader.GetByRole(AriaRole.Button, new() { Name = "保存记录" }).ClickAsync();
        await Assertions.Expect(leader.GetByRole(AriaRole.Status)).ToHaveTextAsync("已记录包掌握情况");
        var grasp = leader.Locator("[data-duties] tr[data-duty=grasp]");
        await Assertions.Expect(grasp).ToContainTextAsync("调阅三次来访记录，走访东门社区，掌握家庭情况");
        await Assertions.Expect(leader.Locator("[data-duties] tr[data-duty=persuade]")).ToContainTextAsync("未落实");
        await Assertions.Expect(leader.GetByRole(AriaRole.Heading, new() { Name = "五包责任落实情况（1 / 5）" })).ToBeVisibleAsync();
        Assert.Equal("", await leader.GetByLabel("情况说明").InputValueAsync());

        // Side by side at both sizes: the duties on the left, the form on the right, nothing past the right edge.
        foreach (var (width, height) in new[] { (1366, 768), (1920, 1080) })
        {
            await leader.SetViewportSizeAsync(width, height);
            var duties = (await leader.Locator("[data-duties]").BoundingBoxAsync())!;
            var form = (await leader.Locator("form").Filter(new() { HasText = "记录落实情况" }).BoundingBoxAsync())!;
            Assert.True(form.X >= duties.X + duties.Width, $"at {width} the form is not beside the duties");
            Assert.True(form.X + form.Width <= width, $"at {width} the form is cut off at the right");
            Assert.True(await leader.EvaluateAsync<int>("() => document.documentElement.scrollWidth") <= width);
            await BrowserFixture.SnapshotAsync(leader, $"package-recorded-{width}");
        }

        // The matter file shows who holds it and how far the five duties have come.
        await director.GotoAsync($"/matters/{matterId}");
        var panel = director.Locator("[data-package]");
        await Assertions.Expect(panel).ToContainTextAsync("包案领导 周国强（城东街道）");
        await Assertions.Expect(panel).ToContainTextAsync("五包落实 1 / 5");
        await Assertions.Expect(panel.Locator("[data-duty=grasp]")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("text-bg-success"));
        await panel.ScrollIntoViewIfNeededAsync();
        await BrowserFixture.SnapshotAsync(director, "package-matter-1366");

        // Another unit's leader is refused the package.
        var packageId = await connection.ExecuteScalarAsync<long>("SELECT id FROM matter_package WHERE matter_id = @matterId AND ended_at IS NULL", new { matterId });
        var other = await browser.NewPageAsync(app.BaseAddress, 1366, 768);
        await other.LogInAsync("leader2");
        var response = await other.GotoAsync($"/slips/packages/{packageId}");
        Assert.Equal(403, response!.Status);
        await Assertions.Expect(other.GetByRole(AriaRole.Alert)).ToContainTextAsync("不属于您的单位");
    }
}
