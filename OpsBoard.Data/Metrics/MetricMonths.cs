using Dapper;
using Npgsql;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Audit;
using OpsBoard.Data.Live;

namespace OpsBoard.Data.Metrics;

/// <summary>A refusal of the metrics pages: a bad month, a month that cannot be closed or reopened.</summary>
public sealed class MetricsException(string message) : RefusedException(message);

/// <summary>
/// Closing a month freezes its figures: every KPI's items, and the deadline-rule versions in force, are copied into
/// metric_month_item, so corrections made later to matters or visits never move a closed month and a re-export gives
/// the same numbers. Reopening is the director's, with a reason; both are audited and announced live.
/// </summary>
public sealed class MetricMonths(NpgsqlDataSource dataSource, MetricsQueries metrics, TimeProvider time)
{
    public async Task<int> CloseAsync(Actor actor, DateOnly month)
    {
        await PermissionGuard.RequireAsync(dataSource, actor, Permission.CloseMonth, null, "metric_month", null);
        var today = ChinaTime.Today(time);
        if (!MetricPeriod.For(month, today).IsComplete(today))
        {
            throw new MetricsException($"{month.Year} 年 {month.Month} 月尚未结束，不能关账；请在下月再关。");
        }

        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var frozen = await CloseAsync(connection, transaction, metrics, actor, month, time.GetUtcNow());
        await transaction.CommitAsync();
        return frozen;
    }

