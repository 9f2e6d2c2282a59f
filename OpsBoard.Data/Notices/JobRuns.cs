using Dapper;
using Npgsql;

namespace OpsBoard.Data.Notices;

/// <summary>How a background job's run ended, as the job dashboard shows it.</summary>
public static class JobRunOutcome
{
    public const string Ok = "ok";
    public const string Failed = "failed";
    public const string Vetoed = "vetoed";

    public static CodeSet Labels { get; } = new((Ok, "成功"), (Failed, "失败"), (Vetoed, "未执行"));
}

/// <summary>One run of a job as the recorder wrote it. Times are UTC.</summary>
public sealed record JobRun(
    string JobGroup, string JobName, string TriggerGroup, string TriggerName, string Node, string FireInstanceId,
    DateTime StartedAt, DateTime FinishedAt, long DurationMs, string Outcome, string? Error)
{
    /// <summary>"group/name", the code <see cref="JobNames.Jobs"/> labels.</summary>
    public string Job => $"{JobGroup}/{JobName}";

    public string Trigger => $"{TriggerGroup}/{TriggerName}";
}

/// <summary>
/// The history of background job runs (<c>job_run</c>), which Quartz does not keep. Written by the job listener after
/// each run, read by the job dashboard, kept for <see cref="Retention"/>.
/// </summary>
public sealed class JobRuns(NpgsqlDataSource dataSource)
{
    public static readonly TimeSpan Retention = TimeSpan.FromDays(30);

    /// <summary>An exception message can be a page of SQL; the dashboard needs the first lines.</summary>
    public const int MaxErrorLength = 2000;

    /// <summary>Writes a run; writing it twice (a retry after an outage) leaves one row.</summary>
    public async Task RecordAsync(JobRun run, CancellationToken cancellationToken = default)
    {
        const string sql = """
            INSERT INTO job_run (job_group, job_name, trigger_group, trigger_name, node, fire_instance_id,
                                 started_at, finished_at, duration_ms, outcome, error)
            VALUES (@JobGroup, @JobName, @TriggerGroup, @TriggerName, @Node, @FireInstanceId,
                    @StartedAt, @FinishedAt, @DurationMs, @Outcome, @Error)
            ON CONFLICT (node, fire_instance_id) DO NOTHING
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(sql, new
        {
            run.JobGroup,
            run.JobName,
            run.TriggerGroup,
            run.TriggerName,
            run.Node,
            run.FireInstanceId,
            StartedAt = DateTime.SpecifyKind(run.StartedAt, DateTimeKind.Utc),
            FinishedAt = DateTime.SpecifyKind(run.FinishedAt, DateTimeKind.Utc),
            run.DurationMs,
            run.Outcome,
            Error = Truncate(run.Error),
        }, cancellationToken: cancellationToken));
    }

    /// <summary>The last <paramref name="perJob"/> runs of every job, newest first within each job.</summary>
    public async Task<IReadOnlyList<JobRun>> LatestAsync(int perJob, CancellationToken cancellationToken = default)
    {
        // One index scan per job (job_run_by_job) however long the history is.
        const string sql = """
            SELECT r.job_group AS JobGroup, r.job_name AS JobName, r.trigger_group AS TriggerGroup,
                   r.trigger_name AS TriggerName, r.node, r.fire_instance_id AS FireInstanceId, r.started_at AS StartedAt, r.finished_at AS FinishedAt,
                   r.duration_ms AS DurationMs, r.outcome, r.error
            FROM (SELECT DISTINCT job_group, job_name FROM job_run) AS j
            CROSS JOIN LATERAL (
                SELECT job_group, job_name, trigger_group, trigger_name, node, fire_instance_id,
                       started_at, finished_at, duration_ms, outcome, error
                FROM job_run
                WHERE job_group = j.job_group AND job_name = j.job_name
                ORDER BY started_at DESC, id DESC
                LIMIT @perJob
            ) AS r
            ORDER BY r.job_group, r.job_name, r.started_at DESC
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return [.. await connection.QueryAsync<JobRun>(new CommandDefinition(sql, new { perJob }, cancellationToken: cancellationToken))];
    }

    /// <summary>Failed runs per job ("group/name") since the given moment.</summary>
    public async Task<IReadOnlyDictionary<string, int>> FailuresSinceAsync(DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        const string sql = """
            SELECT job_group || '/' || job_name AS Job, count(*)::int AS Failures
            FROM job_run
            WHERE outcome = 'failed' AND started_at >= @since
            GROUP BY job_group, job_name
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Job, int Failures)>(
            new CommandDefinition(sql, new { since = since.UtcDateTime }, cancellationToken: cancellationToken));
        return rows.ToDictionary(r => r.Job, r => r.Failures, StringComparer.Ordinal);
    }

    /// <summary>Deletes runs that finished before the moment; returns how many.</summary>
    public async Task<int> PurgeAsync(DateTimeOffset before, CancellationToken cancellationToken = default)
    {
        const string sql = """
            DELETE FROM job_run
            WHERE finished_at < @before
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(sql, new { before = before.UtcDateTime }, cancellationToken: cancellationToken));
    }

    public static string? Truncate(string? error) =>
        error is null || error.Length <= MaxErrorLength ? error : string.Concat(error.AsSpan(0, MaxErrorLength - 1), "…");
}
