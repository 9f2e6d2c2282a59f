using Microsoft.Playwright;

namespace OpsBoard.EndToEnd.Tests;

/// <summary>大屏设备 as the admin sees it: a hall token with an expiry, its one address shown once, the list saying its kind.</summary>
public sealed class DeviceTokensPageTests(AppFixture app, BrowserFixture browser) : IClassFixture<AppFixture>, IClassFixture<BrowserFixture>
{
    [BrowserFact]
    public async Task Admin_CreatesHallTokenWithExpiry_SeesOneHallAddressThatOpensTheHallOnly()
    {
        foreach (var (width, height) in new[] { (1366, 768), (1920, 1080) })
        {
            var page = await browser.NewPageAsync(app.BaseAddress, width, height);
            await page.LogInAsync("admin");
            await page.GotoAsync("/admin/devices");
            await page.GetByLabel("设备名称").FillAsync($"一楼叫号屏{width}");
            await page.GetByLabel("屏幕类型").SelectOptionAsync(new SelectOptionValue { Label = "叫号屏" });
            await page.GetByLabel("有效天数（空为长期）").FillAsync("30");
            await page.GetByRole(AriaRole.Button, new() { Name = "生成令牌" }).ClickAsync();

            var address = page.Locator("[data-screen-url]");
            await Assertions.Expect(address).ToHaveCountAsync(1);
            var url = new Uri(await address.InnerTextAsync());
            Assert.Equal("/hall", url.AbsolutePath);
            var row = page.Locator("tbody tr", new() { HasText = $"一楼叫号屏{width}" });
            await Assertions.Expect(row).ToContainTextAsync("叫号屏");
            await Assertions.Expect(row).Not.ToContainTextAsync("长期");
            await BrowserFixture.SnapshotAsync(page, $"admin-devices-{width}");

            var screen = await browser.NewPageAsync(app.BaseAddress, 1920, 1080);
            var hall = await screen.GotoAsync(url.PathAndQuery);
            Assert.Equal(200, hall!.Status);
            var wall = await screen.GotoAsync(url.PathAndQuery.Replace("/hall", "/wall", StringComparison.Ordinal));
            Assert.Equal(403, wall!.Status);
        }
    }
}
