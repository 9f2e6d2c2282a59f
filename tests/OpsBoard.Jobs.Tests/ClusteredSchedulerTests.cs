using System.Collections.Concurrent;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpsBoard.Jobs;
using Quartz;

namespace OpsBoard.Jobs.Tests;

public sealed class ClusteredSchedulerTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    /// <summary>Records each firing in the database and signals the test, which waits on that signal, not on a sleep.</summary>
    public sealed class CountingJob(NpgsqlDataSource dataSource) : IJob
    {
        public static readonly ConcurrentDictionary<string, TaskCompletionSource> Fired = new();

        public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
        {
            var run = context.JobDetail.JobDataMap.GetString("run")!;
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await connection.ExecuteAsync("INSERT INTO job_firing (run, node) VALUES (@run, @node)",
                new { run, node = context.Scheduler.SchedulerInstanceId });
            Fired[run].TrySetResult();
        }
    }

    async Task<IScheduler> NodeAsync(string instanceId)
    {
        var scheduler = await QuartzSchedulerBuilder.Create(q =>
        {
            q.Services.AddSingleton(db.DataSource);
            q.ConfigureScheduler(o => o.InstanceId = instanceId);
            q.UseOpsBoardStore(sp => sp.GetRequiredService<NpgsqlDataSource>());
            q.AddJobType<CountingJob>();
        }).BuildScheduler();
        await scheduler.Start();
        return scheduler;
    }

    [Fact]
    public async Task Trigger_TwoNodesOnOneDatabase_FiresOnce()
    {
        // DDL is the schema owner's; its default privileges give the app's role the table's rows.
        await using (var connection = await db.OwnerDataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("CREATE TABLE IF NOT EXISTS job_firing (run text NOT NULL, node text NOT NULL)");
        }

        var run = Guid.NewGuid().ToString("N");
        var fired = CountingJob.Fired.GetOrAdd(run, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        var first = await NodeAsync("node-a");
        var second = await NodeAsync("node-b");
        try
        {
            var job = JobBuilder.Create<CountingJob>().WithIdentity(run, "test").UsingJobData("run", run).Build();
            var trigger = TriggerBuilder.Create().WithIdentity(run, "test").StartAt(DateTimeOffset.UtcNow.AddSeconds(1)).Build();
            await first.ScheduleJob(job, trigger);

            await fired.Task.WaitAsync(TimeSpan.FromSeconds(30));
            // Both nodes poll the store every second or so; give the other node several chances to fire it again.
            await Task.Delay(TimeSpan.FromSeconds(3));

            await using var connection = await db.DataSource.OpenConnectionAsync();
            Assert.Equal(1, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM job_firing WHERE run = @run", new { run }));
            var nodes = (await first.QueryClusterNodes()).Select(n => n.InstanceId).Order().ToList();
            Assert.Equal(["node-a", "node-b"], nodes);
        }
        finally
        {
            await first.Shutdown(waitForJobsToComplete: true);
            await second.Shutdown(waitForJobsToComplete: true);
        }
    }
}
