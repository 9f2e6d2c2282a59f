using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpsBoard.Data;
using OpsBoard.Data.Postgres;
using OpsBoard.Jobs;

try
{
    // The scheduler alone, without the web front: a worker node of the same cluster.
    var builder = Host.CreateApplicationBuilder(args);
    // The same quiet defaults as the web node's appsettings.json, which a worker does not carry.
    builder.Logging.AddFilter("Npgsql", LogLevel.Warning).AddFilter("Quartz", LogLevel.Warning);
    builder.AddOpsBoardData();
    builder.AddOpsBoardJobs();
    await builder.Build().RunAsync();
    return 0;
}
catch (Exception e) when (e is EmbeddedPostgresException or MigrationException or OptionsValidationException)
{
    // As the web node does: faults the operator must fix get one readable line and exit code 2, not a stack trace.
    Console.Error.WriteLine($"OpsBoard worker cannot start: {e.Message}");
    return 2;
}
