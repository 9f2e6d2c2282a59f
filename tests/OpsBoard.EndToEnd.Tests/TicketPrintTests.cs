using Microsoft.Playwright;

namespace OpsBoard.EndToEnd.Tests;

/// <summary>The ticket as the receipt printer gets it.</summary>
public sealed class TicketPrintTests(AppFixture app, BrowserFixture browser) : IClassFixture<AppFixture>, IClassFixture<BrowserFixture>
{
    [BrowserFact]
    public async Task TicketPrint_PrintMedia_ShowsTheSlipAloneWithin80mm()
    {
        var registered = await app.RegisterAsync();
        var page = await browser.NewPageAsync(app.BaseAddress, 1366, 768);
        await page.LogInAsync("clerk");
        await page.GotoAsync($"/desk/ticket/{registered.TicketId}");

        await page.EmulateMediaAsync(new() { Media = Media.Print });

        await Assertions.Expect(page.Locator(".navbar")).ToBeHiddenAsync();
        await Assertions.Expect(page.GetByText("打印凭条")).ToBeHiddenAsync();
        var slip = (await page.Locator(".ticket-print").BoundingBoxAsync())!;
        Assert.InRange(slip.Width, 200, 80 / 25.4 * 96); // at most 80 mm at 96 px per inch
        Assert.InRange(slip.X, 0, 20);
        await Assertions.Expect(page.Locator("[data-ticket-number]")).ToHaveTextAsync(registered.Number);
        Assert.False(await page.GetByText("张晓燕").IsVisibleAsync()); // the clerk's name is not on the slip
        await BrowserFixture.SnapshotAsync(page, "ticket-print");
        var pdf = System.Text.Encoding.Latin1.GetString(await page.PdfAsync(new() { PreferCSSPageSize = true }));
        var mediaBox = System.Text.RegularExpressions.Regex.Match(pdf, @"/MediaBox \[0 0 ([\d.]+) ");
        Assert.True(mediaBox.Success, "the printed ticket has no page size");
        Assert.InRange(double.Parse(mediaBox.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), 225, 229); // 80 mm in points
    }
}
