using Microsoft.Extensions.Logging;
using OpsBoard.Data.Emergency;
using Quartz;

namespace OpsBoard.Jobs.Emergency;

/// <summary>Every 15 seconds: escalates responders who have not said 收到 in time and flags 缓报, once each, on one node of the cluster.</summary>
[DisallowConcurrentExecution]
public sealed class EmergencyWatcherJob(EmergencyWatcher watcher, ILogger<EmergencyWatcherJob> logger) : IJob
{
    public static readonly JobKey Key = new("watcher", "emergency");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        var result = await watcher.RunAsync(cancellationToken);
        if (result.Escalated + result.Late > 0)
        {
            logger.LogInformation("Emergency watcher: {Escalated} responders escalated, {Late} responses flagged 缓报", result.Escalated, result.Late);
        }
    }
}
