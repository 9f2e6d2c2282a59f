using Dapper;
using Npgsql;
using OpsBoard.Data;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Audit;
using OpsBoard.Data.Notices;
using Quartz;

namespace OpsBoard.Jobs.Dashboard;

/// <summary>One trigger of a job as Quartz's store has it. Times are UTC.</summary>
public sealed record JobTriggerView(string Key, string Label, TriggerState State, DateTimeOffset? Next, DateTimeOffset? Previous, PauseInfo? Pause);

/// <summary>A job: what Quartz knows of it and its last runs from <c>job_run</c>, newest first.</summary>
public sealed record JobView(
    string Group, string Name, string Label, IReadOnlyList<JobTriggerView> Triggers, IReadOnlyList<JobRun> Runs, int FailuresLastDay)
{
    public string Key => $"{Group}/{Name}";

    public JobRun? LastRun => Runs.Count > 0 ? Runs[0] : null;

    public bool LastRunFailed => LastRun?.Outcome == JobRunOutcome.Failed;

    /// <summary>Paused when its schedule is: some trigger of it is paused (a manual run may still be pending).</summary>
    public bool Paused => Triggers.Any(t => t.State == TriggerState.Paused);

    public bool Running => Triggers.Any(t => t.State == TriggerState.Executing);

    public DateTimeOffset? NextFire => Triggers.Where(t => t.State != TriggerState.Paused).Min(t => t.Next);

    public PauseInfo? Pause => Triggers.Select(t => t.Pause).FirstOrDefault(p => p is not null);
}

/// <summary>The cluster's jobs at one moment: the one read of job state that the system page and the job dashboard share.</summary>
public sealed record JobBoardSnapshot(
    string InstanceId, bool Started, IReadOnlyList<ClusterNode> Nodes, IReadOnlyList<JobView> Jobs, DateTimeOffset ReadAt)
{
    public int FailuresLastDay => Jobs.Sum(j => j.FailuresLastDay);
}

/// <summary>
/// Every Quartz job and trigger — whatever jobs the cluster has, labelled through <see cref="JobNames"/> — with the run
/// history the recorder keeps; and the administrator's actions on them (立即运行, 暂停, 恢复), audited.
/// </summary>
public sealed class JobBoard(ISchedulerFactory schedulers, JobRuns runs, NpgsqlDataSource dataSource, TimeProvider time)
{
    /// <summary>Runs shown per job.</summary>
    public const int RunsPerJob = 10;

    public static readonly TimeSpan FailureWindow = TimeSpan.FromHours(24);

    /// <summary>The label a user reads; a job not yet in <see cref="JobNames"/> still shows, as 未命名任务 with its technical name.</summary>
    public static string JobLabel(string key) => JobNames.Jobs.Contains(key) ? JobNames.Jobs.Label(key) : "未命名任务";

    public static string TriggerLabel(string key) =>
        JobNames.Triggers.Contains(key) ? JobNames.Triggers.Label(key)
        // One-off triggers Quartz makes and names itself: RunAtStartup's, and TriggerJob's for 立即运行.
        : key.StartsWith("QRTZ_STARTUP/", StringComparison.Ordinal) ? "节点启动时"
        : key.StartsWith("DEFAULT/MT_", StringComparison.Ordinal) ? "立即运行"
        : "一次性";

