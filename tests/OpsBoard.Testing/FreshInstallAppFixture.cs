using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace OpsBoard.Testing;

/// <summary>
/// A real deployment's first start: a migrated, empty database, outside demo mode. The app creates the first admin and
/// prints the one-time password to its log, which this fixture reads as the operator would.
/// </summary>
public sealed partial class FreshInstallAppFixture() : AppFixture(new DatabaseFixture(), ownsDatabase: true)
{
    readonly LogCapture log = new();

    public IReadOnlyCollection<string> Warnings => log.Messages;

    /// <summary>The one-time password of the first admin, as printed once to the log.</summary>
    public string FirstAdminPassword => Warnings.Select(m => OneTimePassword().Match(m)).FirstOrDefault(m => m.Success)?.Groups[1].Value
        ?? throw new InvalidOperationException("No one-time password in the log: " + string.Join(" | ", Warnings));

    [GeneratedRegex("one-time password ([A-Za-z0-9]{5}-[A-Za-z0-9]{5}-[A-Za-z0-9]{5})")]
    private static partial Regex OneTimePassword();

    protected override void Configure(IConfiguration configuration)
    {
        configuration["ConnectionStrings:OpsBoard"] = Database.ConnectionString;
        configuration["ConnectionStrings:OpsBoardMigrations"] = Database.OwnerConnectionString;
        configuration["OpsBoard:PersonalDataKey"] = TestCluster.PersonalDataKey;
        configuration["OpsBoard:KeyRingKey"] = TestCluster.PersonalDataKey;
        configuration["OpsBoard:DataDirectory"] = Path.Combine(TestCluster.Root, "app");
        configuration["OpsBoard:LoginAttemptsPerMinute"] = "100000";
        configuration["OpsBoard:CenterName"] = "测试县群众来访接待中心";
    }

    protected override void ConfigureBuilder(WebApplicationBuilder builder)
    {
        builder.Logging.AddProvider(log);
        builder.Logging.AddFilter<LogCapture>("OpsBoard.Data.Accounts", LogLevel.Warning);
    }

    sealed class LogCapture : ILoggerProvider
    {
        public ConcurrentQueue<string> Messages { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose()
        {
        }

        sealed class Logger(LogCapture owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner.Messages.Enqueue(formatter(state, exception));
        }
    }
}
