namespace OpsBoard.Data.Demo;

/// <summary>Chinese personal names drawn from the embedded lists: surnames weighted by frequency, 1–2 character given names.</summary>
sealed class DemoNames
{
    readonly string[] surnames;
    readonly double[] surnameCumulative;
    readonly string[] male;
    readonly string[] female;

    DemoNames(List<(string Surname, double Weight)> weighted, string[] male, string[] female)
    {
        surnames = weighted.Select(s => s.Surname).ToArray();
        surnameCumulative = new double[weighted.Count];
        var sum = 0.0;
        for (var i = 0; i < weighted.Count; i++)
        {
            sum += weighted[i].Weight;
            surnameCumulative[i] = sum;
        }

        this.male = male;
        this.female = female;
    }

    public static DemoNames Load()
    {
        var surnames = ReadLines("surnames.txt")
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(parts => (parts[0], double.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture)))
            .ToList();
        return new DemoNames(surnames, Characters("given-male.txt"), Characters("given-female.txt"));
    }

    public string Next(Random random, bool isFemale)
    {
        var surname = surnames[DemoRandom.Cumulative(random, surnameCumulative)];
        var pool = isFemale ? female : male;
        var first = pool[random.Next(pool.Length)];
        // About a quarter of people born since the 1980s, and fewer before, have a one-character given name.
        if (random.NextDouble() < 0.25)
        {
            return surname + first;
        }

        string second;
        do
        {
            second = pool[random.Next(pool.Length)];
        }
        while (second == first && random.NextDouble() < 0.8);

        return surname + first + second;
    }

    static string[] Characters(string file) =>
        ReadLines(file).SelectMany(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToArray();

    static IEnumerable<string> ReadLines(string file)
    {
        var name = $"demo/{file}";
        using var stream = typeof(DemoNames).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Embedded resource {name} is missing");
        using var reader = new StreamReader(stream);
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            line = line.Trim();
            if (line.Length > 0 && !line.StartsWith('#'))
            {
                lines.Add(line);
            }
        }

        return lines;
    }
}

/// <summary>Small helpers over <see cref="Random"/>; every draw goes through one seeded instance so a seed replays exactly.</summary>
static class DemoRandom
{
    public static bool Chance(this Random random, double p) => random.NextDouble() < p;

    /// <summary>Uniform integer in [min, max] (both inclusive).</summary>
    public static int Between(this Random random, int min, int max) => random.Next(min, max + 1);

    public static T Pick<T>(this Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];

    public static int Weighted(this Random random, ReadOnlySpan<double> weights)
    {
        var total = 0.0;
        foreach (var w in weights)
        {
            total += w;
        }

        var x = random.NextDouble() * total;
        for (var i = 0; i < weights.Length; i++)
        {
            x -= weights[i];
            if (x < 0)
            {
                return i;
            }
        }

        return weights.Length - 1;
    }

    public static int Cumulative(Random random, double[] cumulative)
    {
        var x = random.NextDouble() * cumulative[^1];
        var index = Array.BinarySearch(cumulative, x);
        return index >= 0 ? Math.Min(index + 1, cumulative.Length - 1) : ~index;
    }
}
