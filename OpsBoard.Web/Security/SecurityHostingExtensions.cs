using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.HttpsPolicy;
using OpsBoard.Data;

namespace OpsBoard.Web.Security;

/// <summary>Transport (HTTPS, a TLS proxy, HSTS, cookie flags) and the response headers, set up from <see cref="TransportOptions"/>.</summary>
public static class SecurityHostingExtensions
{
    public const string AuthCookie = "opsboard.auth";
    public const string AntiforgeryCookie = "opsboard.antiforgery";

    /// <summary>
    /// The <c>__Host-</c> prefix makes the browser refuse the cookie unless it is Secure, for the whole site and set by
    /// this host: a neighbour on the same domain cannot plant or overwrite it.
    /// </summary>
    public const string HostPrefix = "__Host-";

    public static WebApplicationBuilder AddOpsBoardSecurity(this WebApplicationBuilder builder)
    {
        var transport = Transport(builder.Configuration);
        builder.Services.AddSingleton(transport);
        var allowedHosts = builder.Configuration["AllowedHosts"];
        if (transport.TlsOn && (string.IsNullOrWhiteSpace(allowedHosts) || allowedHosts.Trim() == "*"))
        {
            throw new StartupException("AllowedHosts must name the host names of this node when TLS is on (for example AllowedHosts=opsboard.example.gov.cn)");
        }

        if (transport.HasCertificate)
        {
            var certificate = transport.LoadCertificate();
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureHttpsDefaults(https => https.ServerCertificate = certificate));
        }

        if (transport.BehindProxy)
        {
            var proxies = transport.Proxies();
            builder.Services.Configure<ForwardedHeadersOptions>(options =>
            {
                options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
                // Only the listed proxies: the framework's default trusts any loopback sender, which a local process could abuse.
                options.KnownIPNetworks.Clear();
                options.KnownProxies.Clear();
                foreach (var proxy in proxies)
                {
                    options.KnownProxies.Add(proxy);
                }

                options.ForwardLimit = 1;
            });
            builder.Services.Configure<HttpsRedirectionOptions>(options => options.HttpsPort = transport.HttpsPort ?? 443);
        }
        else if (transport.HttpsPort is { } port)
        {
            builder.Services.Configure<HttpsRedirectionOptions>(options => options.HttpsPort = port);
        }

        if (transport.TlsOn)
        {
            builder.Services.AddHsts(options =>
            {
                options.MaxAge = TimeSpan.FromDays(365);
                // Browsers ignore HSTS for IP literals anyway; only the name "localhost" stays out, so a developer's
                // other local sites are not pinned to HTTPS.
                options.ExcludedHosts.Clear();
                options.ExcludedHosts.Add("localhost");
            });
        }

        var secure = transport.TlsOn ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
        var prefix = transport.TlsOn ? HostPrefix : "";
        builder.Services.PostConfigure<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme, options =>
        {
            options.Cookie.Name = prefix + AuthCookie;
            options.Cookie.SecurePolicy = secure;
            options.Cookie.Path = "/";
            options.Cookie.Domain = null;
        });
        builder.Services.Configure<AntiforgeryOptions>(options =>
        {
            options.Cookie.Name = prefix + AntiforgeryCookie;
            options.Cookie.SecurePolicy = secure;
            options.Cookie.Path = "/";
        });
        return builder;
    }

    /// <summary>First in the pipeline: the scheme and client address are settled before anything reads them.</summary>
    public static WebApplication UseOpsBoardTransport(this WebApplication app)
    {
        var transport = app.Services.GetRequiredService<TransportOptions>();
        if (transport.BehindProxy)
        {
            app.UseForwardedHeaders();
        }

        app.UseSecurityHeaders();
        if (transport.TlsOn)
        {
            app.UseHsts();
            // A load balancer's health probe reaches the node directly, often over plain HTTP; /healthz holds nothing personal.
            app.UseWhen(http => !http.Request.Path.StartsWithSegments("/healthz"), branch => branch.UseHttpsRedirection());
        }

        return app;
    }

    public static TransportOptions Transport(IConfiguration configuration)
    {
        var transport = new TransportOptions();
        configuration.GetSection(OpsBoardOptions.Section).Bind(transport);
        return transport;
    }
}
