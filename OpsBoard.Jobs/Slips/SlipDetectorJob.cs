using Microsoft.Extensions.Logging;
using OpsBoard.Data.Slips;
using Quartz;

namespace OpsBoard.Jobs.Slips;

/// <summary>
/// Issues warning slips: every minute from the high-water mark, nightly over every visit (the trigger's job data says
/// which), and at once when a desk registration wakes it. One run at a time in the cluster; the output is idempotent anyway.
/// </summary>
[DisallowConcurrentExecution]
public sealed class SlipDetectorJob(SlipDetector detector, ILogger<SlipDetectorJob> logger) : IJob
{
    public static readonly JobKey Key = new("detector", "slips");

    public const string Full = "full";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        var full = context.MergedJobDataMap.TryGetValue(Full, out var value) && Convert.ToBoolean(value, System.Globalization.CultureInfo.InvariantCulture);
        var result = await detector.RunAsync(full, cancellationToken);
        if (result.Issued.Count > 0 || full)
        {
            logger.LogInformation("Slip detector ({Mode}): {Scanned} visits read, {Issued} slips issued",
                full ? "reconciliation" : "incremental", result.Scanned, result.Issued.Count);
        }
    }
}
