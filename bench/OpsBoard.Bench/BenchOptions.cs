using System.Globalization;

namespace OpsBoard.Bench;

/// <summary><c>command --name value …</c>, nothing more: the bench is driven by bench/run.sh.</summary>
public sealed class BenchOptions
{
    readonly Dictionary<string, string> values = [];

    public string Command { get; private init; } = "";

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions { Command = args.Length > 0 ? args[0] : "" };
        for (var i = 1; i + 1 < args.Length; i += 2)
        {
            options.values[args[i].TrimStart('-')] = args[i + 1];
        }

        return options;
    }

    public string Get(string name) =>
        values.TryGetValue(name, out var value) ? value : throw new ArgumentException($"--{name} is required");

    public int GetInt(string name, int fallback) =>
        values.TryGetValue(name, out var value) ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

    public IReadOnlyList<int> GetInts(string name, params int[] fallback) =>
        values.TryGetValue(name, out var value)
            ? [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(v => int.Parse(v, CultureInfo.InvariantCulture))]
            : fallback;
}
