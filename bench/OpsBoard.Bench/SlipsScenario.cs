using System.Diagnostics;
using Dapper;
using Npgsql;
using OpsBoard.Data.Calendar;
using OpsBoard.Data.Slips;

namespace OpsBoard.Bench;

/// <summary>
/// The slip detector (<see cref="SlipDetector.DetectAsync"/>, the code the <c>slips/detector</c> job runs) on the app's
/// database of a given size:
/// <list type="bullet">
/// <item><b>incremental</b>: one new visit registered on a matter of the history, then the minute run from the
/// high-water mark — what a desk registration costs, and it should not grow with the history;</item>
/// <item><b>reconciliation</b>: the nightly run over every visit — the full scan the incremental run is measured against.</item>
/// </list>
/// Each run happens in a transaction that is rolled back, so every run starts from the same mark and the same slips
/// (the app's own detector job may run between them; it takes the same advisory lock, so runs queue, never overlap).
/// </summary>
public sealed class SlipsScenario(BenchOptions options, Results results)
{
    readonly string connectionString = options.Get("db");
    readonly long size = long.Parse(options.Get("size"), System.Globalization.CultureInfo.InvariantCulture);
    readonly int repeat = Math.Max(options.GetInt("repeat", 10), 5);

    public async Task RunAsync()
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var calendar = await new CalendarStore(dataSource).CurrentAsync();
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            results.Add("slips", "history", size, "visits", await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM visit"));
            results.Add("slips", "history", size, "slips", await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM warning_slip"));
        }

        await TimeAsync("incremental", repeat * 3, warmups: 3, full: false);
        await TimeAsync("reconciliation", Math.Max(3, repeat / 3), warmups: 1, full: true);

        async Task TimeAsync(string @case, int count, int warmups, bool full)
        {
            Console.WriteLine($"slips: {@case}");
            var times = new List<double>();
            var scanned = 0;
            for (var i = -warmups; i < count; i++)
            {
                await using var connection = await dataSource.OpenConnectionAsync();
                await using var transaction = await connection.BeginTransactionAsync();
                var now = DateTimeOffset.UtcNow;
                if (!full)
                {
                    // A registration at the desk: another visit by the petitioner of a matter picked at random from the history.
                    await connection.ExecuteAsync("""
                        INSERT INTO visit (center_id, matter_id, petitioner_id, arrived_at, visit_day, headcount, is_first_visit)
                        SELECT m.center_id, m.id, m.petitioner_id, @now, @day, 1, false
                        FROM matter m
                        WHERE m.petitioner_id IS NOT NULL AND m.id >= (SELECT max(id) FROM matter) * random()
                        ORDER BY m.id
                        LIMIT 1
                        """, new { now = now.UtcDateTime, day = OpsBoard.Data.ChinaTime.DayOf(now) }, transaction);
                }

                var started = Stopwatch.GetTimestamp();
                var result = await SlipDetector.DetectAsync(connection, transaction, calendar, now, full);
                var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                await transaction.RollbackAsync();
                if (i >= 0)
                {
                    times.Add(elapsed);
                    scanned = result.Scanned;
                }
            }

            times.Sort();
            results.Add("slips", @case, size, "p50 ms", Stats.Percentile(times, 50));
            results.Add("slips", @case, size, "p95 ms", Stats.Percentile(times, 95));
            results.Add("slips", @case, size, "visits read", scanned);
        }
    }
}
