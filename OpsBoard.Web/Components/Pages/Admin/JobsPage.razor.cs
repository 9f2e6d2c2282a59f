using System.Globalization;
using Microsoft.AspNetCore.Components;
using OpsBoard.Data;
using OpsBoard.Data.Notices;
using OpsBoard.Jobs.Dashboard;
using OpsBoard.Web.Accounts;
using OpsBoard.Web.Components.Shared;
using Quartz;

namespace OpsBoard.Web.Components.Pages.Admin;

/// <summary>
/// /admin/jobs: every background job of the cluster with its schedule, state and last runs, failures in red; 立即运行,
/// 暂停 and 恢复 for the administrator. What it shows and does comes from <see cref="JobBoard"/>.
/// </summary>
public partial class JobsPage
{
    [Inject]
    JobBoard Board { get; set; } = default!;

    [Inject]
    ILogger<JobsPage> Logger { get; set; } = default!;

    [CascadingParameter]
    HttpContext HttpContext { get; set; } = default!;

    JobBoardSnapshot? board;
    ActionOutcome? outcome;

    protected override async Task OnInitializedAsync() => board = await Board.ReadAsync();

    async Task RunNowAsync(JobView job) =>
        await ActAsync(() => Board.RunNowAsync(UserPrincipal.Actor(HttpContext.User), job.Group, job.Name),
            $"已安排“{job.Label}”立即运行，完成后运行记录出现在下方（刷新本页查看）。");

    async Task PauseAsync(JobView job) =>
        await ActAsync(() => Board.PauseAsync(UserPrincipal.Actor(HttpContext.User), job.Group, job.Name),
            $"已暂停“{job.Label}”，恢复前不会按时运行。");

    async Task ResumeAsync(JobView job) =>
        await ActAsync(() => Board.ResumeAsync(UserPrincipal.Actor(HttpContext.User), job.Group, job.Name),
            $"已恢复“{job.Label}”。");

    async Task ActAsync(Func<Task> action, string success)
    {
        outcome = await ActionOutcome.RunAsync(HttpContext, Logger, action, success);
        if (!outcome.Unavailable)
        {
            board = await Board.ReadAsync();
        }
    }

    static string StateLabel(TriggerState state) => state switch
    {
        TriggerState.Normal => "正常",
        TriggerState.Paused => "已暂停",
        TriggerState.Executing => "运行中",
        TriggerState.Blocked => "等待上次运行结束",
        TriggerState.Error => "出错",
        TriggerState.Complete => "已完成",
        TriggerState.Awaiting => "等待中",
        _ => "—",
    };

    static string StateCss(TriggerState state) => state switch
    {
        TriggerState.Normal => "text-bg-success",
        TriggerState.Executing => "text-bg-primary",
        TriggerState.Paused or TriggerState.Blocked => "text-bg-warning",
        TriggerState.Error => "text-bg-danger",
        _ => "text-bg-secondary",
    };

    static string OutcomeCss(string outcome) => outcome switch
    {
        JobRunOutcome.Ok => "text-bg-success",
        JobRunOutcome.Failed => "text-bg-danger",
        _ => "text-bg-secondary",
    };

    static string Local(DateTimeOffset at) => at.ToOffset(ChinaTime.Offset).ToString("MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    static string Local(DateTime utc) => Local(ChinaTime.Utc(utc));

    static string Duration(long ms) => ms switch
    {
        < 1000 => $"{ms} 毫秒",
        < 60_000 => $"{ms / 1000.0:0.#} 秒",
        _ => $"{ms / 60_000} 分 {ms % 60_000 / 1000} 秒",
    };
}
