using System.Diagnostics;
using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Audit;
using OpsBoard.Data.Live;

namespace OpsBoard.Data.Metrics;

public static class MetricExportState
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Done = "done";
    public const string Failed = "failed";

    public static CodeSet Labels { get; } = new((Queued, "排队中"), (Running, "正在导出"), (Done, "完成"), (Failed, "失败"));

    public static bool IsPending(string state) => state is Queued or Running;
}

public static class MetricExportFormat
{
    public const string Xlsx = "xlsx";
    public const string Csv = "csv";

    public static CodeSet Labels { get; } = new((Xlsx, "Excel 工作簿（xlsx）"), (Csv, "CSV（事项明细，指标汇总另附一个 CSV）"));
}

/// <summary>One export as its requester sees it in 我的导出.</summary>
public sealed record MetricExportRow(
    long Id, DateOnly Month, string ScopeLabel, string Format, string State, int Progress, int? Rows, string? Error,
    DateTime CreatedAt, DateTime? FinishedAt)
{
    public string StateLabel => MetricExportState.Labels.Label(State);

    public string MonthLabel => $"{Month.Year} 年 {Month.Month} 月";

    public string FileName => Format == MetricExportFormat.Xlsx
        ? $"考核指标_{Month:yyyy-MM}_{ScopeLabel}.xlsx"
        : $"考核指标明细_{Month:yyyy-MM}_{ScopeLabel}.csv";

    public string SummaryFileName => $"考核指标汇总_{Month:yyyy-MM}_{ScopeLabel}.csv";

    public bool HasSummary => Format == MetricExportFormat.Csv;

    public string ContentType => Format == MetricExportFormat.Xlsx
        ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        : "text/csv; charset=utf-8";
}

/// <summary>How one run of an export ended, for the worker's log line.</summary>
public sealed record MetricExportRun(long Id, string State, int Rows, TimeSpan Elapsed);

