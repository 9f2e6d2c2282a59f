using Microsoft.Extensions.Logging;
using OpsBoard.Data.Audit;
using Quartz;

namespace OpsBoard.Jobs.Audit;

/// <summary>
/// Nightly: removes operation-log rows older than the retention the auditor set (at least six months, 网络安全法
/// 第二十一条). The database function it calls refuses any younger cutoff, whatever this job computes.
/// </summary>
[DisallowConcurrentExecution]
public sealed class AuditRetentionJob(AuditRetention retention, ILogger<AuditRetentionJob> logger) : IJob
{
    public static readonly JobKey Key = new("retention", "audit");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        var removed = await retention.PurgeAsync(cancellationToken);
        logger.LogInformation("Audit retention: {Removed} rows older than the retention removed", removed);
    }
}
