using System.Diagnostics;
using System.Net;
using Dapper;
using Npgsql;
using OpsBoard.Data;
using OpsBoard.Data.Calendar;
using OpsBoard.Data.Metrics;

namespace OpsBoard.Bench;

/// <summary>
/// The metrics, on a database of a given size, through the app's own <see cref="MetricsQueries"/> and
/// <see cref="MetricsExport"/> run in this process against the app's database:
/// <list type="bullet">
/// <item><b>wall</b>: month-to-date figures of the center (FiguresAsync for the current month), as the wall's KPI region reads them;</item>
/// <item><b>page</b>: GET /metrics?month=last month as the statistician when the page exists, else what it reads — the
/// figures, the first KPI's five breakdowns and its 13-month trend;</item>
/// <item><b>xlsx</b>: last month's workbook written to a temporary file as the export worker writes it, with its peak memory.</item>
/// </list>
/// Baseline, in the same run: the same calls through a second data source whose sessions may not use indexes
/// (<c>enable_indexscan</c>, <c>enable_bitmapscan</c>, <c>enable_indexonlyscan</c> off), so every population is read by a
/// plain scan of matter_clock, visit, matter and evaluation — the same SQL and the same figures, without the period indexes.
/// </summary>
public sealed class KpiScenario(BenchOptions options, Results results)
{
    readonly Uri baseAddress = new(options.Get("url"));
    readonly string connectionString = options.Get("db");
    readonly long size = long.Parse(options.Get("size"), System.Globalization.CultureInfo.InvariantCulture);
    readonly int repeat = Math.Max(options.GetInt("repeat", 10), 5);