    /// <summary>
    /// Closes a finished month inside the caller's transaction, as of <paramref name="now"/>: the page above, and the demo
    /// generator, whose statistician closed each month of its history early in the next.
    /// </summary>
    internal static async Task<int> CloseAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, MetricsQueries metrics,
        Actor actor, DateOnly month, DateTimeOffset now)
    {
        var today = ChinaTime.DayOf(now);
        now = now.ToUniversalTime();
        // The row lock serialises two statisticians closing the same month at once.
        var state = await connection.ExecuteScalarAsync<string?>(
            "SELECT state FROM metric_month WHERE center_id = @CenterId AND month = @month FOR UPDATE", new { actor.CenterId, month }, transaction);
        if (state == MetricMonthState.Closed)
        {
            throw new MetricsException($"{month.Year} 年 {month.Month} 月已关账，数据已冻结；如需更正，请中心主任先重新打开。");
        }

        const string versionsSql = """
            SELECT coalesce(jsonb_object_agg(code, version), '{}')
            FROM (
                SELECT DISTINCT ON (code) code, version
                FROM deadline_rule
                WHERE effective_from <= @lastDay
                ORDER BY code, effective_from DESC, version DESC
            ) r
            """;
        var versions = await connection.ExecuteScalarAsync<string>(versionsSql, new { lastDay = month.AddMonths(1).AddDays(-1) }, transaction);
        const string upsert = """
            INSERT INTO metric_month (center_id, month, state, closed_at, closed_by, rule_versions)
            VALUES (@CenterId, @month, 'closed', @now, @UserId, CAST(@versions AS jsonb))
            ON CONFLICT (center_id, month) DO UPDATE
            SET state = 'closed', closed_at = @now, closed_by = @UserId, rule_versions = CAST(@versions AS jsonb),
                reopened_at = NULL, reopened_by = NULL, reopen_reason = NULL
            """;
        await connection.ExecuteAsync(upsert, new { actor.CenterId, month, now, actor.UserId, versions }, transaction);
        await connection.ExecuteAsync("DELETE FROM metric_month_item WHERE center_id = @CenterId AND month = @month", new { actor.CenterId, month }, transaction);

        var period = MetricPeriod.For(month, today);
        var lastYear = period.SameMonthLastYear();
        var lastYearClosed = await MetricsQueries.IsClosedAsync(connection, actor.CenterId, lastYear.Month);
        var scope = MetricsScope.Center(actor.CenterId);
        var frozen = 0;
        var figures = new List<KpiFigure>();
        foreach (var kpi in Kpis.All)
        {
            var items = await metrics.ComputeAsync(connection, transaction, actor.CenterId, kpi, period);
            frozen += await FreezeAsync(connection, transaction, actor.CenterId, month, items);
            // The figures freeze with their items, last year's comparison included: the wall and the trend read these rows.
            var compared = kpi.ComparesYearOnYear
                ? (await metrics.CountAsync(connection, transaction, scope, kpi, lastYear, lastYearClosed)).Value
                : null;
            figures.Add(KpiFigure.Of(kpi, items, compared));
        }

        await KpiRollups.WriteAsync(connection, transaction, actor.CenterId, month, figures);

        await AuditLog.WriteAsync(connection, transaction, new AuditEntry("metrics.month_closed", actor.CenterId, actor.UserId,
            SubjectKind: "metric_month", Detail: new { month = month.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture), items = frozen }));
        await LiveJournal.AppendAsync(connection, transaction, "metrics.month_closed", actor.CenterId, payload: new { month });
        return frozen;
    }

    public async Task ReopenAsync(Actor actor, DateOnly month, string? reason)
    {
        await PermissionGuard.RequireAsync(dataSource, actor, Permission.ReopenMonth, null, "metric_month", null);
        if (string.IsNullOrWhiteSpace(reason))
        {
            throw new MetricsException("重新打开已关账月份须填写原因。");
        }

        if (reason.Length > TextLimits.Reason)
        {
            throw new MetricsException($"原因不能超过 {TextLimits.Reason} 字。");
        }

        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        const string sql = """
            UPDATE metric_month
            SET state = 'reopened', reopened_at = @now, reopened_by = @UserId, reopen_reason = @reason
            WHERE center_id = @CenterId AND month = @month AND state = 'closed'
            """;
        var changed = await connection.ExecuteAsync(sql, new { actor.CenterId, month, now = time.GetUtcNow(), actor.UserId, reason = reason.Trim() }, transaction);
        if (changed == 0)
        {
            throw new MetricsException($"{month.Year} 年 {month.Month} 月未关账，无需重新打开。");
        }

        await connection.ExecuteAsync("DELETE FROM metric_month_item WHERE center_id = @CenterId AND month = @month", new { actor.CenterId, month }, transaction);
        await KpiRollups.DeleteAsync(connection, transaction, actor.CenterId, month);
        await AuditLog.WriteAsync(connection, transaction, new AuditEntry("metrics.month_reopened", actor.CenterId, actor.UserId,
            SubjectKind: "metric_month", Detail: new { month = month.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture), reason = reason.Trim() }));
        await LiveJournal.AppendAsync(connection, transaction, "metrics.month_reopened", actor.CenterId, payload: new { month });
        await transaction.CommitAsync();
    }

    static async Task<int> FreezeAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int centerId, DateOnly month,
        IReadOnlyList<KpiItem> items)
    {
        const string copy = """
            COPY metric_month_item (center_id, month, kpi, item_kind, item_id, matter_id, code, at, in_numerator, value,
                                    unit_id, category, locality_id, source, level)
            FROM STDIN (FORMAT BINARY)
            """;
        await using var writer = await connection.BeginBinaryImportAsync(copy);
        foreach (var i in items)
        {
            await writer.StartRowAsync();
            await writer.WriteAsync(centerId, NpgsqlTypes.NpgsqlDbType.Integer);
            await writer.WriteAsync(month, NpgsqlTypes.NpgsqlDbType.Date);
            await writer.WriteAsync(i.Kpi, NpgsqlTypes.NpgsqlDbType.Text);
            await writer.WriteAsync(i.ItemKind, NpgsqlTypes.NpgsqlDbType.Text);
            await writer.WriteAsync(i.ItemId, NpgsqlTypes.NpgsqlDbType.Bigint);
            await KpiLedger.WriteAsync(writer, i.MatterId, NpgsqlTypes.NpgsqlDbType.Bigint);
            await writer.WriteAsync(i.Code, NpgsqlTypes.NpgsqlDbType.Text);
            await writer.WriteAsync(DateTime.SpecifyKind(i.At, DateTimeKind.Utc), NpgsqlTypes.NpgsqlDbType.TimestampTz);
            await writer.WriteAsync(i.InNumerator, NpgsqlTypes.NpgsqlDbType.Boolean);
            await KpiLedger.WriteAsync(writer, i.Value, NpgsqlTypes.NpgsqlDbType.Double);
            await KpiLedger.WriteAsync(writer, i.UnitId, NpgsqlTypes.NpgsqlDbType.Integer);
            await KpiLedger.WriteAsync(writer, i.Category, NpgsqlTypes.NpgsqlDbType.Text);
            await KpiLedger.WriteAsync(writer, i.LocalityId, NpgsqlTypes.NpgsqlDbType.Integer);
            await KpiLedger.WriteAsync(writer, i.Source, NpgsqlTypes.NpgsqlDbType.Text);
            await KpiLedger.WriteAsync(writer, i.Level, NpgsqlTypes.NpgsqlDbType.Text);
        }

        return (int)await writer.CompleteAsync();
    }
}
