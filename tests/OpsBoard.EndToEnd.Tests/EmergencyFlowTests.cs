using System.Diagnostics;
using Microsoft.Playwright;
using OpsBoard.Data.Personal;

namespace OpsBoard.EndToEnd.Tests;

/// <summary>
/// 应急处置 as the people involved see it, each in their own browser: the desk registers a collective visit of 6 and is
/// told to call the duty leader; the duty leader launches from the visit; 周国强 (城东街道's leader in charge) finds it in
/// his inbox and says 收到; the wall's emergency strip shows it within seconds; arrival, the upward report and the close
/// follow on the response page, whose timeline says its chain is intact; the strip clears.
/// </summary>
public sealed class EmergencyFlowTests(AppFixture app, BrowserFixture browser) : IClassFixture<AppFixture>, IClassFixture<BrowserFixture>
{
    [BrowserFact]
    public async Task Emergency_CollectiveVisitOfSix_LaunchedAcknowledgedOnTheWallReportedAndClosed()
    {
        var wall = await browser.NewPageAsync(app.BaseAddress, 1920, 1080);
        await wall.GotoAsync($"/wall?device={await app.DeviceTokenAsync()}");
        var strip = wall.Locator("section[data-region=emergency]");
        await Assertions.Expect(strip).ToContainTextAsync("当前无应急处置");

        var responder = await browser.NewPageAsync(app.BaseAddress, 1366, 768);
        await responder.LogInAsync("leader");
        await responder.GotoAsync("/emergency");
        await Assertions.Expect(responder.GetByRole(AriaRole.Heading, new() { Name = "应急响应", Level = 1 })).ToBeVisibleAsync();

        // The desk registers six people.
        var desk = await browser.NewPageAsync(app.BaseAddress, 1366, 768);
        await desk.LogInAsync("clerk");
        await desk.GotoAsync("/desk");
        await desk.Locator("#name").FillAsync("郑秀兰");
        var first17 = $"3306021968030{Random.Shared.Next(1000, 9999)}";
        await desk.Locator("#id-number").FillAsync(first17 + ChineseIdNumber.CheckCharacterOf(first17));
        await desk.Locator("#headcount").FillAsync("6");
        await desk.Locator("#category").SelectOptionAsync(new SelectOptionValue { Index = 1 });
        await desk.Locator("#summary").FillAsync("锦绣社区业主集体反映加装电梯施工纠纷");
        await desk.Locator("#register-submit").ClickAsync();
        await desk.WaitForURLAsync(url => url.Contains("/desk/ticket/", StringComparison.Ordinal));
        var offer = desk.Locator("[data-emergency-offer]");
        await Assertions.Expect(offer).ToContainTextAsync("集体访（6 人）");
        await BrowserFixture.SnapshotAsync(desk, "emergency-desk-offer");
        var visitId = await offer.GetAttributeAsync("data-visit-id");

        // The duty leader launches from the visit: kind and headcount come prefilled.
        var duty = await browser.NewPageAsync(app.BaseAddress, 1366, 768);
        await duty.LogInAsync("duty");
        await duty.GotoAsync("/duty");
        await Assertions.Expect(duty.Locator($"tr[data-visit='{visitId}']")).ToContainTextAsync("6 人（集体访）");
        await duty.Locator($"tr[data-visit='{visitId}']").GetByRole(AriaRole.Link, new() { Name = "发起应急处置" }).ClickAsync();
        await Assertions.Expect(duty.Locator("#kind")).ToHaveValueAsync("collective");
        await Assertions.Expect(duty.Locator("#headcount")).ToHaveValueAsync("6");
        await duty.Locator("#unit").SelectOptionAsync(new SelectOptionValue { Label = "城东街道" });
        await BrowserFixture.SnapshotAsync(duty, "emergency-duty-launch");
        await duty.Locator("[data-launch] button[type=submit]").ClickAsync();
        await duty.WaitForURLAsync(url => url.Contains("/emergency/", StringComparison.Ordinal));
        var emergencyUrl = duty.Url;
        await Assertions.Expect(duty.Locator("[data-responders] tbody tr")).ToHaveCountAsync(2);
        await Assertions.Expect(strip).ToContainTextAsync("集体访", new() { Timeout = 5000 });
        await Assertions.Expect(strip.Locator("[data-acknowledged]")).ToHaveTextAsync("收到 0/2");

        // The responder's inbox shows it without a reload; 收到 from his own browser.
        var item = responder.Locator("[data-emergency]").First;
        await Assertions.Expect(item).ToContainTextAsync("集体访", new() { Timeout = 5000 });
        await BrowserFixture.SnapshotAsync(responder, "emergency-inbox");
        await item.GetByRole(AriaRole.Button, new() { Name = "收到" }).ClickAsync();
        var acknowledged = Stopwatch.StartNew();
        await Assertions.Expect(responder.Locator(".alert")).ToContainTextAsync("已确认收到");

        await Assertions.Expect(strip.Locator("[data-acknowledged]")).ToHaveTextAsync("收到 1/2", new() { Timeout = 5000 });
        var shownAfter = acknowledged.Elapsed;
        Assert.True(shownAfter < TimeSpan.FromSeconds(5), $"the wall showed 收到 after {shownAfter}");
        await Assertions.Expect(strip).ToContainTextAsync("6 人");
        await Assertions.Expect(strip).ToContainTextAsync("待报告");
        await AssertNotClippedAsync(wall, "1920");
        await BrowserFixture.SnapshotAsync(wall, "emergency-wall-1920");
        await wall.SetViewportSizeAsync(3840, 2160);
        await AssertNotClippedAsync(wall, "3840");
        await BrowserFixture.SnapshotAsync(wall, "emergency-wall-3840");

        // A second 收到 is refused and changes nothing.
        await responder.GotoAsync(emergencyUrl);
        await Assertions.Expect(responder.Locator("[data-responder='周国强'] [data-ack]")).ToContainTextAsync("已收到");
        await Assertions.Expect(responder.GetByRole(AriaRole.Button, new() { Name = "收到" })).ToHaveCountAsync(0);

        // Arrival, the upward report, a close without outcome refused (the form kept), then closed.
        await duty.ReloadAsync();
        await duty.GetByRole(AriaRole.Button, new() { Name = "登记 周国强 到场" }).ClickAsync();
        await Assertions.Expect(duty.Locator("[data-responder='周国强'] [data-arrived]")).ToContainTextAsync("已到场");
        await duty.Locator("#channel").SelectOptionAsync(new SelectOptionValue { Label = "电话" });
        await duty.Locator("#content").FillAsync("锦绣社区业主 6 人集体访，城东街道分管领导已到场同步接访");
        await duty.GetByRole(AriaRole.Button, new() { Name = "登记报告" }).ClickAsync();
        await Assertions.Expect(duty.Locator("[data-report-state]")).ToHaveTextAsync("已报告");
        await Assertions.Expect(strip.Locator("[data-report]")).ToHaveTextAsync("已报告", new() { Timeout = 5000 });
        await duty.Locator("#followup").FillAsync("三日内组织协调会");
        await duty.GetByRole(AriaRole.Button, new() { Name = "结束处置" }).ClickAsync();
        await Assertions.Expect(duty.Locator(".alert")).ToContainTextAsync("请填写处置结果。");
        await Assertions.Expect(duty.Locator("#followup")).ToHaveValueAsync("三日内组织协调会");
        await duty.Locator("#outcome").FillAsync("群众情绪平稳，已有序离开");
        await duty.GetByRole(AriaRole.Button, new() { Name = "结束处置" }).ClickAsync();
        await Assertions.Expect(duty.Locator("[data-state]")).ToHaveTextAsync("已结束");
        await Assertions.Expect(duty.Locator("[data-chain]")).ToHaveAttributeAsync("data-chain", "intact");
        await Assertions.Expect(duty.Locator("[data-timeline] li")).ToHaveCountAsync(7);
        await BrowserFixture.SnapshotAsync(duty, "emergency-closed");
        await Assertions.Expect(strip).ToContainTextAsync("当前无应急处置", new() { Timeout = 5000 });
    }

