using Microsoft.Extensions.Logging;
using OpsBoard.Data.Matters;
using Quartz;

namespace OpsBoard.Jobs.Matters;

/// <summary>Every minute: marks clocks approaching or overdue, once per clock and state, and announces them live.</summary>
[DisallowConcurrentExecution]
public sealed class ClockWatcherJob(ClockWatcher watcher, ILogger<ClockWatcherJob> logger) : IJob
{
    public static readonly JobKey Key = new("clock-watcher", "matters");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        var result = await watcher.RunAsync(cancellationToken);
        if (result.Approaching + result.Overdue > 0)
        {
            logger.LogInformation("Clock watcher: {Approaching} approaching, {Overdue} overdue", result.Approaching, result.Overdue);
        }
    }
}
