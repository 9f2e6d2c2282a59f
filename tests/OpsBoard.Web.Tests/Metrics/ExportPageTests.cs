using System.Globalization;
using System.Net;
using System.Text.Json;
using Dapper;

namespace OpsBoard.Web.Tests.Metrics;

/// <summary>The export page over HTTP: request, progress, the file with its Chinese name, and only for the one who asked.</summary>
public sealed class ExportPageTests(AppFixture app) : IClassFixture<AppFixture>
{
    static string LastMonth => DateTime.UtcNow.AddHours(8).AddMonths(-1).ToString("yyyy-MM", CultureInfo.InvariantCulture);

    async Task<int> ExportsOfAsync(string login)
    {
        await using var connection = await app.Database.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM metric_export e JOIN app_user u ON u.id = e.user_id WHERE u.login = @login", new { login });
    }

    /// <summary>Reads the status as the progress bar does, until the export is finished or the deadline passes.</summary>
    static async Task<JsonElement> FinishedAsync(HttpClient client, string path)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var status = JsonDocument.Parse(await client.GetStringAsync(path + "/status")).RootElement;
            if (status.GetProperty("done").GetBoolean() || status.GetProperty("failed").GetBoolean() || DateTime.UtcNow > deadline)
            {
                return status;
            }

            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Export_Xlsx_RedirectsToItsProgressAndTheFileComesWithItsChineseName()
    {
        var stats = await app.SignInAsync("stats");

        var response = await stats.SubmitAsync("/metrics/export", "export", new Dictionary<string, string>
        {
            ["Input.Month"] = LastMonth,
            ["Input.Format"] = "xlsx",
        });

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var progress = response.Headers.Location!.AbsolutePath;
        Assert.Matches("^/metrics/exports/[0-9]+$", progress);
        var page = await stats.GetPageAsync(progress);
        Assert.NotNull(page.QuerySelector("[role=progressbar]"));
        var status = await FinishedAsync(stats, progress);
        Assert.True(status.GetProperty("done").GetBoolean(), status.ToString());
        Assert.StartsWith("完成", status.GetProperty("text").GetString(), StringComparison.Ordinal);

        using var file = await stats.GetAsync(progress + "/file");
        Assert.Equal(HttpStatusCode.OK, file.StatusCode);
        Assert.Equal("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", file.Content.Headers.ContentType!.MediaType);
        Assert.Equal($"考核指标_{LastMonth}_全中心.xlsx", file.Content.Headers.ContentDisposition!.FileNameStar);
        Assert.Contains("filename*=UTF-8''%E8%80%83%E6%A0%B8", file.Content.Headers.GetValues("Content-Disposition").Single(), StringComparison.Ordinal);
        Assert.Equal("PK"u8.ToArray(), (await file.Content.ReadAsByteArrayAsync()).Take(2));

        // Someone else, even one who may export too, finds nothing there.
        var director = await app.SignInAsync("director");
        Assert.Equal(HttpStatusCode.NotFound, (await director.GetAsync(progress + "/file")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await director.GetAsync(progress + "/status")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await director.GetAsync(progress)).StatusCode);
        // …and it is listed under 我的导出 for the one who asked.
        var list = await stats.GetPageAsync("/metrics/export");
        Assert.Contains(list.QuerySelectorAll("a"), a => a.GetAttribute("href") == progress + "/file");
    }

    [Fact]
    public async Task Export_Csv_OffersTheItemsAndTheSummaryAsTwoFiles()
    {
        var stats = await app.SignInAsync("stats");
        var response = await stats.SubmitAsync("/metrics/export", "export", new Dictionary<string, string>
        {
            ["Input.Month"] = LastMonth,
            ["Input.Format"] = "csv",
        });
        var progress = response.Headers.Location!.AbsolutePath;
        Assert.True((await FinishedAsync(stats, progress)).GetProperty("done").GetBoolean());

        var items = await stats.GetByteArrayAsync(progress + "/file");
        var summary = await stats.GetAsync(progress + "/summary");

        Assert.Equal([0xEF, 0xBB, 0xBF], items.Take(3));
        Assert.Equal($"考核指标汇总_{LastMonth}_全中心.csv", summary.Content.Headers.ContentDisposition!.FileNameStar);
        Assert.StartsWith("\uFEFF指标,分子,分母,值", System.Text.Encoding.UTF8.GetString(await summary.Content.ReadAsByteArrayAsync()), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2026-13", "格式不正确")]
    [InlineData("2099-01", "尚未开始")]
    public async Task Export_BadMonth_SaysWhyKeepsTheFormAndCreatesNothing(string month, string message)
    {
        var director = await app.SignInAsync("director");
        var before = await ExportsOfAsync("director");

        var response = await director.SubmitAsync("/metrics/export", "export", new Dictionary<string, string>
        {
            ["Input.Month"] = month,
            ["Input.Format"] = "csv",
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await response.ParseAsync();
        Assert.Contains(message, page.QuerySelector("[role=alert]")!.TextContent, StringComparison.Ordinal);
        Assert.Equal(month, page.QuerySelector("#month")!.GetAttribute("value"));
        Assert.NotNull(page.QuerySelector("#format-csv[checked]"));
        Assert.Equal(before, await ExportsOfAsync("director"));
    }

    [Fact]
    public async Task Export_UnitLeaderAsksForAnotherUnit_403WithTheReasonAndAnAuditRow()
    {
        var leader = await app.SignInAsync("leader2");
        await using var connection = await app.Database.DataSource.OpenConnectionAsync();
        var otherUnit = await connection.ExecuteScalarAsync<int>("""
            SELECT min(id) FROM unit
            WHERE kind = 'department'
              AND id NOT IN (SELECT r.unit_id FROM user_role r JOIN app_user u ON u.id = r.user_id WHERE u.login = 'leader2' AND r.unit_id IS NOT NULL)
            """);

        var response = await leader.SubmitAsync("/metrics/export", "export", new Dictionary<string, string>
        {
            ["Input.Month"] = LastMonth,
            ["Input.UnitId"] = otherUnit.ToString(CultureInfo.InvariantCulture),
            ["Input.Format"] = "xlsx",
        });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.NotEmpty((await response.ParseAsync()).QuerySelector("[role=alert]")!.TextContent);
        Assert.Equal(0, await ExportsOfAsync("leader2"));
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM audit_log WHERE action = 'may.view_metrics' AND outcome = 'refused' AND unit_id = @otherUnit", new { otherUnit }));
    }
}
