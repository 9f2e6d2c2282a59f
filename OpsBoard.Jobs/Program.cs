using Microsoft.Extensions.Hosting;
using OpsBoard.Data;
using OpsBoard.Jobs;

// The scheduler alone, without the web front: a worker node of the same cluster.
var builder = Host.CreateApplicationBuilder(args);
builder.AddOpsBoardData();
builder.AddOpsBoardJobs();
await builder.Build().RunAsync();
