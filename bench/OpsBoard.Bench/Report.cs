using System.Text;

namespace OpsBoard.Bench;

/// <summary>One Markdown table per scenario, with the ratios between figures measured in this same run.</summary>
public static class Report
{
    public static void Print(IReadOnlyList<Row> rows)
    {
        var output = new StringBuilder();
        Live(rows.Where(r => r.Scenario == "live").ToList(), output);
        Pages(rows.Where(r => r.Scenario == "pages").ToList(), output);
        Startup(rows.Where(r => r.Scenario == "startup").ToList(), output);
        Load(rows.Where(r => r.Scenario == "load").ToList(), output);
        Kpi(rows.Where(r => r.Scenario == "kpi").ToList(), output);
        Slips(rows.Where(r => r.Scenario == "slips").ToList(), output);
        Login(rows.Where(r => r.Scenario == "login").ToList(), output);
        Console.WriteLine(output.Length == 0 ? "no results" : output.ToString());
    }

    static double Value(IEnumerable<Row> rows, string @case, long size, string metric) =>
        rows.FirstOrDefault(r => r.Case == @case && r.Size == size && r.Metric == metric)?.Value ?? double.NaN;

    static string F(double value, string format = "0") => double.IsNaN(value) ? "—" : value.ToString(format, System.Globalization.CultureInfo.InvariantCulture);

    static string Ratio(double over, double under) => double.IsNaN(over) || double.IsNaN(under) || under == 0 ? "—" : $"{over / under:0.0}×";

    static void Login(List<Row> rows, StringBuilder output)
    {
        if (rows.Count == 0)
        {
            return;
        }

        output.AppendLine("### login: user enumeration by timing — wrong passwords for a known and an unknown login (ms)");
        output.AppendLine();
        output.AppendLine("| visits | known p50 | known p95 | unknown p50 | unknown p95 | unknown / known p50 | |known − unknown| p50 | noise: known odd vs even p50 | distinct answers |");
        output.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var size in rows.Select(r => r.Size).Distinct().Order())
        {
            double V(string @case, string metric) => Value(rows, @case, size, metric);
            var known = V("known login, wrong password", "p50 ms");
            var unknown = V("unknown login", "p50 ms");
            output.AppendLine(
                $"| {size:N0} | {F(known, "0.0")} | {F(V("known login, wrong password", "p95 ms"), "0.0")} | {F(unknown, "0.0")} | " +
                $"{F(V("unknown login", "p95 ms"), "0.0")} | {Ratio(unknown, known)} | {F(Math.Abs(known - unknown), "0.0")} | " +
                $"{F(V("noise: known odd vs even attempts", "p50 ms"), "0.0")} | {F(V("distinct answers", "count"))} |");
        }

