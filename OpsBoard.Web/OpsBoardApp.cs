using System.Net;
using System.Net.Sockets;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Microsoft.Extensions.WebEncoders;
using OpsBoard.Data;
using OpsBoard.Jobs;
using OpsBoard.Web.Accounts;
using OpsBoard.Web.Audit;
using OpsBoard.Web.Components;
using OpsBoard.Web.Health;
using OpsBoard.Web.Live;
using OpsBoard.Web.Metrics;
using OpsBoard.Web.Security;

namespace OpsBoard.Web;

public sealed class StartupException(string message) : Exception(message);

/// <summary>Builds the web node; Program runs it, the test harness starts it on a loopback port.</summary>
public static class OpsBoardApp
{
    public static WebApplication Create(string[] args, Action<WebApplicationBuilder>? configure = null, WebApplicationOptions? options = null)
    {
        var builder = WebApplication.CreateBuilder(options ?? new WebApplicationOptions { Args = args });
        // `--visits 1000000` is the short form of --OpsBoard:DemoVisits for sizing the demo history.
        builder.Configuration.AddCommandLine(args, new Dictionary<string, string> { ["--visits"] = "OpsBoard:DemoVisits" });
        configure?.Invoke(builder);

        // First, so settings are validated before the port is chosen from them.
        builder.AddOpsBoardData();
        builder.AddOpsBoardSecurity();
        ChooseUrls(builder);
        builder.AddOpsBoardJobs();
        builder.AddOpsBoardAccounts();
        builder.AddOpsBoardKeyRingProtection();
        builder.AddOpsBoardLive();
        builder.AddOpsBoardHealth();
        builder.Services.AddRazorComponents();
        builder.Services.AddProblemDetails();
        // Chinese text stays readable in the HTML instead of turning into numeric entities.
        builder.Services.Configure<WebEncoderOptions>(o => o.TextEncoderSettings = new TextEncoderSettings(UnicodeRanges.All));

        var app = builder.Build();
        app.UseOpsBoardTransport();
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/error/500", createScopeForErrors: true);
        }

        // A fresh scope: a page that answered 404 has already initialised this request's navigation manager.
        app.UseStatusCodePagesWithReExecute("/error/{0}", createScopeForStatusCodePages: true);
        app.UseStaticFiles();
        app.UseNoStoreForDynamicAnswers();
        app.UseDatabaseOutagePage();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseOpsBoardAccounts();
        app.UseAntiforgery();

        app.MapOpsBoardHealth();
        app.MapOpsBoardLive();
        app.MapOpsBoardMetricsExports();
        app.MapOpsBoardAudit();
        app.MapRazorComponents<App>();
        app.Lifetime.ApplicationStarted.Register(() =>
            app.Logger.LogInformation("OpsBoard is running: open {Url}/account/login", app.Urls.FirstOrDefault()));
        return app;
    }

    /// <summary>
    /// Unless URLs are configured, serve on loopback at the default port, or on a free port when that one is taken,
    /// saying which. A configured port that is taken fails at bind time with Kestrel's own message naming it.
    /// </summary>
    static void ChooseUrls(WebApplicationBuilder builder)
    {
        if (!string.IsNullOrEmpty(builder.Configuration["urls"]) || !string.IsNullOrEmpty(builder.Configuration["http_ports"]))
        {
            return;
        }

        var settings = new OpsBoardOptions();
        builder.Configuration.GetSection(OpsBoardOptions.Section).Bind(settings);
        var port = settings.Port;
        if (!IsFree(port))
        {
            var free = FreePort();
            Console.WriteLine($"Port {port} is in use; OpsBoard takes port {free} instead (set OpsBoard:Port or --urls to choose).");
            port = free;
        }

        // With a certificate the same loopback port answers HTTPS; a node serving the LAN names its addresses with --urls.
        var scheme = SecurityHostingExtensions.Transport(builder.Configuration).HasCertificate ? "https" : "http";
        builder.WebHost.UseUrls($"{scheme}://127.0.0.1:{port}");
    }

    static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
