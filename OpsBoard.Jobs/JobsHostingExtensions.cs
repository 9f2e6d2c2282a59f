using System.Data.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using OpsBoard.Jobs.Calendar;
using OpsBoard.Jobs.Matters;
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
        });
        builder.AddQuartzHostedService(options => options.WaitForJobsToComplete = true);
        builder.Services.AddHostedService<MetricExportWorker>();
        return builder;
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
            store.ProvisionSchema();
        });
        return q;
    }
}
