using System.Net;
using AngleSharp.Dom;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using OpsBoard.Data;
using OpsBoard.Data.Accounts;
using OpsBoard.Jobs.Dashboard;
using Quartz;

namespace OpsBoard.Web.Tests.Admin;

/// <summary>/admin/jobs on the running app: the cluster's jobs and runs, and the administrator's audited actions on them.</summary>
public sealed class JobsPageTests(AppFixture app) : IClassFixture<AppFixture>
{
    const string ClockWatcher = "matters/clock-watcher";
    /// <summary>How Quartz names the one-off trigger of TriggerJob.</summary>
    const string ManualTrigger = "DEFAULT/MT\\_%";
    static readonly JobKey ClockWatcherKey = new("clock-watcher", "matters");

    async Task<long> RunsOfAsync(string group, string name, string trigger = "%")
    {
        await using var connection = await app.Database.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM job_run WHERE job_group = @group AND job_name = @name AND trigger_group || '/' || trigger_name LIKE @trigger",
            new { group, name, trigger });
    }

    /// <summary>Waits for a run to be recorded: the listener writes it as the run ends, so poll the table with a deadline.</summary>
    async Task WaitForRunsAsync(string group, string name, long atLeast, string trigger = "%")
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await RunsOfAsync(group, name, trigger) < atLeast)
        {
            if (DateTime.UtcNow > deadline)
            {
                await using var connection = await app.Database.DataSource.OpenConnectionAsync();
                var triggers = await connection.QueryAsync<string>("SELECT DISTINCT trigger_group || '/' || trigger_name FROM job_run");
                Assert.Fail($"no run of {group}/{name} by {trigger} recorded; runs by: {string.Join(", ", triggers)}");
            }

            await Task.Delay(50);
        }
    }

    async Task<long> AuditRowsAsync(string action)
    {
        await using var connection = await app.Database.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM audit_log WHERE action = @action AND outcome = 'ok' AND detail->>'job' = @job", new { action, job = ClockWatcher });
    }

    async Task<TriggerState> ClockWatcherStateAsync()
    {
        var scheduler = await app.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        var trigger = Assert.Single(await scheduler.GetTriggersOfJob(ClockWatcherKey), t => t.Key.Group == "matters");
        return await scheduler.GetTriggerState(trigger.Key);
    }

    [Fact]
    public async Task Get_Admin_ListsEveryJobInChineseWithItsRuns()
    {
        // Both jobs run once when the node starts.
        await WaitForRunsAsync("matters", "clock-watcher", 1);
        var client = await app.SignInAsync("admin");

        var page = await client.GetPageAsync("/admin/jobs");

        var rows = page.QuerySelectorAll("[data-jobs] tbody tr[data-job]");
        Assert.Contains(rows, r => r.GetAttribute("data-job") == ClockWatcher && r.TextContent.Contains("法定期限临期与超期标记", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.GetAttribute("data-job") == "calendar/calendar-coverage" && r.TextContent.Contains("节假日安排载入检查", StringComparison.Ordinal));
        var watcher = rows.Single(r => r.GetAttribute("data-job") == ClockWatcher);
        Assert.Contains("每分钟", watcher.TextContent, StringComparison.Ordinal);
        Assert.Contains("成功", watcher.QuerySelector("[data-last-run]")!.TextContent, StringComparison.Ordinal);
        Assert.NotEmpty(page.QuerySelectorAll($"[data-runs='{ClockWatcher}'] tr[data-run=ok]"));
    }

    [Fact]
    public async Task RunNow_Admin_RunsTheJobOnceMoreAndAudits()
    {
        await WaitForRunsAsync("matters", "clock-watcher", 1);
        // Counted by Quartz's one-off trigger of TriggerJob, so the every-minute schedule cannot pass for 立即运行.
        var before = await RunsOfAsync("matters", "clock-watcher", ManualTrigger);
        var audited = await AuditRowsAsync("job.run_now");
        var client = await app.SignInAsync("admin");

        var response = await client.SubmitAsync("/admin/jobs", $"run:{ClockWatcher}", new Dictionary<string, string>());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("已安排“法定期限临期与超期标记”立即运行", (await response.ParseAsync()).QuerySelector("[role=status]")!.TextContent, StringComparison.Ordinal);
        await WaitForRunsAsync("matters", "clock-watcher", before + 1, ManualTrigger);
        Assert.Equal(audited + 1, await AuditRowsAsync("job.run_now"));
    }

    [Fact]
    public async Task PauseThenResume_Admin_ChangesQuartzStateAndAuditsEach()
    {
        var client = await app.SignInAsync("admin");
        var paused = await AuditRowsAsync("job.pause");
        var resumed = await AuditRowsAsync("job.resume");
        try
        {
            var response = await client.SubmitAsync("/admin/jobs", $"pause:{ClockWatcher}", new Dictionary<string, string>());
            var page = await response.ParseAsync();

            Assert.Equal(TriggerState.Paused, await ClockWatcherStateAsync());
            Assert.Equal(paused + 1, await AuditRowsAsync("job.pause"));
            var row = page.QuerySelector($"tr[data-job='{ClockWatcher}']")!;
            Assert.Contains("已暂停", row.QuerySelector("[data-state]")!.TextContent, StringComparison.Ordinal);
            // Who paused it, as Quartz recorded it.
            Assert.Contains("暂停", row.QuerySelector("[data-state] .small")!.TextContent, StringComparison.Ordinal);
            Assert.NotNull(page.QuerySelector($"input[name=_handler][value='resume:{ClockWatcher}']"));

            var again = await client.SubmitAsync("/admin/jobs", $"resume:{ClockWatcher}", new Dictionary<string, string>());

            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
            Assert.NotEqual(TriggerState.Paused, await ClockWatcherStateAsync());
            Assert.Equal(resumed + 1, await AuditRowsAsync("job.resume"));
        }
        finally
        {
            var scheduler = await app.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
            await scheduler.ResumeJob(ClockWatcherKey);
        }
    }

    [Fact]
    public async Task Resume_NotPaused_RefusedAndNothingAudited()
    {
        var board = app.Services.GetRequiredService<JobBoard>();
        var admin = await ActorAsync("admin");
        var resumed = await AuditRowsAsync("job.resume");

        var refusal = await Assert.ThrowsAsync<RefusedException>(() => board.ResumeAsync(admin, "matters", "clock-watcher"));

        Assert.Equal("该任务没有暂停，无需恢复。", refusal.Message);
        Assert.Equal(resumed, await AuditRowsAsync("job.resume"));
        await Assert.ThrowsAsync<RefusedException>(() => board.RunNowAsync(admin, "matters", "no-such-job"));
    }

    [Theory]
    [InlineData("clerk")]
    [InlineData("director")]
    public async Task Get_NotAdmin_Forbidden(string login)
    {
        var client = await app.SignInAsync(login);

        var response = await client.GetAsync("/admin/jobs");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/account/denied", response.Headers.Location!.PathAndQuery);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync(response.Headers.Location)).StatusCode);
    }

    [Fact]
    public async Task PostRunNow_NotAdmin_DeniedAndNothingDone()
    {
        var director = await app.SignInAsync("director");
        // A valid form token of the director's own, from a form the director may use.
        var form = await director.GetPageAsync("/matters/new");
        var token = form.QuerySelector<AngleSharp.Html.Dom.IHtmlInputElement>("input[name=__RequestVerificationToken]")!.Value;
        var audited = await AuditRowsAsync("job.run_now");

        var response = await director.PostAsync("/admin/jobs", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["_handler"] = $"run:{ClockWatcher}",
        }));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/account/denied", response.Headers.Location!.PathAndQuery);
        Assert.Equal(audited, await AuditRowsAsync("job.run_now"));
    }

    [Fact]
    public async Task RunNow_NotAdminInDataLayer_ForbiddenAndRefusalAudited()
    {
        var board = app.Services.GetRequiredService<JobBoard>();
        var director = await ActorAsync("director");

        await Assert.ThrowsAsync<ForbiddenException>(() => board.RunNowAsync(director, "matters", "clock-watcher"));

        await using var connection = await app.Database.DataSource.OpenConnectionAsync();
        Assert.True(await connection.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM audit_log WHERE action = 'may.administer' AND outcome = 'refused' AND user_id = @UserId",
            new { director.UserId }) >= 1);
    }

    async Task<Actor> ActorAsync(string login)
    {
        await using var connection = await app.Database.DataSource.OpenConnectionAsync();
        var (id, centerId) = await connection.QuerySingleAsync<(int, int)>("SELECT id, center_id FROM app_user WHERE login = @login", new { login });
        var roles = await connection.QueryAsync<string>("SELECT role FROM user_role WHERE user_id = @id", new { id });
        return new Actor(id, centerId, [.. roles.Select(r => new UserRole(r, null, null))]);
    }
}
