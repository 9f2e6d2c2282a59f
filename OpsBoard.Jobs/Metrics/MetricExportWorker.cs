using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpsBoard.Data.Metrics;

namespace OpsBoard.Jobs.Metrics;

/// <summary>
/// Runs the statisticians' exports on every node, web or worker: two at a time per node (the machine has two cores),
/// at once when a request is made on this node, within <see cref="PollInterval"/> when it was made on another or left
/// running by a node that died. The claiming and the work are <see cref="MetricExports"/>'.
/// </summary>
public sealed class MetricExportWorker(MetricExports exports, ILogger<MetricExportWorker> logger) : BackgroundService
{
    public const int Slots = 2;

    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, Slots).Select(_ => Task.Run(() => RunSlotAsync(stoppingToken), stoppingToken)));

    async Task RunSlotAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await exports.RunNextAsync(stoppingToken) is { } run)
                {
                    logger.LogInformation("Metrics export {Id}: {State}, {Rows} rows in {Elapsed:F1} s", run.Id, run.State, run.Rows, run.Elapsed.TotalSeconds);
                    continue;
                }

                await exports.WaitForRequestAsync(PollInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The database away for a moment must not end the worker: it tries again at the next poll.
                logger.LogError(e, "Metrics export worker: claiming an export failed");
                try
                {
                    await Task.Delay(PollInterval, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