/// <summary>
/// Export requests and their runs. A request is checked (scope through <see cref="MetricsQueries.ScopeAsync"/>, month,
/// format), stored and audited; an export worker on any node claims it, writes the file through
/// <see cref="MetricsExport"/> reporting progress into the row, and stores the file in the row, audited and announced
/// live. A claim is a session advisory lock on the export's id, held by the claiming connection for the whole run: a
/// node that dies loses its connection and with it the lock, and the export, still 'running', is started again by the
/// next worker that looks — no heartbeat, no timeout to guess.
/// </summary>
public sealed class MetricExports(
    NpgsqlDataSource dataSource, MetricsQueries metrics, MetricsExport writer, TimeProvider time, ILogger<MetricExports> logger)
{
    /// <summary>Exports one person may have waiting or running at once: the workers are shared by the whole center.</summary>
    public const int MaxPending = 3;

    /// <summary>Starts after which an export that keeps bringing its node down is failed instead of started again.</summary>
    public const int MaxAttempts = 3;

    static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);

    readonly SemaphoreSlim requested = new(0);

    public async Task<long> RequestAsync(Actor actor, string? monthText, int? unitId, string? format)
    {
        var scope = await metrics.ScopeAsync(actor, unitId);
        if (MetricPeriod.ParseMonth(monthText?.Trim()) is not { } month)
        {
            throw new MetricsException(string.IsNullOrWhiteSpace(monthText)
                ? "请选择要导出的月份。"
                : $"月份“{monthText.Trim()}”格式不正确，应为“2026-10”这样的年月。");
        }

        var today = ChinaTime.Today(time);
        if (month > new DateOnly(today.Year, today.Month, 1))
        {
            throw new MetricsException($"{month.Year} 年 {month.Month} 月尚未开始，不能导出；本月可导出截至今天的临时数据。");
        }

        if (!MetricExportFormat.Labels.Contains(format))
        {
            throw new MetricsException("请选择导出格式：Excel 工作簿（xlsx）或 CSV。");
        }

        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var label = await ScopeLabelAsync(connection, transaction, scope, unitId)
            ?? throw new MetricsException("所选责任单位不存在，请重新选择。");
        var pending = await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM metric_export WHERE user_id = @UserId AND state IN ('queued', 'running')", new { actor.UserId }, transaction);
        if (pending >= MaxPending)
        {
            throw new MetricsException($"您已有 {pending} 个导出正在进行，请等它们完成后再导出。");
        }

        const string insert = """
            INSERT INTO metric_export (center_id, user_id, month, unit_id, scope_units, scope_label, format, created_at)
            VALUES (@CenterId, @UserId, @month, @unitId, @units, @label, @format, @now)
            RETURNING id
            """;
        var id = await connection.ExecuteScalarAsync<long>(insert, new
        {
            actor.CenterId,
            actor.UserId,
            month,
            unitId,
            units = scope.Units?.ToArray(),
            label,
            format,
            now = time.GetUtcNow(),
        }, transaction);
        await AuditLog.WriteAsync(connection, transaction, new AuditEntry("metrics.export_requested", actor.CenterId, actor.UserId,
            SubjectKind: "metric_export", SubjectId: id, UnitId: unitId, Detail: new { month = Key(month), format, scope = label }));
        await transaction.CommitAsync();
        requested.Release();
        return id;
    }

    /// <summary>One of the actor's own exports; someone else's is as absent as one that never existed.</summary>
    public async Task<MetricExportRow?> FindAsync(Actor actor, long id)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        return await connection.QuerySingleOrDefaultAsync<MetricExportRow>(
            RowSql + "WHERE id = @id AND user_id = @UserId AND center_id = @CenterId", new { id, actor.UserId, actor.CenterId });
    }

    public async Task<IReadOnlyList<MetricExportRow>> MineAsync(Actor actor, int top = 20)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        return [.. await connection.QueryAsync<MetricExportRow>(
            RowSql + "WHERE user_id = @UserId AND center_id = @CenterId ORDER BY id DESC LIMIT @top", new { actor.UserId, actor.CenterId, top })];
    }

    const string RowSql = """
        SELECT id, month, scope_label AS ScopeLabel, format, state, progress, rows, error, created_at AS CreatedAt, finished_at AS FinishedAt
        FROM metric_export

        """;

    /// <summary>
    /// Copies a finished export's file (or, for csv, its summary) to <paramref name="output"/> straight from the
    /// database, without holding it in memory. False when it is not the actor's or not finished.
    /// </summary>
    public async Task<bool> CopyFileAsync(Actor actor, long id, bool summary, Stream output, CancellationToken cancellationToken)
    {
        var sql = $"""
            SELECT {(summary ? "summary" : "content")}
            FROM metric_export
            WHERE id = @id AND user_id = @userId AND center_id = @centerId AND state = 'done'
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("userId", actor.UserId);
        command.Parameters.AddWithValue("centerId", actor.CenterId);
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken);
        if (!await reader.ReadAsync(cancellationToken) || await reader.IsDBNullAsync(0, cancellationToken))
        {
            return false;
        }

        await using var content = await reader.GetStreamAsync(0, cancellationToken);
        await content.CopyToAsync(output, cancellationToken);
        return true;
    }

    /// <summary>Waits until a request is made on this node, or the timeout passes (requests of other nodes are polled).</summary>
    public async Task WaitForRequestAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        await requested.WaitAsync(timeout, cancellationToken);

    /// <summary>Claims the oldest export nobody is running, runs it, and says how it ended; null when there was none.</summary>
    public async Task<MetricExportRun?> RunNextAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var pending = await connection.QueryAsync<long>(
            "SELECT id FROM metric_export WHERE state IN ('queued', 'running') ORDER BY id LIMIT 20");
        foreach (var id in pending)
        {
            // hashtext names the lock space, so these ids never meet another advisory lock of the app.
            if (!await connection.ExecuteScalarAsync<bool>("SELECT pg_try_advisory_lock(hashtext('metric_export'), CAST(@id AS int))", new { id }))
            {
                continue;
            }

            try
            {
                if (await ClaimAsync(connection, id) is { } job)
                {
                    return await RunAsync(job, cancellationToken);
                }
            }
            finally
            {
                await UnlockAsync(connection, id);
            }
        }

        return null;
    }

    // A class, not a positional record: Dapper hands an int[] column to a constructor as System.Array.
    sealed class Job
    {
        public long Id { get; init; }
        public int CenterId { get; init; }
        public int UserId { get; init; }
        public DateOnly Month { get; init; }
        public int[]? ScopeUnits { get; init; }
        public string ScopeLabel { get; init; } = "";
        public string Format { get; init; } = "";
        public int Attempts { get; init; }
    }

    /// <summary>Marks the export running, under the lock; null when another worker finished it in the meantime.</summary>
    async Task<Job?> ClaimAsync(NpgsqlConnection connection, long id)
    {
        const string sql = """
            UPDATE metric_export
            SET state = 'running', progress = 0, attempts = attempts + 1, started_at = @now
            WHERE id = @id AND state IN ('queued', 'running')
            RETURNING id, center_id AS CenterId, user_id AS UserId, month, scope_units AS ScopeUnits, scope_label AS ScopeLabel, format, attempts
            """;
        return await connection.QuerySingleOrDefaultAsync<Job>(sql, new { id, now = time.GetUtcNow() });
    }

    async Task<MetricExportRun> RunAsync(Job job, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        if (job.Attempts > MaxAttempts)
        {
            await FinishAsync(job, null, null, 0, $"导出已中断 {MaxAttempts} 次，未能完成，请重新导出；如仍失败请联系系统管理员。");
            return new MetricExportRun(job.Id, MetricExportState.Failed, 0, Stopwatch.GetElapsedTime(started));
        }

        var export = new MonthExport(new MetricsScope(job.CenterId, job.ScopeUnits), job.Month, job.ScopeLabel);
        var progress = new LatestProgress();
        using var running = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reporter = ReportProgressAsync(job.Id, progress, running.Token);
        try
        {
            // Written to a temporary file first, so memory holds neither the file nor the rows; deleted when closed.
            await using var file = new FileStream(Path.Combine(Path.GetTempPath(), $"opsboard-export-{Guid.NewGuid():N}.tmp"), FileMode.CreateNew,
                FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
            using var summary = job.Format == MetricExportFormat.Csv ? new MemoryStream() : null;
            var result = summary is null
                ? await writer.WriteXlsxAsync(export, file, progress, running.Token)
                : await writer.WriteCsvAsync(export, file, summary, progress, running.Token);
            await StopAsync(running, reporter);
            file.Position = 0;
            summary?.Seek(0, SeekOrigin.Begin);
            await FinishAsync(job, file, summary, result.Rows, null);
            return new MetricExportRun(job.Id, MetricExportState.Done, result.Rows, Stopwatch.GetElapsedTime(started));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The node is stopping: back in the queue, not counted as a failed start, for this node after its restart or another.
            await StopAsync(running, reporter);
            await RequeueAsync(job.Id);
            throw;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await StopAsync(running, reporter);
            logger.LogError(e, "Metrics export {Id} ({Month:yyyy-MM}, {Format}) failed", job.Id, job.Month, job.Format);
            await FinishAsync(job, null, null, 0, "导出失败，请重新导出；如再次失败请联系系统管理员。");
            return new MetricExportRun(job.Id, MetricExportState.Failed, 0, Stopwatch.GetElapsedTime(started));
        }
    }

    /// <summary>Done with its file, or failed with the reason the requester reads; audited and announced in one transaction.</summary>
    async Task FinishAsync(Job job, Stream? content, Stream? summary, int rows, string? error)
    {
        const string sql = """
            UPDATE metric_export
            SET state = @state, progress = CASE WHEN @state = 'done' THEN 100 ELSE progress END, rows = @rows, error = @error,
                content = @content, summary = @summary, finished_at = @now
            WHERE id = @id AND state = 'running'
            """;
        var state = error is null ? MetricExportState.Done : MetricExportState.Failed;
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.AddWithValue("id", job.Id);
        command.Parameters.AddWithValue("state", state);
        command.Parameters.AddWithValue("rows", error is null ? (object)rows : DBNull.Value);
        command.Parameters.AddWithValue("error", (object?)error ?? DBNull.Value);
        // Streams: Npgsql sends them to the bytea column as they are read.
        command.Parameters.Add(new NpgsqlParameter("content", NpgsqlDbType.Bytea) { Value = (object?)content ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("summary", NpgsqlDbType.Bytea) { Value = (object?)summary ?? DBNull.Value });
        command.Parameters.AddWithValue("now", time.GetUtcNow());
        if (await command.ExecuteNonQueryAsync() == 0)
        {
            return;
        }

        var kind = error is null ? "metrics.export_done" : "metrics.export_failed";
        await AuditLog.WriteAsync(connection, transaction, new AuditEntry(kind, job.CenterId, job.UserId, SubjectKind: "metric_export",
            SubjectId: job.Id, Outcome: error is null ? "ok" : "failed",
            Detail: new { month = Key(job.Month), format = job.Format, scope = job.ScopeLabel, rows, attempts = job.Attempts }));
        await LiveJournal.AppendAsync(connection, transaction, kind, job.CenterId, payload: new { id = job.Id, userId = job.UserId });
        await transaction.CommitAsync();
    }

    async Task RequeueAsync(long id)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await connection.ExecuteAsync(
            "UPDATE metric_export SET state = 'queued', progress = 0, attempts = attempts - 1 WHERE id = @id AND state = 'running'", new { id });
    }

    /// <summary>Writes the latest progress into the row a few times a second, while the export runs.</summary>
    async Task ReportProgressAsync(long id, LatestProgress progress, CancellationToken cancellationToken)
    {
        var written = 0;
        using var timer = new PeriodicTimer(ProgressInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var value = progress.Value;
                if (value == written)
                {
                    continue;
                }

                await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
                await connection.ExecuteAsync(new CommandDefinition(
                    "UPDATE metric_export SET progress = @value WHERE id = @id AND state = 'running'", new { id, value }, cancellationToken: cancellationToken));
                written = value;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    static async Task StopAsync(CancellationTokenSource running, Task reporter)
    {
        await running.CancelAsync();
        await reporter;
    }

    async Task UnlockAsync(NpgsqlConnection connection, long id)
    {
        try
        {
            await connection.ExecuteAsync("SELECT pg_advisory_unlock(hashtext('metric_export'), CAST(@id AS int))", new { id });
        }
        catch (NpgsqlException e)
        {
            // A broken connection has released its locks with it.
            logger.LogWarning(e, "Releasing the claim on metrics export {Id} failed", id);
        }
    }

    async Task<string?> ScopeLabelAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, MetricsScope scope, int? unitId)
    {
        if (unitId is null && scope.Units is null)
        {
            return "全中心";
        }

        var names = await connection.QueryAsync<string>(
            "SELECT name FROM unit WHERE center_id = @CenterId AND id = ANY(@units) ORDER BY name", new { scope.CenterId, units = scope.Units!.ToArray() }, transaction);
        return names.Any() ? string.Join("、", names) : null;
    }

    static string Key(DateOnly month) => month.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The furthest progress reported; the writer reports from its own thread, the reporter reads it.</summary>
    sealed class LatestProgress : IProgress<int>
    {
        int value;

        public int Value => Volatile.Read(ref value);

        public void Report(int progress)
        {
            var clamped = Math.Clamp(progress, 0, 99);
            int current;
            do
            {
                current = Volatile.Read(ref value);
            }
            while (clamped > current && Interlocked.CompareExchange(ref value, clamped, current) != current);
        }
    }
}
