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
/// month: the KPI ledger's tallies of the month's days), today and as on the 20th of a month;</item>
/// <item><b>apply</b>: what a batch of changes costs the ledger (ApplyChangesAsync after 1 and after 50 matters were
/// changed: their items recomputed, the tallies moved by the difference);</item>
/// <item><b>page</b>: GET /metrics?month=last month as the statistician — the figures, the first KPI's breakdown and its
/// 13-month trend;</item>
/// <item><b>xlsx</b>: last month's workbook written to a temporary file as the export worker writes it, with its peak memory.</item>
/// </list>
/// Baseline, in the same run: the same figures counted from the live tables by the definitions' SQL
/// (CountFromSourceAsync: what the app did before the ledger, and what closing a month still does) through a second
/// data source whose sessions may not use indexes (<c>enable_indexscan</c> and <c>enable_bitmapscan</c> off), so every
/// population is read by a plain scan of matter_clock, visit, matter and evaluation. Fewer runs of the baseline: it
/// takes seconds each. The first apply of a database seeded before the ledger builds it whole: that is timed once.
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

        var first = Stopwatch.GetTimestamp();
        await fast.ApplyChangesAsync();
        results.Add("kpi", "first apply", size, "ms", Stopwatch.GetElapsedTime(first).TotalMilliseconds);

        await TimeAsync("wall", "ledger", repeat * 3, () => fast.FiguresAsync(scope, thisMonth));
        if (baseline)
        {
            await TimeAsync("wall", "plain scan", 3, () => slow.CountFromSourceAsync(scope, thisMonth), warmups: 1);
        }

        // A batch of changes: the newest matters' category written again as it was. The triggers note each matter, and
        // the apply recomputes every KPI item of it (its clocks, visits, evaluations), whatever changed.
        var recent = (await indexed.OpenConnection().QueryAsync<long>(
            "SELECT id FROM matter WHERE center_id = @centerId ORDER BY id DESC LIMIT 50", new { centerId })).ToArray();
        foreach (var batch in new[] { 1, 50 })
        {
            await TimeAsync($"apply {batch}", "ledger", repeat, () => fast.ApplyChangesAsync(), before: async () =>
            {
                await using var connection = await indexed.OpenConnectionAsync();
                await connection.ExecuteAsync("UPDATE matter SET category = category WHERE id = ANY(@ids)", new { ids = recent[..batch] });
            });
        }

        // Early in a month the month to date is nearly empty: the wall again as it reads on the 20th, at noon.
        var twentieth = new FixedTime(ChinaTime.StartOf(lastMonth.AddDays(19)).AddHours(12));
        var onThe20th = Metrics(indexed, twentieth);
        await TimeAsync("wall on the 20th", "ledger", repeat * 3, () => onThe20th.FiguresAsync(scope, lastMonth));
        if (baseline)
        {
            await TimeAsync("wall on the 20th", "plain scan", 3, () => Metrics(scanned, twentieth).CountFromSourceAsync(scope, lastMonth), warmups: 1);
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
            await TimeAsync("page", "plain scan", 2, () => SourcePageReadsAsync(slow, scope, lastMonth), warmups: 0);
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

    /// <summary>The page's figures and breakdowns counted from the live tables, as before the ledger (its trend left out).</summary>
    static async Task SourcePageReadsAsync(MetricsQueries metrics, MetricsScope scope, DateOnly month)
    {
        await metrics.CountFromSourceAsync(scope, month);
        var items = await metrics.ItemsFromSourceAsync(scope, Kpis.All[0], month);
        var names = await metrics.NamesAsync(scope.CenterId);
        foreach (var (dimension, _) in MetricsQueries.Dimensions)
        {
            MetricsQueries.Breakdown(Kpis.All[0], items, dimension, names);
        }
    }

    async Task TimeAsync(string @case, string path, int count, Func<Task> action, int warmups = 2, Func<Task>? before = null)
    {
        Console.WriteLine($"kpi: {@case}, {path}");
        var times = new List<double>();
        for (var i = -warmups; i < count; i++)
        {
            if (before is not null)
            {
                await before();
            }

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
