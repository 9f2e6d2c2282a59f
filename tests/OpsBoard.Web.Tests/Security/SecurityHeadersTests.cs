using System.Net;
using System.Text.RegularExpressions;
using OpsBoard.Data.Screens;
using OpsBoard.Web.Security;

namespace OpsBoard.Web.Tests.Security;

public sealed partial class SecurityHeadersTests(AppFixture app) : IClassFixture<AppFixture>
{
    static void AssertSecurityHeaders(HttpResponseMessage response, string path)
    {
        Assert.True(response.Headers.TryGetValues("Content-Security-Policy", out var csp), $"{path}: no CSP");
        var policy = csp.Single();
        Assert.Equal(SecurityHeaders.ContentSecurityPolicy, policy);
        Assert.Contains("script-src 'self';", policy);
        Assert.DoesNotContain("unsafe-inline'; img", policy.Split("style-src")[0]);
        Assert.Contains("frame-ancestors 'none'", policy);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
    }

    [Fact]
    public async Task Answers_EveryKind_CarrySecurityHeaders()
    {
        var devices = (DeviceTokens)app.Services.GetService(typeof(DeviceTokens))!;
        var (_, token) = await devices.CreateAsync(1, "头部检查", 1);
        var (_, hallToken) = await devices.CreateAsync(1, "头部检查（叫号屏）", 1, ScreenKinds.Hall);
        var staff = await app.SignInAsync("clerk");
        var anonymous = app.CreateClient();
        foreach (var (client, path) in new[]
        {
            (anonymous, "/account/login"), (anonymous, "/healthz"), (anonymous, $"/wall?device={token}"), (anonymous, $"/hall?device={hallToken}"),
            (anonymous, "/js/live.js"), (anonymous, "/no/such/page"), (staff, "/desk"), (staff, "/matters"), (staff, "/"),
        })
        {
            var response = await client.GetAsync(path);
            AssertSecurityHeaders(response, path);
        }
    }

    [Fact]
    public async Task StaffPages_AreNeverStored_StaticFilesAre()
    {
        var staff = await app.SignInAsync("clerk");
        foreach (var path in new[] { "/desk", "/matters", "/slips", "/account/login" })
        {
            var response = await staff.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.True(response.Headers.CacheControl?.NoStore, $"{path}: {response.Headers.CacheControl}");
        }

        var script = await staff.GetAsync("/js/live.js");
        Assert.NotEqual(true, script.Headers.CacheControl?.NoStore);
    }

    /// <summary>No page may carry inline script or inline handlers: the policy would block them and break the page.</summary>
    [Fact]
    public async Task Pages_HaveNoInlineScript()
    {
        var devices = (DeviceTokens)app.Services.GetService(typeof(DeviceTokens))!;
        var (_, token) = await devices.CreateAsync(1, "内联检查", 1);
        var (_, hallToken) = await devices.CreateAsync(1, "内联检查（叫号屏）", 1, ScreenKinds.Hall);
        var director = await app.SignInAsync("director");
        var anonymous = app.CreateClient();
        foreach (var (client, path) in new[]
        {
            (anonymous, "/account/login"), (anonymous, $"/wall?device={token}"), (anonymous, $"/hall?device={hallToken}"),
            (director, "/"), (director, "/metrics"), (director, "/matters"), (director, "/slips"), (director, "/admin/system"),
        })
        {
            var html = await (await client.GetAsync(path)).Content.ReadAsStringAsync();
            Assert.DoesNotMatch(InlineScript(), html);
            Assert.DoesNotMatch(InlineHandler(), html);
            Assert.DoesNotContain("javascript:", html, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task PlainHttp_Cookies_HaveNoHostPrefix()
    {
        var response = await app.CreateClient().GetAsync("/account/login");

        Assert.False(response.Headers.Contains("Strict-Transport-Security"));
        var cookies = response.Headers.GetValues("Set-Cookie").ToList();
        Assert.Contains(cookies, c => c.StartsWith(SecurityHostingExtensions.AntiforgeryCookie + "=", StringComparison.Ordinal));
    }

    [GeneratedRegex(@"<script(?![^>]*\bsrc=)[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex InlineScript();

    [GeneratedRegex(@"<[^>]+\son[a-z]+\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex InlineHandler();
}