    [BrowserFact]
    public async Task DutyLeader_OpensTheConsoleAndTheFloor()
    {
        var duty = await browser.NewPageAsync(app.BaseAddress, 1366, 768);
        await duty.LogInAsync("duty");

        var console = await duty.GotoAsync("/duty");
        Assert.Equal(200, console!.Status);
        await Assertions.Expect(duty.GetByRole(AriaRole.Heading, new() { Name = "带班工作台", Level = 1 })).ToBeVisibleAsync();
        var floor = await duty.GotoAsync("/floor");
        Assert.Equal(200, floor!.Status);
        await Assertions.Expect(duty.GetByRole(AriaRole.Heading, new() { Name = "现场管理", Level = 1 })).ToBeVisibleAsync();
        var pageWidth = await duty.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
        Assert.True(pageWidth <= 1366, $"the page is {pageWidth} px wide");
    }

    /// <summary>Every piece of the strip lies inside the strip, and the strip's text is not cut.</summary>
    static async Task AssertNotClippedAsync(IPage wall, string size)
    {
        var overflow = await wall.EvaluateAsync<string>("""
            () => {
              const strip = document.querySelector('section[data-region=emergency]');
              const body = strip.querySelector('.region-body');
              const box = strip.getBoundingClientRect();
              const out = [...strip.querySelectorAll('.emergency-line > *')].filter(e => {
                const r = e.getBoundingClientRect();
                return r.right > box.right + 0.5 || r.bottom > box.bottom + 0.5 || r.left < box.left - 0.5;
              }).map(e => e.textContent);
              if (body.scrollWidth > body.clientWidth + 1) out.push('body overflows ' + body.scrollWidth + '>' + body.clientWidth);
              return out.join(' | ');
            }
            """);
        Assert.True(overflow == "", $"at {size}: clipped: {overflow}");
    }
}
