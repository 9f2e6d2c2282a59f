using Microsoft.Extensions.Logging;
using OpsBoard.Data.Notifications;
using Quartz;

namespace OpsBoard.Jobs.Emergency;

/// <summary>Every 5 seconds: sends the outbox's due notifications to the webhook; failures wait their backoff in the table.</summary>
[DisallowConcurrentExecution]
public sealed class OutboxSenderJob(OutboxSender sender, ILogger<OutboxSenderJob> logger) : IJob
{
    public static readonly JobKey Key = new("outbox", "notifications");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        var result = await sender.RunAsync(cancellationToken);
        if (result.Sent + result.Failed > 0)
        {
            logger.LogInformation("Outbox: {Sent} sent, {Failed} failed, {Pending} pending", result.Sent, result.Failed, result.Pending);
        }
    }
}
