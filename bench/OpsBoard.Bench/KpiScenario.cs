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
/// <item><b>wall</b>: month-to-date figures of the center as the wall's KPI region reads them (FiguresAsync for the current
/// month: the rollup's ten rows while their count stands);</item>
/// <item><b>recount</b>: what one batch of changes that moves a KPI costs (RefreshCurrentAsync: the month counted in the
/// database and written to the rollup), early in the month and on the 20th;</item>
/// <item><b>page</b>: GET /metrics?month=last month as the statistician — the figures, the first KPI's breakdown and its
/// 13-month trend;</item>
/// <item><b>xlsx</b>: last month's workbook written to a temporary file as the export worker writes it, with its peak memory.</item>
/// </list>
/// Baseline, in the same run: the month counted through a second data source whose sessions may not use indexes
/// (<c>enable_indexscan</c> and <c>enable_bitmapscan</c> off), so every population is read by a plain scan of matter_clock,
/// visit, matter and evaluation — the same SQL and the same figures, without the period indexes or the rollup. Fewer runs
/// of the baseline: it takes seconds each.
/// </summary>
public sealed class KpiScenario(BenchOptions options, Results results)
{
    readonly Uri baseAddress = new(options.Get("url"));
    readonly string connectionString = options.Get("db");
    readonly long size = long.Parse(options.Get("size"), System.Globalization.CultureInfo.InvariantCulture);
    readonly int repeat = Math.Max(options.GetInt("repeat", 10), 5);

    // BASELINE=0 skips the plain-scan runs, which take minutes at a million visits and more.
    readonly bool baseline = options.GetInt("baseline", 1) != 0;

    public async Task RunAsync()
    {
        var indexed = NpgsqlDataSource.Create(connectionString);
        var scanned = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString)
        {
            // Index-only scans stay: no period query can use one (each needs columns outside its index), while the per-row
            // probes of a matter's visits or a visit's evaluation would otherwise turn into a scan per row.
            Options = "-c enable_indexscan=off -c enable_bitmapscan=off",
            // A plain scan per matter of a month takes minutes at a million visits: no timeout on the baseline.
            CommandTimeout = 0,
        }.ConnectionString);
        var centerId = await indexed.OpenConnection().ExecuteScalarAsync<int>("SELECT center_id FROM app_user WHERE login = 'stats'");
        var scope = MetricsScope.Center(centerId);
        var fast = Metrics(indexed);
        var slow = Metrics(scanned);
        var today = fast.Today;
        var thisMonth = new DateOnly(today.Year, today.Month, 1);
        var lastMonth = thisMonth.AddMonths(-1);

        await fast.RefreshCurrentAsync(centerId);
        await TimeAsync("wall", "rollup", repeat * 3, () => fast.FiguresAsync(scope, thisMonth));
        await TimeAsync("recount", "indexed", repeat, () => fast.RefreshCurrentAsync(centerId));
        if (baseline)
        {
            await TimeAsync("recount", "plain scan", 3, () => slow.RefreshCurrentAsync(centerId), warmups: 1);
        }

        // Early in a month the month to date is nearly empty: the wall again as it reads on the 20th, at noon. (The 20th of
        // last month: its running-month rows are written for that day and read by no one else.)
        var twentieth = new FixedTime(ChinaTime.StartOf(lastMonth.AddDays(19)).AddHours(12));
        var onThe20th = Metrics(indexed, twentieth);
        await onThe20th.RefreshCurrentAsync(centerId);
        await TimeAsync("wall on the 20th", "rollup", repeat * 3, () => onThe20th.FiguresAsync(scope, lastMonth));
        await TimeAsync("recount on the 20th", "indexed", repeat, () => onThe20th.RefreshCurrentAsync(centerId));
        if (baseline)
        {
            await TimeAsync("recount on the 20th", "plain scan", 3, () => Metrics(scanned, twentieth).RefreshCurrentAsync(centerId), warmups: 1);
        }

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

        if (baseline)
        {
            await TimeAsync("page", "plain scan", 2, () => PageReadsAsync(slow, scope, lastMonth), warmups: 0);
        }

        await ExportAsync("indexed", fast, scope, lastMonth, runs: 3);
        if (baseline)
        {
            await ExportAsync("plain scan", slow, scope, lastMonth, runs: 1);
        }
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
    /// thread of its own while the export runs, each minus its value just before the export, after a full collection:
    /// the managed heap (<see cref="GC.GetTotalMemory(bool)"/> without a collection, so garbage not yet collected counts
    /// too — an upper bound) and the process working set. Then the proof of the bound: the same export in a child process
    /// whose managed heap is capped at 50 MB (<c>DOTNET_GCHeapHardLimit</c>), which fails with OutOfMemoryException if the
    /// export ever holds more. Reported: the best of the runs
    /// for time, the largest of their peaks.
    /// </summary>
    async Task ExportAsync(string path, MetricsQueries metrics, MetricsScope scope, DateOnly month, int runs)
    {
        Console.WriteLine($"kpi: xlsx, {path}");
        var writer = new MetricsExport(metrics, TimeProvider.System);
        var export = new MonthExport(scope, month, "全中心");
        if (runs > 1)
        {
            await WriteAsync(writer, export);
        }

        var best = double.MaxValue;
        double heap = 0, workingSet = 0;
        var rows = 0;
        long bytes = 0;
        for (var run = 0; run < runs; run++)
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
        if (runs > 1)
        {
            results.Add("kpi", $"xlsx · {path}", size, "completes in a 50 MB heap", await CappedExportAsync() ? 1 : 0);
        }

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

    /// <summary>The bench itself, <c>xlsx --db CS</c>, in a child process whose managed heap may not pass 50 MB.</summary>
    async Task<bool> CappedExportAsync()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { typeof(KpiScenario).Assembly.Location, "xlsx", "--db", connectionString, "--out", "/dev/null" })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_GCHeapHardLimit"] = "0x3200000";
        using var child = Process.Start(start)!;
        var output = child.StandardOutput.ReadToEndAsync();
        var error = await child.StandardError.ReadToEndAsync();
        await child.WaitForExitAsync();
        Console.WriteLine($"  xlsx in a 50 MB heap: {(await output).Trim()} {error.Split('\n').FirstOrDefault()}");
        return child.ExitCode == 0;
    }

    /// <summary>Last month's xlsx of the whole center, once: what <see cref="CappedExportAsync"/> runs.</summary>
    public static async Task ExportOnceAsync(string connectionString)
    {
        var dataSource = NpgsqlDataSource.Create(connectionString);
        var metrics = Metrics(dataSource);
        var centerId = await dataSource.OpenConnection().ExecuteScalarAsync<int>("SELECT center_id FROM app_user WHERE login = 'stats'");
        var today = metrics.Today;
        var started = Stopwatch.GetTimestamp();
        var (rows, _) = await WriteAsync(new MetricsExport(metrics, TimeProvider.System),
            new MonthExport(MetricsScope.Center(centerId), new DateOnly(today.Year, today.Month, 1).AddMonths(-1), "全中心"));
        Console.WriteLine($"{rows} rows in {Stopwatch.GetElapsedTime(started).TotalMilliseconds:F0} ms");
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
