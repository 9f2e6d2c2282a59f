using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using OpsBoard.Web.Security;

namespace OpsBoard.Web.Tests.Security;

/// <summary>The node with its own certificate: a self-signed one made for the run, served by Kestrel on HTTPS beside a plain port.</summary>
public sealed class TlsAppFixture : AppFixture
{
    readonly string pfx = Path.Combine(Path.GetTempPath(), $"opsboard-test-{Guid.NewGuid():N}.pfx");
    const string Password = "test-only";

    public X509Certificate2 Certificate { get; }

    public TlsAppFixture()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        Certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
        File.WriteAllBytes(pfx, Certificate.Export(X509ContentType.Pfx, Password));
    }

    protected override void Configure(IConfiguration configuration)
    {
        base.Configure(configuration);
        configuration["urls"] = "https://127.0.0.1:0;http://127.0.0.1:0";
        configuration["OpsBoard:CertificatePath"] = pfx;
        configuration["OpsBoard:CertificatePassword"] = Password;
    }

    protected override void ConfigureHandler(HttpClientHandler handler) =>
        handler.ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate?.Thumbprint == Certificate.Thumbprint;

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        File.Delete(pfx);
    }
}

/// <summary>The node behind a TLS reverse proxy on this host: forwarded headers trusted from 127.0.0.1 only.</summary>
public sealed class ProxiedAppFixture : AppFixture
{
    protected override void Configure(IConfiguration configuration)
    {
        base.Configure(configuration);
        configuration["OpsBoard:KnownProxies"] = "127.0.0.1";
    }
}

/// <summary>A proxy is configured, but not at the address requests come from: its headers must be ignored.</summary>
public sealed class UntrustedProxyAppFixture : AppFixture
{
    protected override void Configure(IConfiguration configuration)
    {
        base.Configure(configuration);
        configuration["OpsBoard:KnownProxies"] = "10.9.8.7";
    }
}

public sealed class TlsTransportTests(TlsAppFixture app) : IClassFixture<TlsAppFixture>
{
    [Fact]
    public async Task Https_ConfiguredCertificate_ServesWithHstsAndHostCookies()
    {
        Assert.Equal("https", app.BaseAddress.Scheme);
        var response = await app.CreateClient().GetAsync("/account/login");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("max-age=31536000", response.Headers.GetValues("Strict-Transport-Security").Single());
        var antiforgery = response.Headers.GetValues("Set-Cookie").Single(c => c.Contains(SecurityHostingExtensions.AntiforgeryCookie, StringComparison.Ordinal));
        Assert.StartsWith("__Host-" + SecurityHostingExtensions.AntiforgeryCookie + "=", antiforgery);
        Assert.Contains("secure", antiforgery, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/", antiforgery, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("domain=", antiforgery, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task SignIn_OverTls_SessionCookieIsSecureHostPrefixed()
    {
        var client = app.CreateClient();
        var page = await client.GetPageAsync("/account/login");
        var response = await client.SubmitAsync(page, "/account/login", "form", new Dictionary<string, string>
        {
            ["Input.Login"] = "clerk",
            ["Input.Password"] = "Demo@2026",
        });

        var session = response.Headers.GetValues("Set-Cookie").Single(c => c.Contains(SecurityHostingExtensions.AuthCookie, StringComparison.Ordinal));
        Assert.StartsWith("__Host-" + SecurityHostingExtensions.AuthCookie + "=", session);
        Assert.Contains("secure", session, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", session, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/desk")).StatusCode);
    }

    [Fact]
    public async Task PlainHttp_WithTlsOn_RedirectsToHttps()
    {
        using var plain = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = app.PlainAddress };

        var response = await plain.GetAsync("/account/login?x=1");

        Assert.Equal(HttpStatusCode.TemporaryRedirect, response.StatusCode);
        Assert.Equal(new Uri(app.BaseAddress, "/account/login?x=1"), response.Headers.Location);
    }
}

public sealed class ProxiedTransportTests(ProxiedAppFixture app) : IClassFixture<ProxiedAppFixture>
{
    [Fact]
    public async Task ForwardedHttps_FromKnownProxy_IsTreatedAsTls()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/account/login");
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Add("X-Forwarded-For", "192.0.2.10");

        var response = await app.CreateClient().SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.Contains("Strict-Transport-Security"));
        Assert.Contains(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("__Host-" + SecurityHostingExtensions.AntiforgeryCookie, StringComparison.Ordinal));
    }

    [Fact]
    public async Task PlainRequest_ThroughProxy_RedirectsToPublicHttps()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/account/login");
        request.Headers.Add("X-Forwarded-Proto", "http");

        var response = await app.CreateClient().SendAsync(request);

        Assert.Equal(HttpStatusCode.TemporaryRedirect, response.StatusCode);
        Assert.Equal("https", response.Headers.Location!.Scheme);
        Assert.Equal(443, response.Headers.Location.Port);
    }
}

public sealed class UntrustedProxyTests(UntrustedProxyAppFixture app) : IClassFixture<UntrustedProxyAppFixture>
{
    [Fact]
    public async Task ForwardedHttps_FromUnknownSender_IsIgnored()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/account/login");
        request.Headers.Add("X-Forwarded-Proto", "https");

        var response = await app.CreateClient().SendAsync(request);

        Assert.Equal(HttpStatusCode.TemporaryRedirect, response.StatusCode);
    }
}
