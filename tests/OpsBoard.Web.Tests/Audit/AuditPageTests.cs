using System.Net;
using System.Text;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace OpsBoard.Web.Tests.Audit;

/// <summary>/admin/audit on the running app: the auditor searches and exports the log; nobody else, the admin included.</summary>
public sealed class AuditPageTests(AppFixture app) : IClassFixture<AppFixture>
{
    async Task<long> RowsAsync(string action, string login)
    {
        await using var connection = await app.Database.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>("""
            SELECT count(*)
            FROM audit_log a
            JOIN app_user u ON u.id = a.user_id
            WHERE a.action = @action AND u.login = @login
            """, new { action, login });
    }

    [Fact]
    public async Task Get_Auditor_ShowsTheLogFilteredByAction_AndAuditsTheSearch()
    {
        var client = await app.SignInAsync("auditor");
        var searches = await RowsAsync("audit.search", "auditor");

        var page = await client.GetPageAsync("/admin/audit?action=account.sign_in&actor=auditor");

        var rows = page.QuerySelectorAll("[data-audit-rows] tbody tr");
        Assert.NotEmpty(rows);
        Assert.All(rows, r => Assert.Equal("account.sign_in", r.GetAttribute("data-action")));
        Assert.Contains(rows, r => r.TextContent.Contains("登录", StringComparison.Ordinal) && r.TextContent.Contains("auditor", StringComparison.Ordinal));
        Assert.Equal("auditor", page.QuerySelector("#actor")!.GetAttribute("value"));
        Assert.Contains("/admin/audit/export.csv?", page.QuerySelector("[data-export=csv]")!.GetAttribute("href"), StringComparison.Ordinal);
        Assert.Equal(searches + 1, await RowsAsync("audit.search", "auditor"));
    }

    [Fact]
    public async Task Get_BadDateAndCursor_ShowsTheListWithANote()
    {
        var client = await app.SignInAsync("auditor");

        var page = await client.GetPageAsync("/admin/audit?from=2026-13-45&after=nonsense");

        var notes = page.QuerySelectorAll("[data-note]").Select(n => n.TextContent).ToList();
        Assert.Contains(notes, n => n.Contains("不是有效日期", StringComparison.Ordinal));
        Assert.Contains(notes, n => n.Contains("翻页位置无效", StringComparison.Ordinal));
        Assert.NotEmpty(page.QuerySelectorAll("[data-audit-rows] tbody tr"));
    }

    [Theory]
    [InlineData("admin")]
    [InlineData("director")]
    [InlineData("clerk")]
    [InlineData("stats")]
    [InlineData("leader")]
    public async Task Get_AnyoneButTheAuditor_IsRefusedAndTheRefusalAudited(string login)
    {
        var client = await app.SignInAsync(login);
        var denied = await RowsAsync("page.denied", login);

        var response = await client.GetAsync("/admin/audit");
        var export = await client.GetAsync("/admin/audit/export.csv");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/account/denied", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync(response.Headers.Location)).StatusCode);
        Assert.NotEqual(HttpStatusCode.OK, export.StatusCode);
        Assert.Equal(denied + 2, await RowsAsync("page.denied", login));
    }

    [Fact]
    public async Task Get_Auditor_CannotAdministerUsersOrSettings()
    {
        var client = await app.SignInAsync("auditor");

        foreach (var path in new[] { "/admin/users", "/admin/devices", "/admin/jobs", "/admin/rules" })
        {
            var response = await client.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location!.PathAndQuery.StartsWith("/account/denied", StringComparison.Ordinal),
                $"{path}: {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task ExportCsv_Auditor_Utf8BomWithTheFilteredRows_AndAudited()
    {
        var client = await app.SignInAsync("auditor");
        var exports = await RowsAsync("audit.export", "auditor");

        var response = await client.GetAsync("/admin/audit/export.csv?action=account.");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/csv", response.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
        Assert.Contains("审计日志", response.Content.Headers.ContentDisposition!.FileNameStar, StringComparison.Ordinal);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal([0xEF, 0xBB, 0xBF], bytes[..3]);
        var lines = Encoding.UTF8.GetString(bytes[3..]).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("序号,时间,操作", lines[0], StringComparison.Ordinal);
        Assert.All(lines.Skip(1), l => Assert.Contains(",account.", l, StringComparison.Ordinal));
        Assert.Equal(exports + 1, await RowsAsync("audit.export", "auditor"));
    }

    [Fact]
    public async Task ExportXlsx_Auditor_IsAWorkbook()
    {
        var client = await app.SignInAsync("auditor");

        var response = await client.GetAsync("/admin/audit/export.xlsx?action=account.sign_in");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", response.Content.Headers.ContentType!.MediaType);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal("PK"u8.ToArray(), bytes[..2]);
    }

    [Fact]
    public async Task PostRetention_BelowSixMonths_IsRefusedWithTheReason_ThenAValidValueIsSaved()
    {
        var client = await app.SignInAsync("auditor");

        var refused = await client.SubmitAsync("/admin/audit", "retention", new Dictionary<string, string> { ["RetentionDays"] = "90" });
        var refusedPage = await refused.ParseAsync();
        var saved = await client.SubmitAsync("/admin/audit", "retention", new Dictionary<string, string> { ["RetentionDays"] = "400" });
        var savedPage = await saved.ParseAsync();

        Assert.Contains("至少留存六个月", refusedPage.QuerySelector("[role=alert]")!.TextContent, StringComparison.Ordinal);
        Assert.Equal("90", refusedPage.QuerySelector("#retention-days")!.GetAttribute("value"));
        Assert.Contains("400 天", savedPage.QuerySelector("[role=status]")!.TextContent, StringComparison.Ordinal);
        Assert.Equal(1, await RowsAsync("audit.retention_set", "auditor"));
    }

    [Fact]
    public async Task RetentionJob_ListedOnAdminJobsInChinese_AndRunNowPurgesThroughTheFunction()
    {
        var admin = await app.SignInAsync("admin");
        await using (var connection = await app.Database.DataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("INSERT INTO audit_log (action, at) VALUES ('test.ancient', now() - interval '20 years')");
        }

        var jobs = await admin.GetPageAsync("/admin/jobs");
        var row = jobs.QuerySelector("tr[data-job='audit/retention']");
        Assert.NotNull(row);
        Assert.Contains("审计日志过期清理", row!.TextContent, StringComparison.Ordinal);
        Assert.Contains("每晚 3:15", row.TextContent, StringComparison.Ordinal);

        var scheduler = await app.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        await scheduler.TriggerJob(new JobKey("retention", "audit"));

        var deadline = DateTime.UtcNow.AddSeconds(30);
        await using var check = await app.Database.DataSource.OpenConnectionAsync();
        while (await check.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM audit_log WHERE action = 'test.ancient')"))
        {
            Assert.True(DateTime.UtcNow < deadline, "the retention job never removed the twenty-year-old row");
            await Task.Delay(50);
        }

        Assert.True(await check.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM audit_log WHERE action = 'audit.purged')"));
        Assert.True(await check.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM audit_log WHERE action = 'account.sign_in')"));
    }
}
