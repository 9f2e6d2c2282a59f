using Microsoft.Playwright;

namespace OpsBoard.EndToEnd.Tests;

public sealed class LoginTests(AppFixture app, BrowserFixture browser) : IClassFixture<AppFixture>, IClassFixture<BrowserFixture>
{
    [BrowserFact]
    public async Task DemoDirector_LogsIn_SeesHomePageInChinese()
    {
        var page = await browser.NewPageAsync(app.BaseAddress);

        await page.GotoAsync("/");
        await page.GetByLabel("用户名").FillAsync("director");
        await page.GetByLabel("密码").FillAsync("Demo@2026");
        await page.GetByRole(AriaRole.Button, new() { Name = "登录" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("云溪县群众来访接待中心");
        await Assertions.Expect(page.GetByText("今日来访人数")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "退出登录" })).ToBeVisibleAsync();
        Directory.CreateDirectory(Path.Combine(SourceTree.Root, "tests", "screenshots"));
        await page.ScreenshotAsync(new() { Path = Path.Combine(SourceTree.Root, "tests", "screenshots", "home-director.png"), FullPage = true });
    }

    [BrowserFact]
    public async Task WrongPassword_ShowsMessage_StaysOnLogin()
    {
        var page = await browser.NewPageAsync(app.BaseAddress);

        await page.GotoAsync("/account/login");
        await page.GetByLabel("用户名").FillAsync("director");
        await page.GetByLabel("密码").FillAsync("wrong-password");
        await page.GetByRole(AriaRole.Button, new() { Name = "登录" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("用户名或密码不正确。");
        Assert.EndsWith("/account/login", new Uri(page.Url).AbsolutePath);
    }
}