    public async Task<JobBoardSnapshot> ReadAsync(CancellationToken cancellationToken = default)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var now = time.GetUtcNow();
        var jobs = (await scheduler.QueryJobs(new JobQuery(), cancellationToken)).Items;
        var triggers = (await scheduler.QueryTriggers(new TriggerQuery(), cancellationToken)).Items;
        var latest = (await runs.LatestAsync(RunsPerJob, cancellationToken)).ToLookup(r => r.Job, StringComparer.Ordinal);
        var failures = await runs.FailuresSinceAsync(now - FailureWindow, cancellationToken);
        var views = jobs
            .Select(j => j.Key)
            // A job that has gone from Quartz but ran in the last 30 days still shows, so its failures are not lost.
            .Concat(latest.Select(g => g.First()).Select(r => new JobKey(r.JobName, r.JobGroup)))
            .Distinct()
            .Select(key => new JobView(
                key.Group, key.Name, JobLabel($"{key.Group}/{key.Name}"),
                [.. triggers.Where(t => t.JobKey.Equals(key)).Select(t => new JobTriggerView(
                    $"{t.Key.Group}/{t.Key.Name}", TriggerLabel($"{t.Key.Group}/{t.Key.Name}"), t.State,
                    t.NextFireTimeUtc, t.PreviousFireTimeUtc, t.Pause))],
                [.. latest[$"{key.Group}/{key.Name}"]],
                failures.GetValueOrDefault($"{key.Group}/{key.Name}")))
            .OrderBy(v => v.Group, StringComparer.Ordinal).ThenBy(v => v.Name, StringComparer.Ordinal)
            .ToList();
        var started = await scheduler.GetStatus(cancellationToken) == SchedulerStatus.Running;
        return new JobBoardSnapshot(scheduler.SchedulerInstanceId, started, [.. await scheduler.QueryClusterNodes(cancellationToken)], views, now);
    }

    /// <summary>立即运行: one run now, on whichever node picks it up; the schedule is unchanged (also while paused).</summary>
    public Task RunNowAsync(Actor actor, string group, string name, CancellationToken cancellationToken = default) =>
        ChangeAsync(actor, group, name, "job.run_now", cancellationToken, async (scheduler, key) =>
            await scheduler.TriggerJob(key, cancellationToken));

    /// <summary>暂停: the job's triggers stop firing until resumed; Quartz records who paused it and when.</summary>
    public Task PauseAsync(Actor actor, string group, string name, CancellationToken cancellationToken = default) =>
        ChangeAsync(actor, group, name, "job.pause", cancellationToken, async (scheduler, key) =>
        {
            var triggers = await scheduler.GetTriggersOfJob(key, cancellationToken);
            if (triggers.Count == 0)
            {
                throw new RefusedException("该任务没有定时安排，无需暂停。");
            }

            if (await IsPausedAsync(scheduler, key, cancellationToken))
            {
                throw new RefusedException("该任务已经暂停。");
            }

            await scheduler.PauseJobWith(key, new PauseDetails { Reason = "管理员在后台任务页暂停", RequestedBy = await UserNameAsync(actor) }, cancellationToken);
        });

    /// <summary>恢复: the triggers fire again; a time missed while paused fires once at once (Quartz's misfire rule).</summary>
    public Task ResumeAsync(Actor actor, string group, string name, CancellationToken cancellationToken = default) =>
        ChangeAsync(actor, group, name, "job.resume", cancellationToken, async (scheduler, key) =>
        {
            if (!await IsPausedAsync(scheduler, key, cancellationToken))
            {
                throw new RefusedException("该任务没有暂停，无需恢复。");
            }

            await scheduler.ResumeJob(key, cancellationToken);
        });

    static async Task<bool> IsPausedAsync(IScheduler scheduler, JobKey key, CancellationToken cancellationToken)
    {
        foreach (var trigger in await scheduler.GetTriggersOfJob(key, cancellationToken))
        {
            if (await scheduler.GetTriggerState(trigger.Key, cancellationToken) == TriggerState.Paused)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The audit row and Quartz's change cannot share a transaction (Quartz writes through its own connection), so the
    /// audit row is written first and committed only once Quartz has made the change: a change that fails leaves no
    /// row, and a change made is never unaudited short of the database failing between the two.
    /// </summary>
    async Task ChangeAsync(Actor actor, string group, string name, string action, CancellationToken cancellationToken,
        Func<IScheduler, JobKey, Task> change)
    {
        await PermissionGuard.RequireAsync(dataSource, actor, Permission.Administer, null, "job", null);
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var key = new JobKey(name ?? "", group ?? "");
        if (string.IsNullOrEmpty(key.Name) || !await scheduler.Exists(key, cancellationToken))
        {
            throw new RefusedException("没有这个后台任务，请刷新页面后重试。");
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await AuditLog.WriteAsync(connection, transaction, new AuditEntry(action, actor.CenterId, actor.UserId, SubjectKind: "job",
            Detail: new { job = $"{key.Group}/{key.Name}", label = JobLabel($"{key.Group}/{key.Name}") }));
        await change(scheduler, key);
        await transaction.CommitAsync(cancellationToken);
    }

    async Task<string> UserNameAsync(Actor actor)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<string>("SELECT display_name FROM app_user WHERE id = @UserId", new { actor.UserId }) ?? $"#{actor.UserId}";
    }
}
