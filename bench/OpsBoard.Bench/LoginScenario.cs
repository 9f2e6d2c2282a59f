using System.Diagnostics;
using System.Net;
using AngleSharp.Html.Parser;

namespace OpsBoard.Bench;

/// <summary>
/// User enumeration by timing (issue 13, item 7): wrong passwords for an existing login and for a login that does not
/// exist, interleaved, as an attacker on the LAN would time them. The two must take the same work — the unknown login is
/// hashed against a dummy — so their medians should differ by no more than the noise between two runs of the same case,
/// which is measured too (the known login split into its odd and even attempts). Every answer must also be the same page
/// with the same message. The app is started with a login rate limit high enough for the run (run.sh).
/// </summary>
public sealed class LoginScenario(BenchOptions options, Results results)
{
    readonly Uri baseAddress = new(options.Get("url"));
    readonly long size = long.Parse(options.Get("size"), System.Globalization.CultureInfo.InvariantCulture);
    readonly int attempts = Math.Max(options.GetInt("repeat", 10) * 30, 300);

    public async Task RunAsync()
    {
        Console.WriteLine($"login: {attempts} wrong passwords each for a known and an unknown login");
        var known = new List<double>();
        var unknown = new List<double>();
        var messages = new HashSet<string>();
        for (var i = -4; i < attempts; i++)
        {
            // Alternate which goes first, so a drift in the machine's load falls on both alike.
            foreach (var login in i % 2 == 0 ? new[] { "clerk", "nobody-here" } : ["nobody-here", "clerk"])
            {
                var (ms, message) = await AttemptAsync(login, "not-the-password-1");
                if (i >= 0)
                {
                    (login == "clerk" ? known : unknown).Add(ms);
                    messages.Add(message);
                }
            }
        }

        // The noise: the same case against itself, its odd attempts against its even ones, in the order they were made.
        static List<double> Sorted(IEnumerable<double> times) => [.. times.Order()];
        var noise = Math.Abs(Stats.Percentile(Sorted(known.Where((_, i) => i % 2 == 1)), 50) - Stats.Percentile(Sorted(known.Where((_, i) => i % 2 == 0)), 50));
        known.Sort();
        unknown.Sort();
        results.Add("login", "known login, wrong password", size, "p50 ms", Stats.Percentile(known, 50));
        results.Add("login", "known login, wrong password", size, "p95 ms", Stats.Percentile(known, 95));
        results.Add("login", "unknown login", size, "p50 ms", Stats.Percentile(unknown, 50));
        results.Add("login", "unknown login", size, "p95 ms", Stats.Percentile(unknown, 95));
        results.Add("login", "noise: known odd vs even attempts", size, "p50 ms", noise);
        results.Add("login", "distinct answers", size, "count", messages.Count);
    }

    /// <summary>One sign-in attempt from a fresh client (no cookie, as a script would): milliseconds to the answer, and its message.</summary>
    async Task<(double Ms, string Message)> AttemptAsync(string login, string password)
    {
        using var client = BenchHttp.NewClient(baseAddress);
        var page = await new HtmlParser().ParseDocumentAsync(await client.GetStringAsync("/account/login"));
        var fields = page.QuerySelectorAll("form input[name]").ToDictionary(i => i.GetAttribute("name")!, i => i.GetAttribute("value") ?? "");
        fields["Input.Login"] = login;
        fields["Input.Password"] = password;
        var started = Stopwatch.GetTimestamp();
        using var response = await client.PostAsync("/account/login", new FormUrlEncodedContent(fields));
        var body = await response.Content.ReadAsStringAsync();
        var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            throw new InvalidOperationException("the login rate limit answered 429: start the app with a higher OpsBoard:LoginAttemptsPerMinute");
        }

        var answer = await new HtmlParser().ParseDocumentAsync(body);
        return (ms, $"{(int)response.StatusCode} {answer.QuerySelector("[role=alert], .alert")?.TextContent.Trim()}");
    }
}
