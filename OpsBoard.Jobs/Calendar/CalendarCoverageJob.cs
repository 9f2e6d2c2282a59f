using Microsoft.Extensions.Logging;
using OpsBoard.Data.Calendar;
using Quartz;

namespace OpsBoard.Jobs.Calendar;

/// <summary>Hourly: warns (notice + live event) from 1 December while next year's holiday schedule is missing.</summary>
[DisallowConcurrentExecution]
public sealed class CalendarCoverageJob(CalendarCoverage coverage, ILogger<CalendarCoverageJob> logger) : IJob
{
    public static readonly JobKey Key = new("calendar-coverage", "calendar");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        var results = await coverage.CheckAsync(cancellationToken);
        logger.LogInformation("Calendar coverage: {Results}", string.Join(", ", results.Select(r => $"{r.Year}={(r.Loaded ? "loaded" : "missing")}")));
    }
}
