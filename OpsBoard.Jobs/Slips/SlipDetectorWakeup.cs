using Dapper;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpsBoard.Data.Slips;
using Quartz;

namespace OpsBoard.Jobs.Slips;

/// <summary>
/// LISTENs for desk registrations (<see cref="SlipDetector.Channel"/>) and fires the detector at once, so a visit that
/// meets a trigger has its slip within seconds instead of at the next minute. A lost notification costs only that
/// minute: the scheduled run reads from the mark regardless.
/// </summary>
public sealed class SlipDetectorWakeup(NpgsqlDataSource dataSource, ISchedulerFactory schedulers, ILogger<SlipDetectorWakeup> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = TimeSpan.FromMilliseconds(500);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                var woken = 0;
                connection.Notification += (_, _) => Interlocked.Exchange(ref woken, 1);
                await connection.ExecuteAsync($"LISTEN {SlipDetector.Channel}");
                backoff = TimeSpan.FromMilliseconds(500);
                while (!stoppingToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(TimeSpan.FromSeconds(30), stoppingToken);
                    if (Interlocked.Exchange(ref woken, 0) == 1)
                    {
                        var scheduler = await schedulers.GetScheduler(stoppingToken);
                        await scheduler.TriggerJob(SlipDetectorJob.Key, stoppingToken);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException or SchedulerException)
            {
                logger.LogWarning("Slip detector wake-up lost its connection ({Message}); retrying in {Delay} ms", e.Message, backoff.TotalMilliseconds);
                await Task.Delay(backoff, stoppingToken).ContinueWith(_ => { }, CancellationToken.None);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
            }
        }
    }
}
