using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using OpsBoard.Data.Reception;

namespace OpsBoard.EndToEnd.Tests;

/// <summary>
/// A warning slip's whole life as the people in it see it: a third visit registered at the desk raises the slip in
/// 城东街道's inbox within seconds, its officer 签收 and answers, its leader signs, the center director closes it.
/// </summary>
public sealed class SlipTests(AppFixture app, BrowserFixture browser) : IClassFixture<AppFixture>, IClassFixture<BrowserFixture>
{
    [BrowserFact]
    public async Task ThirdVisitOnAMatter_SlipAnsweredSignedAndClosed_EachPersonSeesTheirStep()
    {
        var wall = await browser.NewPageAsync(app.BaseAddress, 1920, 1080);
        await wall.GotoAsync($"/wall?device={await app.DeviceTokenAsync()}");
        await Assertions.Expect(wall.Locator("[data-connection]")).ToHaveTextAsync("实时连接正常");
        var repeatsBefore = await WallRepeatCountAsync(wall);

        // Every live event is NOTIFYed on commit; the slip's own (slip.issued) is the signal that it exists.
        await using var listener = await app.Database.DataSource.OpenConnectionAsync();
        await listener.ExecuteAsync($"LISTEN {OpsBoard.Data.Live.LiveJournal.Channel}");
        var (matterCode, matterId, idNumber) = await ThreeVisitsOnOneMatterOfChengdongAsync();
        var registered = System.Diagnostics.Stopwatch.StartNew();
        var heard = 0;
        listener.Notification += (_, _) => heard = 1;
        while (true)
        {
            heard = 0;
            if (await listener.ExecuteScalarAsync<int>("SELECT count(*) FROM warning_slip WHERE matter_id = @matterId", new { matterId }) > 0)
            {
                break;
            }

            if (heard == 1)
            {
                continue; // heard while reading: read again rather than wait for the next one
            }

            var left = TimeSpan.FromSeconds(5) - registered.Elapsed;
            Assert.True(left > TimeSpan.Zero && await listener.WaitAsync(left), $"no slip on {matterCode} within 5 s of the third visit");
        }

        // The officer's inbox shows it.
        var officer = await browser.NewPageAsync(app.BaseAddress, 1366, 768);
        await officer.LogInAsync("officer");
        await officer.GotoAsync("/slips");
        await Assertions.Expect(officer.Locator(".nav-tabs .active")).ToHaveTextAsync("新下发");
        var row = officer.Locator("table tbody tr", new() { HasText = matterCode });
        await Assertions.Expect(row).ToContainTextAsync("重复访");
        await Assertions.Expect(row).ToContainTextAsync("城东街道");
        await Assertions.Expect(row).ToContainTextAsync("待签收");
        await wall.WaitForFunctionAsync(
            "n => Number(document.querySelector('section[data-region=alerts] [data-trigger=repeat] .open')?.textContent) === n",
            repeatsBefore + 1, new() { Timeout = 2000, PollingInterval = 20 });
        await BrowserFixture.SnapshotAsync(officer, "slips-inbox-1366");
        await BrowserFixture.SnapshotAsync(wall, "slips-wall-1920");

        // The desk: the petitioner's history shows the slip running on their matter.
        var desk = await browser.NewPageAsync(app.BaseAddress, 1366, 768);
        await desk.LogInAsync("clerk");
        await desk.GotoAsync("/desk");
        await desk.Locator("#search-id").FillAsync(idNumber);
        await desk.Locator("#search-id").PressAsync("Enter");
        var deskSlip = desk.Locator("[data-history] [data-slips] tbody tr");
        await Assertions.Expect(deskSlip).ToHaveCountAsync(1);
        await Assertions.Expect(deskSlip).ToContainTextAsync(matterCode);
        await Assertions.Expect(deskSlip).ToContainTextAsync("待签收");
        await BrowserFixture.SnapshotAsync(desk, "slips-desk-1366");

        await row.Locator("td").First.GetByRole(AriaRole.Link).ClickAsync();
        await Assertions.Expect(officer.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("信访事项预警提醒单");
        await Assertions.Expect(Cell(officer, "预警情形")).ToContainTextAsync("重复访：同一事项第 3 次来访");
        await Assertions.Expect(Cell(officer, "信访办意见")).ToHaveTextAsync("待签收");
        var slipUrl = new Uri(officer.Url).PathAndQuery;
        await BrowserFixture.SnapshotAsync(officer, "slip-issued-1366");

        await officer.GetByRole(AriaRole.Button, new() { Name = "签收", Exact = true }).ClickAsync();
        await Assertions.Expect(officer.GetByRole(AriaRole.Status)).ToHaveTextAsync("已签收");
        await Assertions.Expect(Cell(officer, "签收")).ToContainTextAsync("赵磊");

        await officer.GetByLabel("调查核实情况").FillAsync("经再次走访核实，来访人反映的小区排水问题属实。");
        await officer.GetByLabel("原因分析").FillAsync("管网改造工期延误，前次答复未明确完工时间。");
        await officer.GetByLabel("化解措施").FillAsync("街道会同住建局明确 12 月底前完工，书面告知来访人。");
        await officer.GetByLabel("稳控措施").FillAsync("社区网格员每周上门一次，掌握思想动态。");
        await officer.GetByLabel("落实人员").FillAsync("赵磊、东门社区网格员");
        await officer.GetByRole(AriaRole.Button, new() { Name = "提交答复" }).ClickAsync();
        await Assertions.Expect(officer.GetByRole(AriaRole.Status)).ToHaveTextAsync("已提交答复");
        await Assertions.Expect(Cell(officer, "原因分析")).ToHaveTextAsync("管网改造工期延误，前次答复未明确完工时间。");
        await Assertions.Expect(Cell(officer, "落实情况")).ToContainTextAsync("由 赵磊、东门社区网格员 落实");
        await Assertions.Expect(Cell(officer, "信访办意见")).ToHaveTextAsync("待领导审签");
        await Assertions.Expect(officer.GetByRole(AriaRole.Button, new() { Name = "审签并报回信访办" })).ToHaveCountAsync(0);

        // The leader in charge finds it in the signature queue and signs.
        var leader = await browser.NewPageAsync(app.BaseAddress, 1920, 1080);
        await leader.LogInAsync("leader");
        await leader.GotoAsync("/slips");
        await Assertions.Expect(leader.Locator(".nav-tabs .active")).ToHaveTextAsync("待审签");
        await leader.Locator("table tbody tr", new() { HasText = matterCode }).Locator("td").First.GetByRole(AriaRole.Link).ClickAsync();
        await BrowserFixture.SnapshotAsync(leader, "slip-answered-1920");
        await leader.GetByRole(AriaRole.Button, new() { Name = "审签并报回信访办" }).ClickAsync();
        await Assertions.Expect(leader.GetByRole(AriaRole.Status)).ToHaveTextAsync("已审签并报回信访办");
        await Assertions.Expect(Cell(leader, "分管领导审签")).ToContainTextAsync("周国强");
        await Assertions.Expect(Cell(leader, "信访办意见")).ToHaveTextAsync("已报回信访办");

        // The petition office closes it; the matter file lists it as closed.
        var director = await browser.NewPageAsync(app.BaseAddress, 1920, 1080);
        await director.LogInAsync("director");
        await director.GotoAsync("/slips?view=returned");
        await director.Locator("table tbody tr", new() { HasText = matterCode }).Locator("td").First.GetByRole(AriaRole.Link).ClickAsync();
        await director.GetByRole(AriaRole.Button, new() { Name = "办结" }).ClickAsync();
        await Assertions.Expect(director.GetByRole(AriaRole.Status)).ToHaveTextAsync("已办结");
        await Assertions.Expect(Cell(director, "信访办意见")).ToContainTextAsync("已办结 陈志远");
        await Assertions.Expect(director.Locator("main form")).ToHaveCountAsync(0);
        await wall.WaitForFunctionAsync(
            "n => Number(document.querySelector('section[data-region=alerts] [data-trigger=repeat] .open')?.textContent) === n",
            repeatsBefore, new() { Timeout = 2000, PollingInterval = 20 });

        await director.GotoAsync($"/matters/{matterId}");
        await Assertions.Expect(director.Locator("[data-slips] tbody tr", new() { HasText = "重复访" })).ToContainTextAsync("已办结");
        await BrowserFixture.SnapshotAsync(director, "slips-matter-1920");

        // The sheet as it is read on screen at both sizes and printed on A4.
        foreach (var (width, height) in new[] { (1366, 768), (1920, 1080) })
        {
            var page = await browser.NewPageAsync(app.BaseAddress, width, height);
            await page.LogInAsync("officer");
            await page.GotoAsync("/slips?view=all");
            var pageWidth = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
            Assert.True(pageWidth <= width, $"/slips at {width}: the page is {pageWidth} px wide");
            await BrowserFixture.SnapshotAsync(page, $"slips-all-{width}");
            await page.GotoAsync(slipUrl);
            var sheet = (await page.Locator(".slip-sheet").BoundingBoxAsync())!;
            Assert.True(sheet.X + sheet.Width <= width, $"the slip at {width} is cut off at the right");
            await BrowserFixture.SnapshotAsync(page, $"slip-closed-{width}");
        }

        var print = await browser.NewPageAsync(app.BaseAddress, 794, 1123); // A4 at 96 px per inch
        await print.LogInAsync("officer");
        await print.GotoAsync(slipUrl);
        await print.EmulateMediaAsync(new() { Media = Media.Print });
        await Assertions.Expect(print.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToBeVisibleAsync();
        await Assertions.Expect(Cell(print, "分管领导审签")).ToContainTextAsync("周国强");
        Assert.False(await print.Locator("nav.navbar").IsVisibleAsync());
        Assert.False(await print.GetByRole(AriaRole.Button, new() { Name = "打印" }).IsVisibleAsync());
        var printed = (await print.Locator(".slip-sheet").BoundingBoxAsync())!;
        Assert.InRange(printed.X + printed.Width, 600, 794);
        await BrowserFixture.SnapshotAsync(print, "slip-print");
        var pdf = System.Text.Encoding.Latin1.GetString(await print.PdfAsync(new() { PreferCSSPageSize = true }));
        var mediaBox = System.Text.RegularExpressions.Regex.Match(pdf, @"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]");
        Assert.True(mediaBox.Success, "the printed slip has no page size");
        Assert.InRange(double.Parse(mediaBox.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), 594, 597); // A4: 210 mm
        Assert.InRange(double.Parse(mediaBox.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), 841, 844); // 297 mm
    }

    [BrowserFact]
    public async Task SlipRules_AdminRaisesTheRepeatThreshold_NewVersionListedAndARefusalKeepsTheForm()
    {
        var page = await browser.NewPageAsync(app.BaseAddress, 1366, 768);
        await page.LogInAsync("admin");
        await page.GotoAsync("/admin/rules");
        await page.GetByRole(AriaRole.Link, new() { Name = "预警触发条件" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("预警触发条件");

        // The browser lets 5 through; the domain knows the levels stop at 进京 (4).
        await page.GetByLabel("越级访 阈值").FillAsync("5");
        await page.GetByLabel("越级访 依据").FillAsync("县信访联席会议纪要〔2026〕5号");
        await page.Locator("tr[data-trigger=escalated] form").GetByRole(AriaRole.Button).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("阈值应在 2 到 4 之间");
        await Assertions.Expect(page.GetByLabel("越级访 阈值")).ToHaveValueAsync("5");
        await Assertions.Expect(page.GetByLabel("越级访 依据")).ToHaveValueAsync("县信访联席会议纪要〔2026〕5号");
        await Assertions.Expect(page.Locator("tr[data-trigger=escalated]")).ToHaveCountAsync(1);

        await page.GetByLabel("重复访 依据").FillAsync("县信访联席会议纪要〔2026〕5号");
        await page.GetByLabel("重复访 阈值").FillAsync("4");
        await page.Locator("tr[data-trigger=repeat] form").GetByRole(AriaRole.Button).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("同一事项来访次数达到 4");
        var versions = page.Locator("tr[data-trigger=repeat]");
        await Assertions.Expect(versions).ToHaveCountAsync(2);
        await Assertions.Expect(versions.First).ToContainTextAsync("县信访联席会议纪要〔2026〕5号");
        await Assertions.Expect(versions.Nth(1).Locator("form")).ToHaveCountAsync(0); // the old version is history, not a form
        await BrowserFixture.SnapshotAsync(page, "slip-rules-1366");
    }

    static ILocator Cell(IPage page, string heading) =>
        page.Locator(".slip-table tr", new() { Has = page.Locator($"th:text-is('{heading}')") }).Locator("td");

    static async Task<int> WallRepeatCountAsync(IPage wall) =>
        int.Parse(await wall.Locator("section[data-region=alerts] [data-trigger=repeat] .open").InnerTextAsync(), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// A first visit opens a matter, which 城东街道 is made responsible for; the same petitioner comes twice more about it.
    /// Returns the matter as the screens show it and the petitioner's ID number.
    /// </summary>
    async Task<(string Code, long Id, string IdNumber)> ThreeVisitsOnOneMatterOfChengdongAsync()
    {
        var desk = app.Services.GetRequiredService<DeskQueries>();
        var registry = app.Services.GetRequiredService<VisitRegistry>();
        var line = int.Parse((await desk.ServiceLinesAsync(1))[0].Value, System.Globalization.CultureInfo.InvariantCulture);
        var first17 = $"3306991986{Random.Shared.Next(1, 12):00}{Random.Shared.Next(1, 28):00}{Random.Shared.Next(0, 999):000}";
        var petitioner = new Visitor("钱志明", first17 + OpsBoard.Data.Personal.ChineseIdNumber.CheckCharacterOf(first17), null);
        RegisterVisit Visit(long? matterId) => new()
        {
            CenterId = 1, UserId = 1, RequestKey = Guid.NewGuid(), Principal = petitioner, Headcount = 1, ServiceLineId = line,
            MatterId = matterId, Category = matterId is null ? "urban_construction" : null, Summary = matterId is null ? "小区排水管网改造迟迟未完工" : null,
        };

        var first = await registry.RegisterAsync(Visit(null));
        await using var connection = await app.Database.DataSource.OpenConnectionAsync();
        var (matterId, code) = await connection.QuerySingleAsync<(long, string)>("""
            UPDATE matter SET responsible_unit_id = (SELECT id FROM unit WHERE center_id = 1 AND name = '城东街道')
            WHERE id = (SELECT matter_id FROM visit WHERE id = @VisitId)
            RETURNING id, code
            """, new { first.VisitId });
        await registry.RegisterAsync(Visit(matterId));
        await registry.RegisterAsync(Visit(matterId));
        return (code, matterId, petitioner.IdNumber);
    }
}
