using Microsoft.Playwright;

namespace OpsBoard.EndToEnd.Tests;

/// <summary>What window officers see when a visitor or a window changes hands.</summary>
public sealed class WindowHandoverTests(AppFixture app, BrowserFixture browser) : IClassFixture<AppFixture>, IClassFixture<BrowserFixture>
{
    [BrowserFact]
    public async Task Transfer_KeepsThePetitionersNumber_AtTheJointWindow()
    {
        var registered = await app.RegisterAsync();
        var reception = await SignedInConsoleAsync("clerk", "接谈窗口2");
        await CallUntilAsync(reception, registered.Number);
        await reception.GetByRole(AriaRole.Button, new() { Name = "开始接谈" }).ClickAsync();

        var target = await reception.Locator("#target option", new() { HasText = "联合接访窗口1" }).First.GetAttributeAsync("value");
        await reception.Locator("#target").SelectOptionAsync(target!);
        await reception.Locator("#placement").SelectOptionAsync("Front");
        await reception.GetByRole(AriaRole.Button, new() { Name = "转窗口" }).ClickAsync();

        await Assertions.Expect(reception.GetByRole(AriaRole.Status)).ToContainTextAsync($"{registered.Number} 号已转至");
        await Assertions.Expect(reception.GetByRole(AriaRole.Status)).ToContainTextAsync("号码不变");
        var joint = await SignedInConsoleAsync("clerk2", "联合接访窗口1");
        await Assertions.Expect(joint.Locator("section[data-region=queue]")).ToContainTextAsync(registered.Number);
        await joint.GetByRole(AriaRole.Button, new() { Name = "叫下一位" }).ClickAsync();
        await Assertions.Expect(joint.Locator("[data-current-number]")).ToHaveTextAsync(registered.Number);
        await BrowserFixture.SnapshotAsync(reception, "window-transfer-message");
    }

    [BrowserFact]
    public async Task TakingOverAHeldWindow_AsksFirst_AndTellsThePreviousHolder()
    {
        var holder = await SignedInConsoleAsync("window", "接谈窗口3");
        var successor = await SignInPageAsync("window2");
        var card = successor.Locator("form", new() { HasText = "接谈窗口3" });
        await Assertions.Expect(card).ToContainTextAsync("当前：李文静");

        await card.GetByRole(AriaRole.Button, new() { Name = "接替此窗口" }).ClickAsync();
        await Assertions.Expect(successor.GetByRole(AriaRole.Alert)).ToContainTextAsync("接谈窗口3现由李文静签到");
        await BrowserFixture.SnapshotAsync(successor, "window-takeover-confirm");
        await successor.Locator("form", new() { HasText = "接谈窗口3" }).GetByRole(AriaRole.Button, new() { Name = "确认接替" }).ClickAsync();

        await Assertions.Expect(successor.GetByRole(AriaRole.Heading, new() { Name = "接谈窗口3", Exact = true })).ToBeVisibleAsync();
        // The previous holder's open console learns it by itself, within seconds, without anyone pressing a key.
        await Assertions.Expect(holder.Locator("[data-taken-over]")).ToContainTextAsync("由", new() { Timeout = 10_000 });
        await Assertions.Expect(holder.Locator("[data-taken-over]")).ToContainTextAsync("接谈窗口3");
        await Assertions.Expect(holder.Locator(".alert-danger")).ToHaveCountAsync(0);
        await BrowserFixture.SnapshotAsync(holder, "window-taken-over");
    }

    /// <summary>The window sign-in page for a user, signed out first from wherever the demo's floor put them.</summary>
    async Task<IPage> SignInPageAsync(string login)
    {
        var page = await browser.NewPageAsync(app.BaseAddress);
        await page.LogInAsync(login);
        await page.GotoAsync("/window");
        var signOut = page.GetByRole(AriaRole.Button, new() { Name = "签退" });
        if (await signOut.CountAsync() > 0)
        {
            await signOut.ClickAsync();
        }

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "窗口签到" })).ToBeVisibleAsync();
        return page;
    }

    async Task<IPage> SignedInConsoleAsync(string login, string window)
    {
        var page = await SignInPageAsync(login);
        var card = page.Locator("form", new() { HasText = window });
        await card.GetByRole(AriaRole.Button).First.ClickAsync();
        var confirm = page.Locator("form", new() { HasText = window }).GetByRole(AriaRole.Button, new() { Name = "确认接替" });
        if (await confirm.CountAsync() > 0)
        {
            await confirm.ClickAsync();
        }

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = window, Exact = true })).ToBeVisibleAsync();
        return page;
    }

    static async Task CallUntilAsync(IPage console, string number)
    {
        // The demo floor may already have people waiting: call and mark no-show until ours comes up.
        for (var i = 0; i < 60; i++)
        {
            await console.GetByRole(AriaRole.Button, new() { Name = "叫下一位" }).ClickAsync();
            if (await console.Locator("[data-current-number]").InnerTextAsync() == number)
            {
                return;
            }

            await console.GetByRole(AriaRole.Button, new() { Name = "未到" }).ClickAsync();
        }

        Assert.Fail($"{number} was never called");
    }
}
