using System.Globalization;
using DocumentFormat.OpenXml.Packaging;
using Microsoft.Playwright;

namespace OpsBoard.EndToEnd.Tests;

/// <summary>The statistician exports a month as a person does: the form, the progress bar reaching 完成, the download.</summary>
public sealed class MetricsExportTests(AppFixture app, BrowserFixture browser) : IClassFixture<AppFixture>, IClassFixture<BrowserFixture>
{
    [BrowserFact]
    public async Task Statistician_ExportsLastMonthAsXlsx_WatchesItFinishAndDownloadsTheWorkbook()
    {
        var page = await browser.NewPageAsync(app.BaseAddress, 1366, 768);
        await page.LogInAsync("stats");
        await page.GetByRole(AriaRole.Link, new() { Name = "考核指标" }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "导出 xlsx / csv" }).ClickAsync();
        var lastMonth = DateTime.UtcNow.AddHours(8).AddMonths(-1).ToString("yyyy-MM", CultureInfo.InvariantCulture);
        await Assertions.Expect(page.GetByLabel("月份")).ToHaveValueAsync(lastMonth);
        await BrowserFixture.SnapshotAsync(page, "metrics-export-1366");

        await page.GetByLabel("Excel 工作簿（xlsx）").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "开始导出" }).ClickAsync();

        await page.WaitForURLAsync(url => url.Contains("/metrics/exports/", StringComparison.Ordinal));
        var bar = page.GetByRole(AriaRole.Progressbar, new() { Name = "导出进度" });
        await Assertions.Expect(bar).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("完成", new() { Timeout = 60_000 });
        await Assertions.Expect(bar).ToHaveAttributeAsync("aria-valuenow", "100");
        var link = page.GetByRole(AriaRole.Link, new() { Name = $"下载 考核指标_{lastMonth}_全中心.xlsx" });
        await Assertions.Expect(link).ToBeVisibleAsync();
        await BrowserFixture.SnapshotAsync(page, "metrics-export-done-1366");

        var download = await page.RunAndWaitForDownloadAsync(() => link.ClickAsync());

        Assert.Equal($"考核指标_{lastMonth}_全中心.xlsx", download.SuggestedFilename);
        var path = Path.Combine(Path.GetTempPath(), $"opsboard-e2e-{Guid.NewGuid():N}.xlsx");
        await download.SaveAsAsync(path);
        try
        {
            using var workbook = SpreadsheetDocument.Open(path, false);
            Assert.Equal(3, workbook.WorkbookPart!.WorksheetParts.Count());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [BrowserFact]
    public async Task ExportPage_At1920_FormInOneRowAndTheListBelow()
    {
        var page = await browser.NewPageAsync(app.BaseAddress, 1920, 1080);
        await page.LogInAsync("stats");
        await page.GotoAsync("/metrics/export");

        var month = (await page.GetByLabel("月份").BoundingBoxAsync())!;
        var button = (await page.GetByRole(AriaRole.Button, new() { Name = "开始导出" }).BoundingBoxAsync())!;
        var list = (await page.GetByRole(AriaRole.Heading, new() { Name = "我的导出" }).BoundingBoxAsync())!;
        var width = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");

        Assert.InRange(button.Y, month.Y - 60, month.Y + 60);
        Assert.True(list.Y > button.Y + button.Height, "我的导出 comes below the form");
        Assert.True(width <= 1920, $"the page is {width} px wide");
        await BrowserFixture.SnapshotAsync(page, "metrics-export-1920");
    }
}
