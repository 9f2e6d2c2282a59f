using OpsBoard.Data.Screens;
using Microsoft.Playwright;

namespace OpsBoard.EndToEnd.Tests;

public sealed class HallTests(AppFixture app, BrowserFixture browser) : IClassFixture<AppFixture>, IClassFixture<BrowserFixture>
{
    [BrowserFact]
    public async Task WindowCallsNext_HallScreenShowsTheNumberAndWindow()
    {
        var hall = await browser.NewPageAsync(app.BaseAddress);
        await hall.GotoAsync($"/hall?device={await app.DeviceTokenAsync("大厅叫号屏", ScreenKinds.Hall)}");
        await Assertions.Expect(hall.Locator("[data-connection]")).ToHaveTextAsync("实时连接正常");
        var registered = await app.RegisterAsync();

        var console = await browser.NewPageAsync(app.BaseAddress);
        await console.LogInAsync("window");
        await console.GotoAsync("/window");
        await console.Locator("form", new() { HasText = "接谈窗口1" }).GetByRole(AriaRole.Button).ClickAsync();
        // Call until our ticket comes up: the demo floor may already have people waiting.
        for (var i = 0; i < 40; i++)
        {
            await console.GetByRole(AriaRole.Button, new() { Name = "叫下一位" }).ClickAsync();
            var number = await console.Locator("[data-current-number]").InnerTextAsync();
            if (number == registered.Number)
            {
                break;
            }

            await console.GetByRole(AriaRole.Button, new() { Name = "未到" }).ClickAsync();
        }

        await Assertions.Expect(hall.Locator(".hall-now")).ToContainTextAsync(registered.Number, new() { Timeout = 2000 });
        await Assertions.Expect(hall.Locator(".hall-now")).ToContainTextAsync("接谈窗口1");
        await BrowserFixture.SnapshotAsync(hall, "hall");
        await BrowserFixture.SnapshotAsync(console, "window-console");
    }

    [BrowserFact]
    public async Task WindowConsole_NewRegistration_AppearsInItsQueueWithoutReload()
    {
        var console = await browser.NewPageAsync(app.BaseAddress);
        await console.LogInAsync("window2");
        await console.GotoAsync("/window");
        await console.Locator("form", new() { HasText = "接谈窗口2" }).GetByRole(AriaRole.Button).ClickAsync();
        await console.EvaluateAsync("() => window.__noReload = true");

        var registered = await app.RegisterAsync();

        await Assertions.Expect(console.Locator("section[data-region=queue]")).ToContainTextAsync(registered.Number, new() { Timeout = 2000 });
        Assert.True(await console.EvaluateAsync<bool>("() => window.__noReload === true"));
    }
}
