using System.Diagnostics;
using System.Net.Http.Json;
using Dapper;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Npgsql;
using OpsBoard.Data.Live;
using OpsBoard.Data.Screens;

namespace OpsBoard.Bench;

/// <summary>
/// Commit → every screen holding its fresh regions, for N screens, on two paths measured back to back in the same run:
/// <b>push</b> (the server renders each changed region once and sends the HTML to all screens) and <b>fetch</b> (each
/// screen is told the region names and fetches them, as every screen did before). Also the server's CPU time per event
/// and its memory per connection, read from /proc for the app's process.
/// </summary>
public sealed class LiveScenario(BenchOptions options, Results results)
{
    const string Kind = "visit.registered";
    static readonly string[] ScreenRegions = ["totals", "queue", "occupancy", "kpi"]; // LiveRegions.For("visit.registered") shown on a wall
    static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(60);

    readonly Uri baseAddress = new(options.Get("url"));
    readonly NpgsqlDataSource dataSource = NpgsqlDataSource.Create(options.Get("db"));
    readonly int pid = options.GetInt("pid", 0);
    readonly int events = options.GetInt("events", 20);

    public async Task RunAsync()
    {
        var (centerId, adminId) = await dataSource.OpenConnection().QuerySingleAsync<(int, int)>(
            "SELECT c.id, u.id FROM center c JOIN app_user u ON u.center_id = c.id WHERE u.login = 'admin' ORDER BY c.id LIMIT 1");
        var (_, token) = await new DeviceTokens(dataSource).CreateAsync(centerId, "性能测试大屏", adminId);
        foreach (var screens in options.GetInts("screens", 1, 10, 100, 1000))
        {
            foreach (var push in new[] { true, false })
            {
                await MeasureAsync(centerId, token, screens, push);
            }
        }
    }

    async Task MeasureAsync(int centerId, string token, int screens, bool push)
    {
        var path = push ? "push" : "fetch";
        Console.WriteLine($"live: {screens} screens, {path}");
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = baseAddress, Timeout = EventTimeout };
        var rssBefore = ServerProcess.RssKb(pid);
        var clients = new List<ScreenClient>();
        for (var i = 0; i < screens; i++)
        {
            clients.Add(await ScreenClient.ConnectAsync(baseAddress, token, push, http));
        }

        var rssPerConnection = (ServerProcess.RssKb(pid) - rssBefore) / (double)screens;
        var count = screens >= 1000 ? Math.Min(events, 10) : events;
        var latencies = new List<double>();
        var rendersBefore = await RendersAsync(http);
        var cpuBefore = ServerProcess.CpuMs(pid);
        for (var e = -2; e < count; e++) // two warm-up events
        {
            var (id, committed) = await CommitEventAsync(centerId);
            var arrivals = await Task.WhenAll(clients.Select(c => c.WaitForAsync(id, EventTimeout)));
            if (e >= 0)
            {
                latencies.AddRange(arrivals.Select(a => (a - committed) * 1000.0 / Stopwatch.Frequency));
            }
            else
            {
                rendersBefore = await RendersAsync(http);
                cpuBefore = ServerProcess.CpuMs(pid);
            }

            // Past the dispatcher's burst window, so each event is measured on its own (leading edge, not coalesced).
            await Task.Delay(150);
        }

        var cpuPerEvent = (ServerProcess.CpuMs(pid) - cpuBefore) / count;
        var renders = (await RendersAsync(http) - rendersBefore) / (double)count;
        latencies.Sort();
        var fetches = clients.Sum(c => c.Fetches) / (double)(count + 2);
        results.Add("live", path, screens, "p50 ms", Stats.Percentile(latencies, 50));
        results.Add("live", path, screens, "p95 ms", Stats.Percentile(latencies, 95));
        results.Add("live", path, screens, "max ms", latencies[^1]);
        results.Add("live", path, screens, "renders/event", push ? renders : 0);
        results.Add("live", path, screens, "fetches/event", fetches);
        if (pid > 0)
        {
            results.Add("live", path, screens, "server cpu ms/event", cpuPerEvent);
            results.Add("live", path, screens, "server KB/connection", rssPerConnection);
        }

