using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpsBoard.Web;
using Xunit;

namespace OpsBoard.Testing;

/// <summary>
/// The real app — Kestrel, Quartz, everything — on a loopback port against a fresh copy of the demo database.
/// Restartable, so a test can watch a screen survive the app going away.
/// </summary>
public class AppFixture : IAsyncLifetime
{
    readonly DatabaseFixture? database;
    readonly bool ownsDatabase;
    WebApplication? app;
    bool running;

    public AppFixture() : this(new DemoDatabaseFixture(), ownsDatabase: true)
    {
    }

    protected AppFixture(DatabaseFixture? database, bool ownsDatabase)
    {
        this.database = database;
        this.ownsDatabase = ownsDatabase;
    }

    /// <summary>A second node on the same database, as behind a load balancer.</summary>
    public static async Task<AppFixture> SecondNodeAsync(AppFixture first)
    {
        var node = new AppFixture(first.Database, ownsDatabase: false);
        await node.StartAsync();
        return node;
    }

    public DatabaseFixture Database => database ?? throw new InvalidOperationException("This app runs its own embedded database");

    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    public IServiceProvider Services => app?.Services ?? throw new InvalidOperationException("The app is not running");

    public async Task InitializeAsync()
    {
        if (ownsDatabase)
        {
            await Database.InitializeAsync();
        }

        await StartAsync();
    }

    /// <summary>Starts the app; after a restart it binds the same port, as a real node would.</summary>
    public async Task StartAsync()
    {
        var port = app is null ? 0 : BaseAddress.Port;
        app = OpsBoardApp.Create([], builder =>
        {
            builder.Logging.SetMinimumLevel(LogLevel.Error);
            builder.Configuration["urls"] = $"http://127.0.0.1:{port}";
            Configure(builder.Configuration);
            ConfigureBuilder(builder);
        }, new WebApplicationOptions { EnvironmentName = "Testing", ContentRootPath = SourceTree.WebProject });
        await app.StartAsync();
        running = true;
        // An app serving both schemes is tested over HTTPS; its plain port only redirects.
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .OrderByDescending(a => a.StartsWith("https:", StringComparison.Ordinal)).First();
        BaseAddress = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/");
        await WaitUntilHealthyAsync();
    }

    /// <summary>For a fixture that needs more than settings (a log capture).</summary>
    protected virtual void ConfigureBuilder(WebApplicationBuilder builder)
    {
    }

    protected virtual void Configure(IConfiguration configuration)
    {
        // The demo database with its demo accounts: demo mode, as the embedded default run is. Tests sign in many times
        // a minute from one address, so the login rate limit is lifted (its own test sets it low).
        configuration["OpsBoard:SeedDemo"] = "true";
        // The same floor at any hour: no demo window sessions or tickets in service that a test would have to clear.
        configuration["OpsBoard:DemoBeforeOpening"] = "true";
        configuration["OpsBoard:LoginAttemptsPerMinute"] = "100000";
        configuration["ConnectionStrings:OpsBoard"] = Database.ConnectionString;
        configuration["ConnectionStrings:OpsBoardMigrations"] = Database.OwnerConnectionString;
        configuration["OpsBoard:PersonalDataKey"] = TestCluster.PersonalDataKey;
        configuration["OpsBoard:KeyRingKey"] = TestCluster.PersonalDataKey;
        configuration["OpsBoard:DataDirectory"] = Path.Combine(TestCluster.Root, "app");
    }

    /// <summary>The scheduler starts just after the host does; tests begin once /healthz says everything is up.</summary>
    public async Task WaitUntilHealthyAsync(int seconds = 30)
    {
        using var client = CreateClient();
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var response = await client.GetAsync("/healthz");
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException("The app did not become healthy: " + await response.Content.ReadAsStringAsync());
            }

            await Task.Delay(50);
        }
    }

    public async Task StopAsync()
    {
        if (app is not null && running)
        {
            running = false;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    /// <summary>A client with its own cookie jar that does not follow redirects, so tests see them.</summary>
    public HttpClient CreateClient(CookieContainer? cookies = null)
    {
        var handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = cookies ?? new CookieContainer(), UseCookies = true };
        ConfigureHandler(handler);
        return new(handler) { BaseAddress = BaseAddress };
    }

    /// <summary>An app with its own certificate: the client trusts that certificate.</summary>
    protected virtual void ConfigureHandler(HttpClientHandler handler)
    {
    }

    /// <summary>The plain-HTTP address of an app that also serves HTTPS.</summary>
    public Uri? PlainAddress =>
        app?.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .Where(a => a.StartsWith("http:", StringComparison.Ordinal)).Select(a => new Uri(a + "/")).FirstOrDefault();

    public virtual async Task DisposeAsync()
    {
        await StopAsync();
        app = null;
        if (ownsDatabase)
        {
            await Database.DisposeAsync();
        }
    }
}

/// <summary>Where the repository's source lives, found by walking up to OpsBoard.sln.</summary>
public static class SourceTree
{
    public static string Root { get; } = FindRoot();

    public static string WebProject => Path.Combine(Root, "OpsBoard.Web");

    static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "OpsBoard.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("OpsBoard.sln not found above " + AppContext.BaseDirectory);
    }
}
