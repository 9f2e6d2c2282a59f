using System.Text.Json.Serialization;
using Npgsql;
using OpsBoard.Data;
using OpsBoard.Data.Live;
using OpsBoard.Data.Notices;
using OpsBoard.Data.Postgres;
using OpsBoard.Web.Live;
using Quartz;

namespace OpsBoard.Web.Health;

/// <param name="Status">A <see cref="ComponentState"/> code.</param>
/// <param name="Restarts">The embedded server only: restarts since this node started.</param>
public sealed record HealthComponent(
    string Status,
    string? Detail = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Restarts = null)
{
    [JsonIgnore]
    public bool Up => Status == ComponentState.Up;
}

/// <param name="Server">The embedded PostgreSQL; null when the node uses a configured server, which it does not run.</param>
/// <param name="LiveRenders">Screen regions this node has rendered for pushing since it started: the bench divides it by events.</param>
public sealed record HealthReport(
    string Status,
    HealthComponent Database,
    HealthComponent Migrations,
    HealthComponent? Server,
    HealthComponent Scheduler,
    HealthComponent Live,
    DateTimeOffset CheckedAt,
    long LiveRenders)
{
    [JsonIgnore]
    public bool Up => Status == ComponentState.Up;

    /// <summary>The components in the order the system page lists them, keyed by their <see cref="ComponentState.Components"/> code.</summary>
    public IEnumerable<(string Code, HealthComponent Component)> Components()
    {
        yield return ("database", Database);
        yield return ("migrations", Migrations);
        if (Server is not null)
        {
            yield return ("server", Server);
        }

        yield return ("scheduler", Scheduler);
        yield return ("live", Live);
    }
}

/// <summary>
/// Asks each part of the node whether it can work now, rather than whether it was started: a query on the database, the
/// embedded server's process, a read through the scheduler's own job store, the live listener's connection.
/// </summary>
public sealed class HealthChecks(
    NpgsqlDataSource dataSource,
    MigrationRunner migrations,
    ISchedulerFactory schedulers,
    LiveListener listener,
    RegionRenderer renderer,
    TimeProvider time,
    IServiceProvider services,
    ILogger<HealthChecks> logger)
{
    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    public async Task<HealthReport> CheckAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        var database = await CheckDatabaseAsync(timeout.Token);
        var schema = database.Up ? await CheckMigrationsAsync(timeout.Token) : new HealthComponent(ComponentState.Unknown, "数据库不可用");
        var server = CheckServer(services.GetService<EmbeddedPostgresSupervisor>());
        var scheduler = await CheckSchedulerAsync(timeout.Token);
        var live = listener.Connected
            ? new HealthComponent(ComponentState.Up, $"已读到事件 {listener.HighWaterMark}")
            : new HealthComponent(ComponentState.Down, listener.LastFailure is null ? "尚未连接" : "连接中断，正在重连");
        var report = new HealthReport(ComponentState.Down, database, schema, server, scheduler, live, time.GetUtcNow(), renderer.Renders);
        return report with { Status = report.Components().All(c => c.Component.Up) ? ComponentState.Up : ComponentState.Down };
    }

    async Task<HealthComponent> CheckDatabaseAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var command = dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(cancellationToken);
            return new HealthComponent(ComponentState.Up);
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            return new HealthComponent(ComponentState.Down, Reason(e));
        }
    }

    async Task<HealthComponent> CheckMigrationsAsync(CancellationToken cancellationToken)
    {
        try
        {
            var status = await migrations.StatusAsync(cancellationToken);
            return status.UpToDate
                ? new HealthComponent(ComponentState.Up, $"{status.Applied}/{status.Known}")
                : new HealthComponent(ComponentState.Down, $"pending: {string.Join(", ", status.Pending)}");
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException)
        {
            return new HealthComponent(ComponentState.Down, Reason(e));
        }
    }

    static HealthComponent? CheckServer(EmbeddedPostgresSupervisor? supervisor)
    {
        if (supervisor is null)
        {
            return null;
        }

        var status = supervisor.Status;
        var lastRestart = status.LastRestartAt is { } at ? $"；最近一次重启于 {at.ToOffset(ChinaTime.Offset):yyyy-MM-dd HH:mm:ss}" : "";
        return status.State == EmbeddedServerState.Running
            ? new HealthComponent(ComponentState.Up, $"端口 {supervisor.Port}，进程 {supervisor.ProcessId}{lastRestart}", status.Restarts)
            : new HealthComponent(ComponentState.Restarting, "服务进程已退出，正在重启", status.Restarts);
    }

    /// <summary>
    /// Started is not enough: a scheduler whose store is unreachable fires nothing. Listing the cluster's nodes reads the
    /// store through the scheduler itself.
    /// </summary>
    async Task<HealthComponent> CheckSchedulerAsync(CancellationToken cancellationToken)
    {
        try
        {
            var scheduler = await schedulers.GetScheduler(cancellationToken);
            var status = await scheduler.GetStatus(cancellationToken);
            if (status != SchedulerStatus.Running)
            {
                return new HealthComponent(ComponentState.Down, status.ToString());
            }

            var nodes = await scheduler.QueryClusterNodes(cancellationToken);
            var self = nodes.First(n => n.IsCurrentNode);
            return new HealthComponent(ComponentState.Up, $"本节点 {self.InstanceId}（{NodeState(self.State)}），集群共 {nodes.Count} 个节点");
        }
        catch (Exception e) when (e is SchedulerException or NpgsqlException or OperationCanceledException or TimeoutException)
        {
            return new HealthComponent(ComponentState.Down, Reason(e));
        }
    }

    /// <summary>
    /// What the anonymous endpoint may say: a kind of failure, never the exception's text, which can name hosts, ports,
    /// users and file paths. The full exception is in the node's log.
    /// </summary>
    string Reason(Exception e)
    {
        if (e is OperationCanceledException)
        {
            return $"{Timeout.TotalSeconds:0} 秒内未响应";
        }

        logger.LogWarning(e, "Health check failed");
        return e switch
        {
            TimeoutException => "连接超时",
            SchedulerException => "调度器不可用",
            _ => "无法连接数据库",
        };
    }

    /// <summary>A scheduler node's check-in state as the system page shows it.</summary>
    public static string NodeState(ClusterNodeState state) => state switch
    {
        ClusterNodeState.Alive => "在线",
        ClusterNodeState.Overdue => "签到延迟",
        _ => "失联",
    };
}
