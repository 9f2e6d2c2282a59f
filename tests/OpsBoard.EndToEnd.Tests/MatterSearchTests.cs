using System.Globalization;
using Dapper;
using Microsoft.Playwright;
using OpsBoard.Data;

namespace OpsBoard.EndToEnd.Tests;

/// <summary>The matter list searched as a director does it, at the desk sizes, compared with the database.</summary>
public sealed class MatterSearchTests(AppFixture app, BrowserFixture browser) : IClassFixture<AppFixture>, IClassFixture<BrowserFixture>
{
    static async Task<IReadOnlyList<string>> CodesAsync(IPage page) =>
        [.. (await page.Locator("main tbody tr td:first-child a").AllInnerTextsAsync()).Select(t => t.Trim())];

    [BrowserFact]
    public async Task Search_ByPetitionerName_ShowsEveryMatterOfPeopleOfThatName()
    {
        await using var connection = await app.Database.DataSource.OpenConnectionAsync();
        var name = await connection.ExecuteScalarAsync<string>("""
            SELECT p.name
            FROM matter m
            JOIN petitioner p ON p.id = m.petitioner_id
            WHERE m.center_id = 1
            GROUP BY p.name
            HAVING count(*) BETWEEN 2 AND 25
            ORDER BY count(*) DESC, p.name
            LIMIT 1
            """);
        var expected = (await connection.QueryAsync<string>("""
            SELECT m.code
            FROM matter m
            JOIN petitioner p ON p.id = m.petitioner_id
            WHERE m.center_id = 1 AND p.name = @name
            ORDER BY m.received_at DESC, m.id DESC
            """, new { name })).ToList();
        var page = await browser.NewPageAsync(app.BaseAddress, 1366, 768);
        await page.LogInAsync("director");
        await page.GotoAsync("/matters");

        await page.GetByLabel("来访人姓名").FillAsync(name!);
        await page.GetByRole(AriaRole.Button, new() { Name = "查询", Exact = true }).ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("name=", StringComparison.Ordinal));

        Assert.Equal(expected, await CodesAsync(page));
        await Assertions.Expect(page.GetByLabel("来访人姓名")).ToHaveValueAsync(name!);
        await Assertions.Expect(page.GetByText($"共 {expected.Count} 件")).ToBeVisibleAsync();
    }

    [BrowserTheory]
    [InlineData(1366, 768)]
    [InlineData(1920, 1080)]
    public async Task Search_ByUnitAndReceivedRange_ShowsOnlyThatUnitsMattersOfThoseDays(int width, int height)
    {
        var today = ChinaTime.Today(TimeProvider.System);
        var (from, to) = (today.AddDays(-90), today.AddDays(-30));
        await using var connection = await app.Database.DataSource.OpenConnectionAsync();
        const string sql = """
            SELECT m.code
            FROM matter m
            JOIN unit u ON u.id = m.responsible_unit_id
            WHERE m.center_id = 1 AND u.name = '县住建局' AND m.received_at >= @start AND m.received_at < @end
            ORDER BY m.received_at DESC, m.id DESC
            """;
        var expected = (await connection.QueryAsync<string>(sql, new
        {
            start = ChinaTime.StartOf(from).ToUniversalTime(), end = ChinaTime.StartOf(to.AddDays(1)).ToUniversalTime(),
        })).ToList();
        var page = await browser.NewPageAsync(app.BaseAddress, width, height);
        await page.LogInAsync("director");
        await page.GotoAsync("/matters");

        await page.GetByLabel("责任单位").SelectOptionAsync(new SelectOptionValue { Label = "县住建局" });
        await page.GetByLabel("收到日期 从").FillAsync(from.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        await page.GetByLabel("收到日期 至").FillAsync(to.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        await page.GetByRole(AriaRole.Button, new() { Name = "查询", Exact = true }).ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("unit=", StringComparison.Ordinal));

        Assert.NotEmpty(expected);
        Assert.Equal(expected.Take(25), await CodesAsync(page));
        Assert.All(await page.Locator("main tbody tr td:nth-child(4)").AllInnerTextsAsync(), u => Assert.Equal("县住建局", u.Trim()));
        Assert.All(await page.Locator("main tbody tr td:nth-child(5)").AllInnerTextsAsync(), d =>
            Assert.InRange(DateOnly.ParseExact(d.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture), from, to));
        await Assertions.Expect(page.GetByText($"共 {expected.Count} 件")).ToBeVisibleAsync();

        // Laid out for the desk: nothing wider than the screen; at 1920 every search field in one row.
        Assert.True(await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth") <= width);
        var code = (await page.GetByLabel("编号").BoundingBoxAsync())!;
        var search = (await page.GetByRole(AriaRole.Button, new() { Name = "查询", Exact = true }).BoundingBoxAsync())!;
        if (width >= 1920)
        {
            Assert.InRange(search.Y + search.Height - (code.Y + code.Height), -4, 4);
        }

        await BrowserFixture.SnapshotAsync(page, $"matters-search-{width}");
    }

    [BrowserFact]
    public async Task MalformedAddress_ShowsTheListWithWhatWasLeftOut()
    {
        var page = await browser.NewPageAsync(app.BaseAddress, 1366, 768);
        await page.LogInAsync("director");

        var response = await page.GotoAsync("/matters?page=abc&from=2026-13-01&sort=fastest");

        Assert.Equal(200, response!.Status);
        var notes = page.Locator("[data-notes] li");
        await Assertions.Expect(notes).ToHaveCountAsync(3);
        await Assertions.Expect(notes.Nth(0)).ToContainTextAsync("排序方式“fastest”无效");
        await Assertions.Expect(page.Locator("main tbody tr")).ToHaveCountAsync(25);
        await Assertions.Expect(page.Locator("[data-page-number]")).ToHaveTextAsync("第 1 页");
        await BrowserFixture.SnapshotAsync(page, "matters-malformed-1366");
    }
}
