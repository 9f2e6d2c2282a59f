using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using OpsBoard.Data.Reception;
using OpsBoard.Data.Screens;

namespace OpsBoard.EndToEnd.Tests;

public static class ScreenHelpers
{
    public static async Task<string> DeviceTokenAsync(this AppFixture app, string name = "测试大屏", string screen = ScreenKinds.Wall)
    {
        var devices = app.Services.GetRequiredService<DeviceTokens>();
        var (_, token) = await devices.CreateAsync(centerId: 1, name, userId: 1, screen);
        return token;
    }

    public static async Task LogInAsync(this IPage page, string login)
    {
        await page.GotoAsync("/account/login");
        await page.GetByLabel("用户名").FillAsync(login);
        await page.GetByLabel("密码").FillAsync("Demo@2026");
        await page.GetByRole(AriaRole.Button, new() { Name = "登录" }).ClickAsync();
        try
        {
            await page.WaitForURLAsync(url => !url.Contains("/account/login", StringComparison.Ordinal), new() { Timeout = 15_000 });
        }
        catch (TimeoutException)
        {
            // Say what the person would see instead of a bare timeout.
            var shown = await page.Locator("main").InnerTextAsync();
            throw new InvalidOperationException($"Login as {login} did not leave the login page ({page.Url}): {shown}");
        }
    }

    /// <summary>The number shown in a wall totals tile, e.g. 来访批次.</summary>
    public static async Task<int> TotalAsync(this IPage wall, string label)
    {
        var text = await wall.Locator($"section[data-region=totals] dl.totals > div:has(dt:text-is('{label}')) > dd").InnerTextAsync();
        return int.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Waits until the tile shows the expected value; returns how long that took.</summary>
    public static async Task<TimeSpan> WaitForTotalAsync(this IPage wall, string label, int expected, float timeoutMs = 10_000)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        await wall.WaitForFunctionAsync(
            "([label, expected]) => [...document.querySelectorAll('section[data-region=totals] dt')]" +
            ".some(dt => dt.textContent === label && Number(dt.nextElementSibling.textContent) === expected)",
            new object[] { label, expected }, new() { Timeout = timeoutMs, PollingInterval = 20 });
        return started.Elapsed;
    }

    /// <summary>Registers a visit straight through the app's own service, as the desk does; returns after commit.</summary>
    public static async Task<Registered> RegisterAsync(this AppFixture app, int headcount = 1, int lineIndex = 0)
    {
        var desk = app.Services.GetRequiredService<DeskQueries>();
        var line = (await desk.ServiceLinesAsync(1))[lineIndex];
        var first17 = $"3306991985{Random.Shared.Next(1, 12):00}{Random.Shared.Next(1, 28):00}{Random.Shared.Next(0, 999):000}";
        return await app.Services.GetRequiredService<VisitRegistry>().RegisterAsync(new RegisterVisit
        {
            CenterId = 1,
            UserId = 1,
            RequestKey = Guid.NewGuid(),
            Principal = new Visitor("测试来访人", first17 + OpsBoard.Data.Personal.ChineseIdNumber.CheckCharacterOf(first17), null),
            Headcount = headcount,
            Category = "urban_construction",
            Summary = "端到端测试登记",
            ServiceLineId = int.Parse(line.Value, System.Globalization.CultureInfo.InvariantCulture),
        });
    }
}
