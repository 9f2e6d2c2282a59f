using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpsBoard.Data;
using OpsBoard.Jobs;

// The scheduler alone, without the web front: a worker node of the same cluster.
var builder = Host.CreateApplicationBuilder(args);
// The same quiet defaults as the web node's appsettings.json, which a worker does not carry.
builder.Logging.AddFilter("Npgsql", LogLevel.Warning).AddFilter("Quartz", LogLevel.Warning);
builder.AddOpsBoardData();
builder.AddOpsBoardJobs();
await builder.Build().RunAsync();
