using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Quartz;

namespace OpsBoard.EndToEnd.Tests;

/// <summary>/admin/jobs as the administrator sees it: every job, a failed run in red with its reason, and 立即运行 at work.</summary>
public sealed class JobDashboardTests(AppFixture app, BrowserFixture browser) : IClassFixture<AppFixture>, IClassFixture<BrowserFixture>
{
    /// <summary>A job that always fails, added to the running cluster as any new job would be: the page must list it unchanged.</summary>
    public sealed class AlwaysFailsJob : IJob
    {
        public const string Message = "无法连接数据库（测试）";

        public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException(Message);
    }

    async Task<long> ManualRunsAsync()
    {
        await using var connection = await app.Database.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM job_run WHERE job_group = 'matters' AND job_name = 'clock-watcher' AND trigger_group = 'DEFAULT' AND trigger_name LIKE 'MT\\_%'");
    }

    static readonly JobKey FailingKey = new("always-fails", "test");

    async Task<long> RunsAsync(string group, string name, string? outcome = null)
    {
        await using var connection = await app.Database.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM job_run WHERE job_group = @group AND job_name = @name AND (@outcome::text IS NULL OR outcome = @outcome)",
            new { group, name, outcome });
    }

    async Task FailOnceAsync()
    {
        var before = await RunsAsync(FailingKey.Group, FailingKey.Name, "failed");
        var scheduler = await app.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        await scheduler.AddJob(JobBuilder.Create<AlwaysFailsJob>().WithIdentity(FailingKey).StoreDurably().Build(), AddJobOptions.Replacing);
        await scheduler.TriggerJob(FailingKey);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await RunsAsync(FailingKey.Group, FailingKey.Name, "failed") == before)
        {
            Assert.True(DateTime.UtcNow < deadline, "the failing job's run was never recorded");
            await Task.Delay(50);
        }
    }

    [BrowserTheory]
    [InlineData(1366, 768)]
    [InlineData(1920, 1080)]
    public async Task Admin_FailedRunAndRunNow_FailureInRedAndANewRunRow(int width, int height)
    {
        await FailOnceAsync();
        var page = await browser.NewPageAsync(app.BaseAddress, width, height);
        await page.LogInAsync("admin");
        await page.GotoAsync("/admin/jobs");

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("后台任务");
        var watcher = page.Locator("tr[data-job='matters/clock-watcher']");
        await Assertions.Expect(watcher.Locator("td").First).ToContainTextAsync("法定期限临期与超期标记");
        await Assertions.Expect(page.Locator("tr[data-job='calendar/calendar-coverage'] td").First).ToContainTextAsync("节假日安排载入检查");
        var failing = page.Locator("tr[data-job='test/always-fails']");
        await Assertions.Expect(failing).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("table-danger"));
        await Assertions.Expect(failing.Locator("[data-error]")).ToContainTextAsync(AlwaysFailsJob.Message);
        await Assertions.Expect(page.Locator("[data-failures]")).ToContainTextAsync("近 24 小时共有");
        var failedRun = page.Locator("[data-runs='test/always-fails'] tr[data-run=failed]").First;
        await Assertions.Expect(failedRun).ToBeVisibleAsync();
        Assert.Equal("rgb(248, 215, 218)", await failedRun.Locator("td").First.EvaluateAsync<string>("e => getComputedStyle(e).backgroundColor"));
        // The whole table, its actions included, fits the screen: nothing to scroll sideways for.
        var table = await page.Locator("[data-jobs]").BoundingBoxAsync();
        Assert.True(table!.X + table.Width <= width, $"the job table is {table.Width}px wide on a {width}px screen");
        var button = await watcher.GetByRole(AriaRole.Button, new() { Name = "立即运行" }).BoundingBoxAsync();
        Assert.True(button!.X + button.Width <= width, "立即运行 is off the screen");
        await BrowserFixture.SnapshotAsync(page, $"admin-jobs-{width}");

        var manualRuns = page.Locator("[data-runs='matters/clock-watcher'] tr[data-run]", new() { HasText = "立即运行" });
        var before = await manualRuns.CountAsync();
        Assert.Equal(before, await ManualRunsAsync());
        await watcher.GetByRole(AriaRole.Button, new() { Name = "立即运行" }).ClickAsync();
        await Assertions.Expect(page.Locator("[role=status]")).ToContainTextAsync("已安排“法定期限临期与超期标记”立即运行");

        // The page is static: once the run is recorded, the admin's next look shows it.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await ManualRunsAsync() <= before)
        {
            Assert.True(DateTime.UtcNow < deadline, "立即运行 produced no recorded run");
            await Task.Delay(50);
        }

        await page.GotoAsync("/admin/jobs");
        Assert.Equal(before + 1, await manualRuns.CountAsync());
        await Assertions.Expect(manualRuns.First.Locator(".badge")).ToHaveTextAsync("成功");
        await BrowserFixture.SnapshotAsync(page, $"admin-jobs-run-now-{width}");
    }
}
