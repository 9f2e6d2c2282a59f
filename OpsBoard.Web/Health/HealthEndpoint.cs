using Npgsql;
using OpsBoard.Data.Postgres;
using Quartz;

namespace OpsBoard.Web.Health;

public sealed record HealthComponent(string Status, string? Detail = null);

/// <param name="LiveRenders">Screen regions this node has rendered for pushing since it started: the bench divides it by events.</param>
public sealed record HealthReport(string Status, HealthComponent Database, HealthComponent Migrations, HealthComponent Scheduler, DateTimeOffset CheckedAt,
    long LiveRenders);

/// <summary><c>GET /healthz</c>: database, migrations and scheduler; 503 when any of them is down.</summary>
public static class HealthEndpoint
{
    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    public static IEndpointRouteBuilder MapOpsBoardHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/healthz", CheckAsync).AllowAnonymous();
        return endpoints;
    }

    static async Task<IResult> CheckAsync(NpgsqlDataSource dataSource, MigrationRunner migrations, ISchedulerFactory schedulers, TimeProvider time,
        Live.RegionRenderer renderer, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        var database = await CheckDatabaseAsync(dataSource, timeout.Token);
        var schema = database.Status == "up" ? await CheckMigrationsAsync(migrations, timeout.Token) : new HealthComponent("unknown", "数据库不可用");
        var scheduler = await CheckSchedulerAsync(schedulers, timeout.Token);
        var up = database.Status == "up" && schema.Status == "up" && scheduler.Status == "up";
        var report = new HealthReport(up ? "up" : "down", database, schema, scheduler, time.GetUtcNow(), renderer.Renders);
        return Results.Json(report, statusCode: up ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    static async Task<HealthComponent> CheckDatabaseAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        try
        {
            await using var command = dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(cancellationToken);
            return new HealthComponent("up");
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            return new HealthComponent("down", e.Message);
        }
    }

    static async Task<HealthComponent> CheckMigrationsAsync(MigrationRunner migrations, CancellationToken cancellationToken)
    {
        try
        {
            var status = await migrations.StatusAsync(cancellationToken);
            return status.UpToDate
                ? new HealthComponent("up", $"{status.Applied}/{status.Known}")
                : new HealthComponent("down", $"pending: {string.Join(", ", status.Pending)}");
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException)
        {
            return new HealthComponent("down", e.Message);
        }
    }

    static async Task<HealthComponent> CheckSchedulerAsync(ISchedulerFactory schedulers, CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var status = await scheduler.GetStatus(cancellationToken);
        return status == SchedulerStatus.Running
            ? new HealthComponent("up", scheduler.SchedulerInstanceId)
            : new HealthComponent("down", status.ToString());
    }
}
