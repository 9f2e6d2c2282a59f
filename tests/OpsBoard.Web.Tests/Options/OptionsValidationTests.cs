using System.Diagnostics;
using System.Text.RegularExpressions;
using OpsBoard.Data;

namespace OpsBoard.Web.Tests.Options;

/// <summary>
/// Settings refused at start: the real executables run as child processes, because what the operator gets is the exit
/// code and what lands on the terminal, which an in-process host cannot show.
/// </summary>
public sealed partial class OptionsValidationTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>, IDisposable
{
    static readonly string GoodKey = Convert.ToBase64String(Enumerable.Range(100, 32).Select(i => (byte)i).ToArray());
    static readonly TimeSpan ProcessTimeout = TimeSpan.FromSeconds(60);

    readonly string workingDirectory = Directory.CreateTempSubdirectory("opsboard-options-").FullName;

    [Fact]
    public void Validate_SharedDatabaseWithoutKey_FailsSayingHowToMakeOne()
    {
        var result = new OpsBoardOptionsValidator(sharedDatabase: true).Validate(null, new OpsBoardOptions());

        var failure = Assert.Single(result.Failures!);
        Assert.Contains("OpsBoard:PersonalDataKey is required", failure, StringComparison.Ordinal);
        Assert.Contains("openssl rand -base64 32", failure, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(".opsboard", "personal-data.key"), failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_EmbeddedWithoutKey_Succeeds()
    {
        var result = new OpsBoardOptionsValidator(sharedDatabase: false).Validate(null, new OpsBoardOptions());

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Validate_GoodKeyAndPort_Succeeds(bool sharedDatabase)
    {
        var result = new OpsBoardOptionsValidator(sharedDatabase).Validate(null, new OpsBoardOptions { PersonalDataKey = GoodKey, Port = 65535 });

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [InlineData("not a key!", "is not base64")]
    [InlineData("AAECAwQFBgcICQoLDA0ODw==", "is base64 of 16 bytes, not 32")]
    [InlineData("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gIQ==", "is base64 of 34 bytes, not 32")]
    public void Validate_MalformedKey_FailsWithoutEchoingIt(string key, string problem)
    {
        // Embedded too: a key that is given must be usable, whatever the database.
        var result = new OpsBoardOptionsValidator(sharedDatabase: false).Validate(null, new OpsBoardOptions { PersonalDataKey = key });

        var failure = Assert.Single(result.Failures!);
        Assert.Contains($"OpsBoard:PersonalDataKey {problem}", failure, StringComparison.Ordinal);
        Assert.DoesNotContain(key, failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(65536)]
    public void Validate_PortOutOfRange_Fails(int port)
    {
        var result = new OpsBoardOptionsValidator(sharedDatabase: false).Validate(null, new OpsBoardOptions { Port = port });

        var failure = Assert.Single(result.Failures!);
        Assert.StartsWith($"OpsBoard:Port {port} is not a port", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WebStart_ConnectionStringWithoutKey_Exits2WithOneLine()
    {
        var run = await RunToExitAsync("OpsBoard.Web", $"--ConnectionStrings:OpsBoard={db.ConnectionString}");

        AssertRefused(run, "OpsBoard cannot start: OpsBoard:PersonalDataKey is required");
        Assert.Contains("openssl rand -base64 32", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not a key!", "is not base64")]
    [InlineData("AAECAwQFBgcICQoLDA0ODw==", "is base64 of 16 bytes, not 32")]
    public async Task WebStart_MalformedKey_Exits2WithOneLine(string key, string problem)
    {
        var run = await RunToExitAsync("OpsBoard.Web", $"--ConnectionStrings:OpsBoard={db.ConnectionString}", $"--OpsBoard:PersonalDataKey={key}");

        AssertRefused(run, $"OpsBoard cannot start: OpsBoard:PersonalDataKey {problem}");
    }

    [Theory]
    [InlineData("70000", "OpsBoard:Port 70000 is not a port")]
    [InlineData("abc", "OpsBoard:Port")]
    public async Task WebStart_BadPort_Exits2WithOneLine(string port, string says)
    {
        var run = await RunToExitAsync("OpsBoard.Web",
            $"--ConnectionStrings:OpsBoard={db.ConnectionString}", $"--OpsBoard:PersonalDataKey={GoodKey}", $"--OpsBoard:Port={port}");

        AssertRefused(run, "OpsBoard cannot start: ");
        Assert.Contains(says, run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WorkerStart_ConnectionStringWithoutKey_Exits2WithOneLine()
    {
        var run = await RunToExitAsync("OpsBoard.Jobs", $"--ConnectionStrings:OpsBoard={db.ConnectionString}");

        AssertRefused(run, "OpsBoard worker cannot start: OpsBoard:PersonalDataKey is required");
    }

    [Fact]
    public async Task WorkerStart_MalformedKey_Exits2WithOneLine()
    {
        var run = await RunToExitAsync("OpsBoard.Jobs", $"--ConnectionStrings:OpsBoard={db.ConnectionString}", "--OpsBoard:PersonalDataKey=not a key!");

        AssertRefused(run, "OpsBoard worker cannot start: OpsBoard:PersonalDataKey is not base64");
    }

    [Fact]
    public async Task WebStart_GoodKey_BecomesHealthy()
    {
        using var process = Start("OpsBoard.Web",
            $"--ConnectionStrings:OpsBoard={db.ConnectionString}", $"--OpsBoard:PersonalDataKey={GoodKey}", $"--OpsBoard:KeyRingKey={GoodKey}",
            "--urls=http://127.0.0.1:0");
        try
        {
            using var timeout = new CancellationTokenSource(ProcessTimeout);
            var address = await WaitForAddressAsync(process, timeout.Token);
            using var client = new HttpClient { BaseAddress = address };

            // As AppFixture does: the scheduler comes up just after the host says it is running.
            var response = await client.GetAsync("/healthz", timeout.Token);
            while (!response.IsSuccessStatusCode && !process.HasExited)
            {
                await Task.Delay(50, timeout.Token);
                response = await client.GetAsync("/healthz", timeout.Token);
            }

            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(timeout.Token));
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task Web_ConfiguredServerWithoutKeyRingKey_RefusesWithOneLine()
    {
        var run = await RunToExitAsync("OpsBoard.Web", $"--ConnectionStrings:OpsBoard={db.ConnectionString}", $"--OpsBoard:PersonalDataKey={GoodKey}");

        AssertRefused(run, "OpsBoard cannot start: OpsBoard:KeyRingKey is required");
    }

    static void AssertRefused(ProcessRun run, string lineStart)
    {
        Assert.True(run.ExitCode == 2, $"exit code {run.ExitCode}; stderr: {run.Error}; stdout: {run.Output}");
        var line = Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith(lineStart, line, StringComparison.Ordinal);
        Assert.DoesNotMatch(StackFrame(), run.Output + run.Error);
    }

    /// <summary>The ASP.NET Core log line the web node writes once Kestrel listens, carrying the bound address.</summary>
    static async Task<Uri> WaitForAddressAsync(Process process, CancellationToken cancellationToken)
    {
        while (await process.StandardOutput.ReadLineAsync(cancellationToken) is { } line)
        {
            if (RunningLine().Match(line) is { Success: true } match)
            {
                return new Uri(match.Groups[1].Value + "/");
            }
        }

        var error = await process.StandardError.ReadToEndAsync(cancellationToken);
        throw new InvalidOperationException($"The web node ended before it was running: {error}");
    }

    async Task<ProcessRun> RunToExitAsync(string project, params string[] arguments)
    {
        using var process = Start(project, arguments);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(ProcessTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{project} was still running after {ProcessTimeout}: it should have refused to start.");
        }

        return new ProcessRun(process.ExitCode, await output, await error);
    }

    /// <summary>The built node next to the tests (the web project references both), in a scratch working directory.</summary>
    Process Start(string project, params string[] arguments)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, project + ".dll"));
        start.ArgumentList.Add($"--OpsBoard:DataDirectory={Path.Combine(workingDirectory, "data")}");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Settings from the machine running the tests must not rescue or spoil a refused start.
        foreach (var name in start.Environment.Keys.Where(IsOpsBoardSetting).ToList())
        {
            start.Environment.Remove(name);
        }

        return Process.Start(start) ?? throw new InvalidOperationException($"Could not start {project}");
    }

    static bool IsOpsBoardSetting(string name) =>
        name.StartsWith("OpsBoard__", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("ConnectionStrings__", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase);

    [GeneratedRegex(@"OpsBoard is running: open (\S+)/account/login")]
    private static partial Regex RunningLine();

    [GeneratedRegex(@"^\s+at \S", RegexOptions.Multiline)]
    private static partial Regex StackFrame();

    public void Dispose() => Directory.Delete(workingDirectory, recursive: true);

    sealed record ProcessRun(int ExitCode, string Output, string Error);
}