    public async Task RunAsync()
    {
        var indexed = NpgsqlDataSource.Create(connectionString);
        var scanned = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString)
        {
            Options = "-c enable_indexscan=off -c enable_bitmapscan=off -c enable_indexonlyscan=off",
        }.ConnectionString);
        var centerId = await indexed.OpenConnection().ExecuteScalarAsync<int>("SELECT center_id FROM app_user WHERE login = 'stats'");
        var scope = MetricsScope.Center(centerId);
        var fast = Metrics(indexed);
        var slow = Metrics(scanned);
        var today = fast.Today;
        var thisMonth = new DateOnly(today.Year, today.Month, 1);
        var lastMonth = thisMonth.AddMonths(-1);

        await TimeAsync("wall", "indexed", repeat * 3, () => fast.FiguresAsync(scope, thisMonth));
        await TimeAsync("wall", "plain scan", repeat, () => slow.FiguresAsync(scope, thisMonth), warmups: 1);
        // Early in a month the month to date is nearly empty: the wall again as it reads on the 20th, at noon.
        var twentieth = new FixedTime(ChinaTime.StartOf(lastMonth.AddDays(19)).AddHours(12));
        await TimeAsync("wall on the 20th", "indexed", repeat * 3, () => Metrics(indexed, twentieth).FiguresAsync(scope, lastMonth));
        await TimeAsync("wall on the 20th", "plain scan", repeat, () => Metrics(scanned, twentieth).FiguresAsync(scope, lastMonth), warmups: 1);

        using var stats = await SignInAsync("stats");
        using var probe = await stats.GetAsync($"/metrics?month={lastMonth:yyyy-MM}");
        if (probe.StatusCode == HttpStatusCode.OK)
        {
            results.Add("kpi", "page (GET /metrics)", size, "found", 1);
            await TimeAsync("page", "indexed", repeat, async () =>
            {
                using var response = await stats.GetAsync($"/metrics?month={lastMonth:yyyy-MM}");
                await response.Content.ReadAsStringAsync();
            });
        }
        else
        {
            await TimeAsync("page", "indexed", repeat, () => PageReadsAsync(fast, scope, lastMonth));
        }

        await TimeAsync("page", "plain scan", 3, () => PageReadsAsync(slow, scope, lastMonth), warmups: 0);

        await ExportAsync("indexed", fast, scope, lastMonth);
        await ExportAsync("plain scan", slow, scope, lastMonth);
    }

    static MetricsQueries Metrics(NpgsqlDataSource dataSource, TimeProvider? time = null) =>
        new(dataSource, new CalendarStore(dataSource), time ?? TimeProvider.System);

    sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now.ToUniversalTime();
    }

    /// <summary>What /metrics reads for a month: every figure, one KPI's five breakdowns and its trend.</summary>
    static async Task PageReadsAsync(MetricsQueries metrics, MetricsScope scope, DateOnly month)
    {
        await metrics.FiguresAsync(scope, month);
        foreach (var (dimension, _) in MetricsQueries.Dimensions)
        {
            await metrics.BreakdownAsync(scope, Kpis.All[0], month, dimension);
        }

        await metrics.TrendAsync(scope, Kpis.All[0], month);
    }

    async Task TimeAsync(string @case, string path, int count, Func<Task> action, int warmups = 2)
    {
        Console.WriteLine($"kpi: {@case}, {path}");
        var times = new List<double>();
        for (var i = -warmups; i < count; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await action();
            if (i >= 0)
            {
                times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }

        times.Sort();
        results.Add("kpi", $"{@case} · {path}", size, "p50 ms", Stats.Percentile(times, 50));
        results.Add("kpi", $"{@case} · {path}", size, "p95 ms", Stats.Percentile(times, 95));
    }

    /// <summary>
    /// Last month's xlsx, written to a temporary file as the worker writes it. Peak memory is sampled every 2 ms on a
    /// thread of its own while the export runs: the managed heap (<see cref="GC.GetTotalMemory(bool)"/> without a
    /// collection, so garbage not yet collected counts too — an upper bound of what the export holds) and the process
    /// working set, each minus its value just before the export, after a full collection. Reported: the best of three runs
    /// for time, the largest of the three peaks.
    /// </summary>
    async Task ExportAsync(string path, MetricsQueries metrics, MetricsScope scope, DateOnly month)
    {
        Console.WriteLine($"kpi: xlsx, {path}");
        var writer = new MetricsExport(metrics, TimeProvider.System);
        var export = new MonthExport(scope, month, "全中心");
        await WriteAsync(writer, export);
        var best = double.MaxValue;
        double heap = 0, workingSet = 0;
        var rows = 0;
        long bytes = 0;
        for (var run = 0; run < 3; run++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            var heapBefore = GC.GetTotalMemory(false);
            var workingSetBefore = Environment.WorkingSet;
            long peakHeap = heapBefore, peakWorkingSet = workingSetBefore;
            var sampling = true;
            var sampler = new Thread(() =>
            {
                while (Volatile.Read(ref sampling))
                {
                    peakHeap = Math.Max(peakHeap, GC.GetTotalMemory(false));
                    peakWorkingSet = Math.Max(peakWorkingSet, Environment.WorkingSet);
                    Thread.Sleep(2);
                }
            }) { IsBackground = true };
            sampler.Start();
            var started = Stopwatch.GetTimestamp();
            (rows, bytes) = await WriteAsync(writer, export);
            best = Math.Min(best, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            Volatile.Write(ref sampling, false);
            sampler.Join();
            heap = Math.Max(heap, (peakHeap - heapBefore) / 1048576.0);
            workingSet = Math.Max(workingSet, (peakWorkingSet - workingSetBefore) / 1048576.0);
        }

        results.Add("kpi", $"xlsx · {path}", size, "ms", best);
        results.Add("kpi", $"xlsx · {path}", size, "rows", rows);
        results.Add("kpi", $"xlsx · {path}", size, "file KB", bytes / 1024.0);
        results.Add("kpi", $"xlsx · {path}", size, "peak heap MB", heap);
        results.Add("kpi", $"xlsx · {path}", size, "peak working set MB", workingSet);

        // The floor under the export: reading the same items, and nothing else.
        var queries = Stopwatch.GetTimestamp();
        foreach (var kpi in Kpis.All)
        {
            await metrics.ItemsAsync(scope, kpi, month);
        }

        results.Add("kpi", $"xlsx · {path}", size, "items read ms", Stopwatch.GetElapsedTime(queries).TotalMilliseconds);
    }

    static async Task<(int Rows, long Bytes)> WriteAsync(MetricsExport writer, MonthExport export)
    {
        await using var file = new FileStream(Path.Combine(Path.GetTempPath(), $"opsboard-bench-{Guid.NewGuid():N}.xlsx"), FileMode.CreateNew,
            FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
        var result = await writer.WriteXlsxAsync(export, file);
        return (result.Rows, file.Length);
    }

    Task<HttpClient> SignInAsync(string login) => BenchHttp.SignInAsync(baseAddress, login);
}
