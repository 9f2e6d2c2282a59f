using Dapper;
using Microsoft.Playwright;
using OpsBoard.Data.Matters;
using OpsBoard.Data.Personal;

namespace OpsBoard.EndToEnd.Tests;

/// <summary>
/// 条例 第三十条 at the desk: the clerk marks a first visit as 检举控告 naming a community and its head; the file shows it
/// in full to the director, redacted to nobody here, and not at all to the accused community's street.
/// </summary>
public sealed class AccusationDeskTests(AppFixture app, BrowserFixture browser) : IClassFixture<AppFixture>, IClassFixture<BrowserFixture>
{
    static int serial;

    static string NewIdNumber()
    {
        var first17 = $"59312719660606{Interlocked.Increment(ref serial) % 1000:000}";
        return first17 + ChineseIdNumber.CheckCharacterOf(first17);
    }

    [BrowserTheory]
    [InlineData(1366, 768)]
    [InlineData(1920, 1080)]
    public async Task Desk_MarksAnAccusation_TheFileShowsTheAccused_TheAccusedStreetFindsNothing(int width, int height)
    {
        var tag = $"{width}{Guid.NewGuid().ToString("N")[..6]}";
        int community;
        await using (var connection = await app.Database.DataSource.OpenConnectionAsync())
        {
            community = await connection.ExecuteScalarAsync<int>("SELECT id FROM unit WHERE code = 'chengdong-01'");
        }

        var desk = await browser.NewPageAsync(app.BaseAddress, width, height);
        await desk.LogInAsync("clerk");
        await desk.GotoAsync("/desk");
        await desk.Locator("#name").FillAsync("检举人" + tag[..4]);
        await desk.Locator("#id-number").FillAsync(NewIdNumber());
        await desk.Locator("#category").SelectOptionAsync("discipline");
        await desk.Locator("#summary").FillAsync($"举报东门社区主任挪用低保资金{tag}");
        await desk.Locator("#accusation").CheckAsync();
        await desk.Locator("#accusation-unit-0").SelectOptionAsync(community.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await desk.Locator("#accusation-person-0").FillAsync("周某");
        await desk.GetByLabel("被检举控告人员 1 职务").FillAsync("东门社区主任");

        var fields = desk.Locator("[data-accusation-fields]");
        await fields.ScrollIntoViewIfNeededAsync();
        await Assertions.Expect(fields).ToBeVisibleAsync();
        var box = (await fields.BoundingBoxAsync())!;
        var unitBox = (await desk.Locator("#accusation-unit-0").BoundingBoxAsync())!;
        var personBox = (await desk.Locator("#accusation-person-0").BoundingBoxAsync())!;
        Assert.True(box.X >= 0 && box.X + box.Width <= width, $"the fieldset spans {box.X}–{box.X + box.Width} of {width}");
        // The unit choices and the people sit side by side on one row from 1366 up, each wide enough to read.
        Assert.True(Math.Abs(unitBox.Y - personBox.Y) < 2, $"unit at y={unitBox.Y}, person at y={personBox.Y}");
        Assert.True(unitBox.Width >= 180, $"unit select {unitBox.Width}px wide");
        Assert.False(await desk.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > document.documentElement.clientWidth"));
        await BrowserFixture.SnapshotAsync(desk, $"desk-accusation-{width}");

        await desk.Locator("#register-submit").ClickAsync();
        await desk.WaitForURLAsync(url => url.Contains("/desk/ticket/", StringComparison.Ordinal) || url.EndsWith("/desk", StringComparison.Ordinal),
            new() { Timeout = 15_000 });
        long matterId;
        await using (var connection = await app.Database.DataSource.OpenConnectionAsync())
        {
            matterId = await connection.ExecuteScalarAsync<long>("SELECT id FROM matter WHERE summary LIKE '%' || @tag ORDER BY id DESC LIMIT 1", new { tag });
            Assert.True(matterId > 0, "the visit opened no matter");
            Assert.True(await connection.ExecuteScalarAsync<bool>("SELECT is_accusation FROM matter WHERE id = @matterId", new { matterId }));
            Assert.Equal(community, await connection.ExecuteScalarAsync<int>("SELECT unit_id FROM matter_accused_unit WHERE matter_id = @matterId", new { matterId }));
        }

        var director = await browser.NewPageAsync(app.BaseAddress, width, height);
        await director.LogInAsync("director");
        await director.GotoAsync($"/matters/{matterId}");
        var notice = director.Locator("[data-accusation=full]");
        await Assertions.Expect(notice).ToContainTextAsync("东门社区");
        await Assertions.Expect(notice).ToContainTextAsync("周某（东门社区主任）");
        await BrowserFixture.SnapshotAsync(director, $"matter-accusation-{width}");

        var street = await browser.NewPageAsync(app.BaseAddress, width, height);
        await street.LogInAsync("officer");
        var response = await street.GotoAsync($"/matters/{matterId}");
        // The same page as for a file number that does not exist: nothing says there is a file to hide.
        Assert.Equal(404, response!.Status);
        await Assertions.Expect(street.Locator("main h1")).ToHaveTextAsync("页面不存在");
        Assert.DoesNotContain(tag, await street.ContentAsync());
        Assert.DoesNotContain(Accusations.RedactedMark, await street.ContentAsync());
    }

    [BrowserTheory]
    [InlineData(1366, 768)]
    [InlineData(1920, 1080)]
    public async Task DisciplinePage_AdminKeepsTheDesignatedUnit_FormOnOneRowInsideThePage(int width, int height)
    {
        var page = await browser.NewPageAsync(app.BaseAddress, width, height);
        await page.LogInAsync("admin");
        await page.GotoAsync("/admin/discipline");
        var select = page.GetByLabel("指定为纪检监察单位");
        var current = await select.InputValueAsync();
        Assert.NotEqual("", current);

        await page.GetByRole(AriaRole.Button, new() { Name = "保存" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("已保存纪检监察单位。");
        await Assertions.Expect(select).ToHaveValueAsync(current);
        var box = (await select.BoundingBoxAsync())!;
        var button = (await page.GetByRole(AriaRole.Button, new() { Name = "保存" }).BoundingBoxAsync())!;
        Assert.True(button.X >= box.X + box.Width - 1 && Math.Abs(button.Y + button.Height - (box.Y + box.Height)) < 4,
            $"保存 at {button.X},{button.Y} is not beside the list at {box.X},{box.Y}");
        Assert.True(await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth") <= width);
        await BrowserFixture.SnapshotAsync(page, $"admin-discipline-{width}");
    }
}
