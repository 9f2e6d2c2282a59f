using System.Collections.Concurrent;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OpsBoard.Data.Notices;
using OpsBoard.Jobs.History;
using Quartz;

namespace OpsBoard.Jobs.Tests;

/// <summary>Every run of a job lands in job_run through the recorder, whatever the job did, and a history write never fails a job.</summary>
public sealed class JobRunHistoryTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    /// <summary>Succeeds, or throws when asked to; signals the test once the run, and so its recording, is over.</summary>
    public sealed class ProbeJob : IJob
    {
        public static readonly ConcurrentDictionary<string, TaskCompletionSource> Ran = new();

        public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
        {
            if (context.MergedJobDataMap.GetString("fail") is { } message)
            {
                throw new InvalidOperationException(message);
            }

            return ValueTask.CompletedTask;
        }
    }

    /// <summary>Signals after the recorder, which Quartz calls first because it was registered first.</summary>
    sealed class RanSignal : IJobListener
    {
        public string Name => "test-ran-signal";

        public ValueTask JobToBeExecuted(IJobExecutionContext context, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public ValueTask JobExecutionVetoed(IJobExecutionContext context, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public ValueTask JobWasExecuted(IJobExecutionContext context, JobExecutionException? jobException, CancellationToken cancellationToken = default)
        {
            ProbeJob.Ran.GetOrAdd(context.JobDetail.Key.Name, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            return ValueTask.CompletedTask;
        }
    }

    async Task<IScheduler> NodeAsync(string instanceId, NpgsqlDataSource history)
    {
        var scheduler = await QuartzSchedulerBuilder.Create(q =>
        {
            q.Services.AddSingleton(db.DataSource);
            q.Services.AddSingleton(TimeProvider.System);
            q.Services.AddSingleton(new JobRuns(history));
            q.Services.AddSingleton(typeof(Microsoft.Extensions.Logging.ILogger<>), typeof(NullLogger<>));
            q.ConfigureScheduler(o => o.InstanceId = instanceId);
            q.UseOpsBoardStore(sp => sp.GetRequiredService<NpgsqlDataSource>());
            q.AddJobRunHistory();
            q.AddJobListener(new RanSignal());
            q.AddJobType<ProbeJob>();
        }).BuildScheduler();
        await scheduler.Start();
        return scheduler;
    }

    static async Task RunAsync(IScheduler scheduler, string name, string? fail = null)
    {
        var ran = ProbeJob.Ran.GetOrAdd(name, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));
        var job = JobBuilder.Create<ProbeJob>().WithIdentity(name, "test").StoreDurably().Build();
        await scheduler.AddJob(job, AddJobOptions.Replacing);
        await scheduler.TriggerJob(job.Key, fail is null ? new JobDataMap() : new JobDataMap { ["fail"] = fail });
        await ran.Task.WaitAsync(TimeSpan.FromSeconds(30));
        ProbeJob.Ran.TryRemove(name, out _);
    }

    async Task<List<JobRun>> RunsAsync(string name) =>
        [.. (await new JobRuns(db.DataSource).LatestAsync(10)).Where(r => r.JobName == name)];

    [Fact]
    public async Task JobWasExecuted_JobSucceeds_RecordsOkWithNodeAndDuration()
    {
        var name = "ok-" + Guid.NewGuid().ToString("N")[..8];
        var scheduler = await NodeAsync("node-ok", db.DataSource);
        try
        {
            await RunAsync(scheduler, name);
        }
        finally
        {
            await scheduler.Shutdown(waitForJobsToComplete: true);
        }

        var run = Assert.Single(await RunsAsync(name));
        Assert.Equal(JobRunOutcome.Ok, run.Outcome);
        Assert.Equal("test", run.JobGroup);
        Assert.Equal("node-ok", run.Node);
        Assert.Null(run.Error);
        Assert.True(run.FinishedAt >= run.StartedAt);
        Assert.True(run.DurationMs >= 0);
    }

    [Fact]
    public async Task JobWasExecuted_JobThrows_RecordsFailedWithItsMessage()
    {
        var name = "fail-" + Guid.NewGuid().ToString("N")[..8];
        var scheduler = await NodeAsync("node-fail", db.DataSource);
        try
        {
            await RunAsync(scheduler, name, fail: "节假日表读取失败");
        }
        finally
        {
            await scheduler.Shutdown(waitForJobsToComplete: true);
        }

        var run = Assert.Single(await RunsAsync(name));
        Assert.Equal(JobRunOutcome.Failed, run.Outcome);
        Assert.Equal("InvalidOperationException: 节假日表读取失败", run.Error);
    }

    [Fact]
    public async Task JobWasExecuted_HistoryDatabaseDown_JobStillRunsAndTheRunIsWrittenWithTheNextOne()
    {
        // The history's own data source, whose connections fail on demand as a database that went away does; Quartz's
        // store stays up, so the scheduler itself keeps firing. No pooling: every write opens a connection anew.
        var down = false;
        var builder = new NpgsqlDataSourceBuilder(db.ConnectionString + ";Pooling=false");
        builder.UsePhysicalConnectionInitializer(
            _ => { if (down) throw new NpgsqlException("database unavailable (test)"); },
            _ => down ? Task.FromException(new NpgsqlException("database unavailable (test)")) : Task.CompletedTask);
        await using var history = builder.Build();
        var name = "outage-" + Guid.NewGuid().ToString("N")[..8];
        var scheduler = await NodeAsync("node-outage", history);
        try
        {
            down = true;
            await RunAsync(scheduler, name, fail: "连接数据库失败");
            var recorder = GetRecorder(scheduler);
            Assert.Equal(1, recorder.Pending);
            Assert.Empty(await RunsAsync(name));

            down = false;
            await RunAsync(scheduler, name);
            Assert.Equal(0, recorder.Pending);
        }
        finally
        {
            await scheduler.Shutdown(waitForJobsToComplete: true);
        }

        var runs = await RunsAsync(name);
        Assert.Equal([JobRunOutcome.Ok, JobRunOutcome.Failed], runs.Select(r => r.Outcome));
        Assert.Equal("InvalidOperationException: 连接数据库失败", runs[1].Error);
    }

    [Fact]
    public async Task PurgeAsync_RunsOlderThanRetention_AreDeleted()
    {
        var store = new JobRuns(db.DataSource);
        var now = DateTime.UtcNow;
        var old = new JobRun("test", "purge", "test", "t", "n", "purge-old", now.AddDays(-31), now.AddDays(-31), 5, JobRunOutcome.Ok, null);
        var recent = old with { FireInstanceId = "purge-recent", StartedAt = now.AddDays(-1), FinishedAt = now.AddDays(-1) };
        await store.RecordAsync(old);
        await store.RecordAsync(recent);
        await store.RecordAsync(recent);

        await store.PurgeAsync(DateTimeOffset.UtcNow - JobRuns.Retention);

        Assert.Equal(["purge-recent"], (await RunsAsync("purge")).Select(r => r.FireInstanceId));
    }

    static JobRunRecorder GetRecorder(IScheduler scheduler) =>
        scheduler.ListenerManager.GetJobListeners().OfType<JobRunRecorder>().Single();
}
