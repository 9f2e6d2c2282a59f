using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using OpsBoard.Data.Notices;
using OpsBoard.Data.Postgres;
using Quartz;

namespace OpsBoard.Jobs.History;

/// <summary>
/// Writes every run of every job into <c>job_run</c>, the history Quartz does not keep, for the job dashboard.
/// Writing the history must never make a job fail or hold up the scheduler: every fault is caught and logged. A run
/// that cannot be written because the database is down (typically a run that failed for that very reason) waits in a
/// small in-memory backlog and is written with the next run that can be, so the failure still shows on /admin/jobs
/// once the database is back.
/// </summary>
public sealed class JobRunRecorder(JobRuns runs, TimeProvider time, ILogger<JobRunRecorder> logger) : IJobListener
{
    /// <summary>Runs kept while the database is down; at one run a minute per job that is hours of outage.</summary>
    public const int MaxBacklog = 500;

    /// <summary>How long one write may wait for the database before the run joins the backlog.</summary>
    static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(5);

    static readonly TimeSpan PurgeInterval = TimeSpan.FromHours(1);

    readonly ConcurrentQueue<JobRun> backlog = new();
    readonly SemaphoreSlim writing = new(1, 1);
    DateTimeOffset lastPurge = DateTimeOffset.MinValue;

    public string Name => "opsboard-job-run-recorder";

    /// <summary>Runs not yet written (the database was down when they ended).</summary>
    public int Pending => backlog.Count;

    public ValueTask JobToBeExecuted(IJobExecutionContext context, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    public async ValueTask JobExecutionVetoed(IJobExecutionContext context, CancellationToken cancellationToken = default) =>
        await RecordAsync(Describe(context, JobRunOutcome.Vetoed, null));

    public async ValueTask JobWasExecuted(IJobExecutionContext context, JobExecutionException? jobException, CancellationToken cancellationToken = default) =>
        await RecordAsync(Describe(context, jobException is null ? JobRunOutcome.Ok : JobRunOutcome.Failed, jobException));

    JobRun Describe(IJobExecutionContext context, string outcome, JobExecutionException? exception)
    {
        var finished = time.GetUtcNow();
        var duration = context.JobRunTime < TimeSpan.Zero ? TimeSpan.Zero : context.JobRunTime;
        return new JobRun(
            context.JobDetail.Key.Group, context.JobDetail.Key.Name, context.Trigger.Key.Group, context.Trigger.Key.Name,
            context.Scheduler.SchedulerInstanceId, context.FireInstanceId, (finished - duration).UtcDateTime, finished.UtcDateTime,
            (long)duration.TotalMilliseconds, outcome, ErrorOf(exception));
    }

    /// <summary>What the job threw, not Quartz's wrapper around it ("Job threw an unhandled exception").</summary>
    static string? ErrorOf(JobExecutionException? exception)
    {
        if (exception is null)
        {
            return null;
        }

        Exception cause = exception;
        while (cause is SchedulerException { InnerException: { } inner })
        {
            cause = inner;
        }

        return JobRuns.Truncate($"{cause.GetType().Name}: {cause.Message}");
    }

    async Task RecordAsync(JobRun run)
    {
        backlog.Enqueue(run);
        while (backlog.Count > MaxBacklog && backlog.TryDequeue(out var dropped))
        {
            logger.LogWarning("Job run history backlog full: the run of {Job} at {StartedAt:o} is not recorded", dropped.Job, dropped.StartedAt);
        }

        // One writer at a time keeps the backlog in order; a run ending meanwhile is written by the next one.
        if (!await writing.WaitAsync(0))
        {
            return;
        }

        try
        {
            await FlushAsync();
            await PurgeIfDueAsync();
        }
        catch (Exception e)
        {
            // Never let the history reach the scheduler: a listener that throws would disturb the trigger's completion.
            logger.LogError(e, "Job run history: unexpected fault");
        }
        finally
        {
            writing.Release();
        }
    }

    async Task FlushAsync()
    {
        while (backlog.TryPeek(out var next))
        {
            try
            {
                using var timeout = new CancellationTokenSource(WriteTimeout);
                await runs.RecordAsync(next, timeout.Token);
            }
            catch (Exception e) when (DatabaseOutage.Is(e) || e is OperationCanceledException)
            {
                // Kept for the next run: the database is away, and the run that just failed because of it must show.
                logger.LogWarning("Job run history: database unavailable, {Pending} run(s) kept to write later: {Message}", backlog.Count, e.Message);
                return;
            }
            catch (Exception e)
            {
                // The database answered and refused this row: writing it again would fail again.
                logger.LogError(e, "Job run history: the run of {Job} at {StartedAt:o} cannot be recorded", next.Job, next.StartedAt);
            }

            backlog.TryDequeue(out _);
        }
    }

    /// <summary>Keeps the history bounded: at most once an hour per node, delete what is older than the retention.</summary>
    async Task PurgeIfDueAsync()
    {
        var now = time.GetUtcNow();
        if (now - lastPurge < PurgeInterval)
        {
            return;
        }

        lastPurge = now;
        try
        {
            using var timeout = new CancellationTokenSource(WriteTimeout);
            var deleted = await runs.PurgeAsync(now - JobRuns.Retention, timeout.Token);
            if (deleted > 0)
            {
                logger.LogInformation("Job run history: {Deleted} run(s) older than {Days} days deleted", deleted, JobRuns.Retention.TotalDays);
            }
        }
        catch (Exception e) when (DatabaseOutage.Is(e) || e is OperationCanceledException)
        {
            // Tried again within the hour's next runs would be no better; the next hour will do.
            logger.LogWarning("Job run history: purge skipped, database unavailable: {Message}", e.Message);
        }
    }
}