        await Task.WhenAll(clients.Select(c => c.DisposeAsync().AsTask()));
    }

    async Task<(long Id, long Committed)> CommitEventAsync(int centerId)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var id = await LiveJournal.AppendAsync(connection, transaction, Kind, centerId, null, new { bench = true });
        await transaction.CommitAsync();
        return (id, Stopwatch.GetTimestamp());
    }

    static async Task<long> RendersAsync(HttpClient http) =>
        (await http.GetFromJsonAsync<Health>("/healthz"))?.LiveRenders ?? 0;

    sealed record Health(long LiveRenders);

    /// <summary>One screen: on the push path it holds a region once the pushed HTML arrived; on the fetch path once it fetched every changed region.</summary>
    sealed class ScreenClient : IAsyncDisposable
    {
        readonly HubConnection connection;
        readonly Dictionary<long, long> arrived = [];
        readonly SemaphoreSlim signal = new(0);
        readonly Lock gate = new();
        int fetches;

        ScreenClient(HubConnection connection) => this.connection = connection;

        public int Fetches => fetches;

        public static async Task<ScreenClient> ConnectAsync(Uri baseAddress, string token, bool push, HttpClient http)
        {
            var query = $"/hubs/live?device={Uri.EscapeDataString(token)}{(push ? "" : "&push=0")}";
            var connection = new HubConnectionBuilder()
                .WithUrl(new Uri(baseAddress, query), o =>
                {
                    o.Transports = HttpTransportType.WebSockets;
                    o.SkipNegotiation = true;
                })
                .Build();
            var client = new ScreenClient(connection);
            if (push)
            {
                connection.On<Push>("regions", p => client.Arrive(p.LastId));
            }
            else
            {
                connection.On<Change>("changed", c => _ = client.FetchAsync(c, http, token));
            }

            await connection.StartAsync();
            return client;
        }

        async Task FetchAsync(Change change, HttpClient http, string token)
        {
            var wanted = change.Regions.Where(r => ScreenRegions.Contains(r)).ToList();
            await Task.WhenAll(wanted.Select(async region =>
            {
                using var response = await http.GetAsync($"/wall/fragments/{region}?device={Uri.EscapeDataString(token)}");
                response.EnsureSuccessStatusCode();
                await response.Content.ReadAsStringAsync();
                Interlocked.Increment(ref fetches);
            }));
            Arrive(change.LastId);
        }

        void Arrive(long lastId)
        {
            lock (gate)
            {
                arrived[lastId] = Stopwatch.GetTimestamp();
            }

            signal.Release();
        }

        public async Task<long> WaitForAsync(long id, TimeSpan timeout)
        {
            using var cancel = new CancellationTokenSource(timeout);
            while (true)
            {
                lock (gate)
                {
                    var hit = arrived.Where(a => a.Key >= id).Select(a => a.Value).DefaultIfEmpty(0).Min();
                    if (hit > 0)
                    {
                        return hit;
                    }
                }

                await signal.WaitAsync(cancel.Token);
            }
        }

        public ValueTask DisposeAsync() => connection.DisposeAsync();

        sealed record Push(long LastId, Dictionary<string, string> Regions);

        sealed record Change(long LastId, string[] Regions, string[] Kinds);
    }
}

/// <summary>The app's process as Linux accounts for it.</summary>
static class ServerProcess
{
    static readonly double TicksPerMs = 100 / 1000.0; // USER_HZ is 100 on Linux

    public static double CpuMs(int pid)
    {
        if (pid <= 0 || !File.Exists($"/proc/{pid}/stat"))
        {
            return 0;
        }

        // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11]) + long.Parse(fields[12])) / TicksPerMs;
    }

    public static long RssKb(int pid)
    {
        if (pid <= 0 || !File.Exists($"/proc/{pid}/status"))
        {
            return 0;
        }

        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal)) ?? "VmRSS: 0 kB";
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
    }
}