        output.AppendLine();
        output.AppendLine("One distinct answer means the page and its message are the same for both; a difference of medians within the noise " +
            "between two halves of the same case means the time does not tell a login exists.");
        output.AppendLine();
    }

    static void Live(List<Row> rows, StringBuilder output)
    {
        if (rows.Count == 0)
        {
            return;
        }

        output.AppendLine("### live: commit → every screen holds its fresh regions (ms)");
        output.AppendLine();
        output.AppendLine("| screens | push p50 | push p95 | push max | fetch p50 | fetch p95 | fetch max | fetch/push p95 | renders/event (push) | fetches/event (fetch) | server CPU ms/event push · fetch | server KB/connection |");
        output.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var size in rows.Select(r => r.Size).Distinct().Order())
        {
            double P(string @case, string metric) => Value(rows, @case, size, metric);
            output.AppendLine(
                $"| {size:N0} | {F(P("push", "p50 ms"))} | {F(P("push", "p95 ms"))} | {F(P("push", "max ms"))} | {F(P("fetch", "p50 ms"))} | " +
                $"{F(P("fetch", "p95 ms"))} | {F(P("fetch", "max ms"))} | {Ratio(P("fetch", "p95 ms"), P("push", "p95 ms"))} | " +
                $"{F(P("push", "renders/event"), "0.0")} | {F(P("fetch", "fetches/event"), "0")} | " +
                $"{F(P("push", "server cpu ms/event"))} · {F(P("fetch", "server cpu ms/event"))} | {F(P("push", "server KB/connection"), "0.0")} |");
        }

        output.AppendLine();
        output.AppendLine("Targets: push p95 ≤ 50 ms at 1 screen, ≤ 100 ms at 100, ≤ 250 ms at 1,000; renders/event independent of screens.");
        output.AppendLine();
    }

    static void Pages(List<Row> rows, StringBuilder output)
    {
        if (rows.Count == 0)
        {
            return;
        }

        var sizes = rows.Select(r => r.Size).Distinct().Order().ToList();
        output.AppendLine("### pages: server time, p50 ms, by demo size (visits)");
        output.AppendLine();
        output.AppendLine($"| page | {string.Join(" | ", sizes.Select(s => $"{s:N0}"))} |{(sizes.Count > 1 ? $" {sizes[^1]:N0} / {sizes[0]:N0} |" : "")}");
        output.AppendLine($"|---|{string.Concat(sizes.Select(_ => "---|"))}{(sizes.Count > 1 ? "---|" : "")}");
        foreach (var page in rows.Select(r => r.Case).Distinct())
        {
            var values = sizes.Select(s => Value(rows, page, s, "p50 ms")).ToList();
            output.AppendLine($"| {page} | {string.Join(" | ", values.Select(v => F(v, "0.0")))} |{(sizes.Count > 1 ? $" {Ratio(values[^1], values[0])} |" : "")}");
        }

        output.AppendLine();
        output.AppendLine("Target: every page and wall region ≤ 150 ms at 1M visits, and about flat from the default demo to 3M.");
        output.AppendLine();
    }

    static void Startup(List<Row> rows, StringBuilder output)
    {
        if (rows.Count == 0)
        {
            return;
        }

        output.AppendLine("### start-up: `dotnet` to the login page answering (s)");
        output.AppendLine();
        output.AppendLine("| visits | cold (initdb, migrations, demo seed) | warm | cold / warm |");
        output.AppendLine("|---|---|---|---|");
        foreach (var size in rows.Select(r => r.Size).Distinct().Order())
        {
            var cold = Value(rows, "cold", size, "s");
            var warm = Value(rows, "warm", size, "s");
            output.AppendLine($"| {size:N0} | {F(cold, "0.0")} | {F(warm, "0.0")} | {Ratio(cold, warm)} |");
        }

        output.AppendLine();
    }

    static void Load(List<Row> rows, StringBuilder output)
    {
        if (rows.Count == 0)
        {
            return;
        }

        var sizes = rows.Select(r => r.Size).Distinct().Order().ToList();
        output.AppendLine("### demo load: seeding the history through the domain code");
        output.AppendLine();
        output.AppendLine("| visits | seconds | visits/s | rate vs smallest | database MB |");
        output.AppendLine("|---|---|---|---|---|");
        var first = Value(rows, "seed", sizes[0], "visits/s");
        foreach (var size in sizes)
        {
            var rate = Value(rows, "seed", size, "visits/s");
            output.AppendLine($"| {size:N0} | {F(Value(rows, "seed", size, "s"), "0.0")} | {F(rate)} | {Ratio(rate, first)} | {F(Value(rows, "seed", size, "database MB"))} |");
        }

        output.AppendLine();
        output.AppendLine("Target: ≥ 20,000 visits/s.");
        output.AppendLine();
    }

    static string Completes(double value) => double.IsNaN(value) ? "—" : value > 0 ? "completes" : "out of memory";

    static void Kpi(List<Row> rows, StringBuilder output)
    {
        if (rows.Count == 0)
        {
            return;
        }

        var sizes = rows.Select(r => r.Size).Distinct().Order().ToList();
        output.AppendLine("### kpi: metrics through MetricsQueries (ms); baseline: the same month counted from the live tables by plain scans, no ledger");
        output.AppendLine();
        output.AppendLine("| read | visits | p50 | p95 | baseline | baseline p50 | baseline / p50 | target |");
        output.AppendLine("|---|---|---|---|---|---|---|---|");
        var reads = new[]
        {
            ("wall: month to date, today (ledger)", "wall · ledger", "wall · plain scan", "≤ 5 ms"),
            ("wall: month to date on the 20th (ledger)", "wall on the 20th · ledger", "wall on the 20th · plain scan", "≤ 5 ms"),
            ("apply a change to 1 matter", "apply 1 · ledger", "wall · plain scan", "per batch of changes"),
            ("apply changes to 50 matters", "apply 50 · ledger", "wall · plain scan", "per batch of changes"),
            ("page: last month", "page · indexed", "page · plain scan", "≤ 300 ms"),
        };
        foreach (var (label, read, against, target) in reads)
        {
            foreach (var size in sizes)
            {
                var page = read.StartsWith("page", StringComparison.Ordinal)
                    ? rows.Any(r => r.Case == "page (GET /metrics)" && r.Size == size) ? " (GET /metrics)" : " (its reads)"
                    : "";
                var baselineLabel = against.StartsWith("page", StringComparison.Ordinal) ? "its reads, plain scan" : "month counted, plain scan";
                output.AppendLine(
                    $"| {label}{page} | {size:N0} | {F(Value(rows, read, size, "p50 ms"), "0.0")} | {F(Value(rows, read, size, "p95 ms"), "0.0")} | " +
                    $"{baselineLabel} | {F(Value(rows, against, size, "p50 ms"), "0.0")} | {Ratio(Value(rows, against, size, "p50 ms"), Value(rows, read, size, "p50 ms"))} | {target} |");
            }
        }

        output.AppendLine();
        output.AppendLine("| xlsx of last month | visits | rows | ms | items read ms | xlsx / items read | peak heap MB | peak working set MB | in a 50 MB heap | file KB | plain scan ms | plain / indexed |");
        output.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var size in sizes)
        {
            double X(string path, string metric) => Value(rows, $"xlsx · {path}", size, metric);
            output.AppendLine(
                $"| | {size:N0} | {F(X("indexed", "rows"))} | {F(X("indexed", "ms"))} | {F(X("indexed", "items read ms"))} | " +
                $"{Ratio(X("indexed", "ms"), X("indexed", "items read ms"))} | {F(X("indexed", "peak heap MB"), "0.0")} | " +
                $"{F(X("indexed", "peak working set MB"), "0.0")} | {Completes(X("indexed", "completes in a 50 MB heap"))} | {F(X("indexed", "file KB"))} | {F(X("plain scan", "ms"))} | {Ratio(X("plain scan", "ms"), X("indexed", "ms"))} |");
        }

        output.AppendLine();
        output.AppendLine("Targets: wall ≤ 5 ms, page ≤ 300 ms, xlsx of about 100,000 rows ≤ 1.5 s and ≤ 50 MB peak. Peak memory: sampled every 2 ms " +
            "during the export, above the level just before it: managed heap without collecting (garbage included), process working set; " +
            "and the same export run alone in a process whose managed heap is capped at 50 MB (DOTNET_GCHeapHardLimit).");
        var built = string.Join(", ", sizes.Select(size => $"{size:N0} visits: {F(Value(rows, "first apply", size, "ms"))} ms"));
        output.AppendLine($"First apply of the run (builds the ledger whole when the database was seeded before it): {built}.");
        output.AppendLine();
    }

    static void Slips(List<Row> rows, StringBuilder output)
    {
        if (rows.Count == 0)
        {
            return;
        }

        var sizes = rows.Select(r => r.Size).Distinct().Order().ToList();
        output.AppendLine("### slips: the slip detector (ms), incremental run after one registration vs the nightly reconciliation");
        output.AppendLine();
        output.AppendLine("| visits | slips | incremental p50 | incremental p95 | visits read | reconciliation p50 | reconciliation p95 | visits read | reconciliation / incremental p50 | incremental vs smallest |");
        output.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        var first = Value(rows, "incremental", sizes[0], "p50 ms");
        foreach (var size in sizes)
        {
            double V(string @case, string metric) => Value(rows, @case, size, metric);
            output.AppendLine(
                $"| {F(V("history", "visits"), "N0")} | {F(V("history", "slips"), "N0")} | {F(V("incremental", "p50 ms"), "0.0")} | {F(V("incremental", "p95 ms"), "0.0")} | " +
                $"{F(V("incremental", "visits read"), "N0")} | {F(V("reconciliation", "p50 ms"), "0")} | {F(V("reconciliation", "p95 ms"), "0")} | " +
                $"{F(V("reconciliation", "visits read"), "N0")} | {Ratio(V("reconciliation", "p50 ms"), V("incremental", "p50 ms"))} | {Ratio(V("incremental", "p50 ms"), first)} |");
        }

        output.AppendLine();
        output.AppendLine("Targets: incremental ≤ 1 s and flat as the history grows; reconciliation ≤ 10 s at 3M visits. Each run is rolled back, " +
            "so all start from the same mark; the incremental run re-reads the 1,000 visit ids below the mark (commit-order margin).");
        output.AppendLine();
    }
}
