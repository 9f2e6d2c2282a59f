using Dapper;
using Npgsql;
using OpsBoard.Data.Accounts;

namespace OpsBoard.Data.Audit;

/// <summary>
/// How long the operation log is kept, and its purge. 网络安全法 第二十一条 asks for at least six months: the setting
/// refuses less, and the database function that deletes refuses any cutoff younger than six months whatever it is given.
/// </summary>
public sealed class AuditRetention(NpgsqlDataSource dataSource)
{
    /// <summary>The longest six calendar months (July to December) have 184 days.</summary>
    public const int MinimumDays = 184;

    public const int DefaultDays = 365;

    public const int MaximumDays = 3660;

    public async Task<int> DaysAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<int?>("SELECT retention_days FROM audit_setting") ?? DefaultDays;
    }

    /// <summary>The auditor sets the retention; refused below six months. Audited in the same transaction.</summary>
    public async Task SetAsync(Actor actor, int days, System.Net.IPAddress? remoteIp = null, CancellationToken cancellationToken = default)
    {
        await PermissionGuard.RequireAsync(dataSource, actor, Permission.ViewAudit, null, "audit_setting", null, "审计日志");
        if (days < MinimumDays)
        {
            throw new RefusedException($"审计日志至少留存六个月（《网络安全法》第二十一条），留存天数不能少于 {MinimumDays} 天。");
        }

        if (days > MaximumDays)
        {
            throw new RefusedException($"留存天数不能超过 {MaximumDays} 天。");
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        const string sql = """
            UPDATE audit_setting
            SET retention_days = @days, changed_at = now(), changed_by = @UserId
            RETURNING (SELECT retention_days FROM audit_setting)
            """;
        var before = await connection.ExecuteScalarAsync<int>(sql, new { days, actor.UserId }, transaction);
        await AuditLog.WriteAsync(connection, transaction, new AuditEntry("audit.retention_set", actor.CenterId, actor.UserId,
            SubjectKind: "audit_setting", Detail: new { before, after = days }, RemoteIp: remoteIp));
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// Removes the rows older than the retention, through <c>audit_purge</c> (the only path that may delete), and
    /// records the purge itself. Returns how many rows left.
    /// </summary>
    public async Task<long> PurgeAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        const string sql = """
            SELECT retention_days AS Days, now() - make_interval(days => retention_days) AS Cutoff
            FROM audit_setting
            """;
        var setting = await connection.QuerySingleAsync<(int Days, DateTime Cutoff)>(sql, transaction: transaction);
        var removed = await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT audit_purge(@Cutoff)", new { setting.Cutoff },
            transaction, commandTimeout: 0, cancellationToken: cancellationToken));
        await AuditLog.WriteAsync(connection, transaction, new AuditEntry("audit.purged", SubjectKind: "audit_log",
            Device: "audit/retention", Detail: new { retentionDays = setting.Days, cutoff = setting.Cutoff, removed }));
        await transaction.CommitAsync(cancellationToken);
        return removed;
    }
}
