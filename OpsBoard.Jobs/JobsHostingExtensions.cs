using System.Data.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Npgsql;
using OpsBoard.Jobs.Audit;
using OpsBoard.Jobs.Calendar;
using OpsBoard.Jobs.Dashboard;
using OpsBoard.Jobs.Emergency;
using OpsBoard.Jobs.History;
using OpsBoard.Jobs.Matters;
using OpsBoard.Jobs.Slips;
using OpsBoard.Jobs.Metrics;
using Quartz;

namespace OpsBoard.Jobs;

public static class JobsHostingExtensions
{
    /// <summary>Quartz with its clustered store in OpsBoard's own database: every job fires on exactly one node.</summary>
    public static IHostApplicationBuilder AddOpsBoardJobs(this IHostApplicationBuilder builder)
    {
        builder.AddQuartz(q =>
        {
            q.UseOpsBoardStore(sp => sp.GetRequiredService<NpgsqlDataSource>());
            q.AddJobRunHistory();
            q.ScheduleJob<CalendarCoverageJob>(
                trigger => trigger
                    .WithIdentity("calendar-coverage-hourly", "calendar")
                    .WithCronSchedule("0 0 * * * ?", cron => cron.InTimeZone(Data.ChinaTime.Zone)),
                job => job.WithIdentity(CalendarCoverageJob.Key));
            // And once when a node starts, so a missing year shows at once rather than at the next hour.
            q.RunAtStartup(CalendarCoverageJob.Key);
            q.ScheduleJob<ClockWatcherJob>(
                trigger => trigger
                    .WithIdentity("clock-watcher-every-minute", "matters")
                    .WithCronSchedule("0 * * * * ?"),
                job => job.WithIdentity(ClockWatcherJob.Key));
            q.RunAtStartup(ClockWatcherJob.Key);
            q.ScheduleJob<SlipDetectorJob>(
                trigger => trigger
                    .WithIdentity("detector-every-minute", "slips")
                    .WithCronSchedule("30 * * * * ?"),
                job => job.WithIdentity(SlipDetectorJob.Key).StoreDurably());
            q.AddTrigger(trigger => trigger
                .ForJob(SlipDetectorJob.Key)
                .WithIdentity("detector-nightly", "slips")
                .UsingJobData(SlipDetectorJob.Full, true)
                .WithCronSchedule("0 30 2 * * ?", cron => cron.InTimeZone(Data.ChinaTime.Zone)));
            q.ScheduleJob<EmergencyWatcherJob>(
                trigger => trigger
                    .WithIdentity("watcher-every-15s", "emergency")
                    .WithCronSchedule("5/15 * * * * ?"),
                job => job.WithIdentity(EmergencyWatcherJob.Key));
            q.ScheduleJob<OutboxSenderJob>(
                trigger => trigger
                    .WithIdentity("outbox-every-5s", "notifications")
                    .WithCronSchedule("0/5 * * * * ?"),
                job => job.WithIdentity(OutboxSenderJob.Key));
            q.ScheduleJob<AuditRetentionJob>(
                trigger => trigger
                    .WithIdentity("retention-nightly", "audit")
                    .WithCronSchedule("0 15 3 * * ?", cron => cron.InTimeZone(Data.ChinaTime.Zone)),
                job => job.WithIdentity(AuditRetentionJob.Key));
        });
        builder.AddQuartzHostedService(options => options.WaitForJobsToComplete = true);
        builder.Services.AddSingleton<JobBoard>();
        builder.Services.AddHostedService<SlipDetectorWakeup>();
        builder.Services.AddHostedService<MetricExportWorker>();
        return builder;
    }

    /// <summary>Every run of every job written to <c>job_run</c> for the job dashboard (Quartz keeps no history of its own).</summary>
    public static IQuartzBuilder AddJobRunHistory(this IQuartzBuilder q)
    {
        q.Services.TryAddSingleton<JobRunRecorder>();
        q.AddJobListener(sp => sp.GetRequiredService<JobRunRecorder>());
        return q;
    }

    /// <summary>The persistent, clustered store shared by the app, the worker and the scheduler tests.</summary>
    public static IQuartzBuilder UseOpsBoardStore(this IQuartzBuilder q, Func<IServiceProvider, DbDataSource> dataSource)
    {
        q.UsePersistentStore(store =>
        {
            store.UsePostgres(postgres => postgres.DataSourceFactory = dataSource);
            store.UseClustering(cluster =>
            {
                cluster.CheckinInterval = TimeSpan.FromSeconds(10);
                cluster.CheckinMisfireThreshold = TimeSpan.FromSeconds(20);
            });
            store.UseSystemTextJsonSerializer();
            // The tables come from the migrations (sql/0035), made by the schema owner: the app's role may not create
            // tables, so the store only checks that they are there (Quartz's default).
        });
        return q;
    }
}
