using System.Globalization;

namespace OpsBoard.Bench;

public sealed record Row(string Scenario, string Case, long Size, string Metric, double Value);

/// <summary>Rows appended to one tab-separated file per run, so separate processes (and run.sh) add to one table.</summary>
public sealed class Results(string path)
{
    public void Add(string scenario, string @case, long size, string metric, double value)
    {
        File.AppendAllText(path, string.Join('\t', scenario, @case, size.ToString(CultureInfo.InvariantCulture), metric,
            value.ToString("0.###", CultureInfo.InvariantCulture)) + "\n");
        Console.WriteLine($"  {scenario} · {@case} · {size} · {metric} = {value:0.###}");
    }

    public IReadOnlyList<Row> Load() =>
        !File.Exists(path)
            ? []
            : [.. File.ReadAllLines(path)
                .Select(line => line.Split('\t'))
                .Where(f => f.Length == 5)
                .Select(f => new Row(f[0], f[1], long.Parse(f[2], CultureInfo.InvariantCulture), f[3], double.Parse(f[4], CultureInfo.InvariantCulture)))];
}

public static class Stats
{
    /// <summary>Nearest-rank percentile of milliseconds.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
}
