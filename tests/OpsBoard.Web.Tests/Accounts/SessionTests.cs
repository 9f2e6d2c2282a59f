using Microsoft.Extensions.DependencyInjection;
using System.Net;
using Dapper;

namespace OpsBoard.Web.Tests.Accounts;

public sealed class SessionTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task Logout_CookieCopiedBefore_IsRefusedAfterwards()
    {
        var cookies = new CookieContainer();
        var client = app.CreateClient(cookies);
        await client.SubmitAsync("/account/login", "form", new Dictionary<string, string> { ["Input.Login"] = "clerk", ["Input.Password"] = "Demo@2026" });
        var copy = new CookieContainer();
        copy.Add(cookies.GetCookies(app.BaseAddress));
        Assert.Equal(HttpStatusCode.OK, (await app.CreateClient(copy).GetAsync("/desk")).StatusCode);

        await client.SubmitAsync("/account/logout", "form", new Dictionary<string, string>());
        var replayed = await app.CreateClient(copy).GetAsync("/desk");

        Assert.Equal(HttpStatusCode.Redirect, replayed.StatusCode);
        Assert.StartsWith("/account/login", replayed.Headers.Location!.PathAndQuery);
        await using var connection = await app.Database.DataSource.OpenConnectionAsync();
        Assert.True(await connection.ExecuteScalarAsync<int>("""
            SELECT count(*) FROM audit_log a JOIN app_user u ON u.id = a.user_id
            WHERE a.action = 'account.sign_out' AND u.login = 'clerk'
            """) >= 1);
    }

    [Fact]
    public async Task Idle_PastTimeout_SessionEnds_ScreenRefreshesDoNotKeepItAlive()
    {
        var client = await app.SignInAsync("duty");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/floor")).StatusCode);
        await using var connection = await app.Database.DataSource.OpenConnectionAsync();
        // The person last acted 31 minutes ago; a screen has refreshed its fragments since (those never count).
        await connection.ExecuteAsync("""
            UPDATE user_session SET last_active_at = now() - interval '31 minutes'
            WHERE user_id = (SELECT id FROM app_user WHERE login = 'duty') AND ended_at IS NULL
            """);
        app.Services.GetRequiredService<OpsBoard.Data.Accounts.SessionStore>().ForgetUser(
            await connection.ExecuteScalarAsync<int>("SELECT id FROM app_user WHERE login = 'duty'"));

        var after = await client.GetAsync("/floor");

        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
        Assert.Equal("idle", await connection.ExecuteScalarAsync<string>("""
            SELECT end_reason FROM user_session WHERE user_id = (SELECT id FROM app_user WHERE login = 'duty') ORDER BY started_at DESC LIMIT 1
            """));
    }

    [Fact]
    public async Task LoginPage_DemoMode_SaysSoVisibly()
    {
        var page = await app.CreateClient().GetPageAsync("/account/login");

        Assert.Contains("演示模式", page.QuerySelector("#demo-mode")!.TextContent);
    }
}

public sealed class LoginRateLimitTests(LoginRateLimitTests.LimitedApp app) : IClassFixture<LoginRateLimitTests.LimitedApp>
{
    public sealed class LimitedApp : AppFixture
    {
        protected override void Configure(Microsoft.Extensions.Configuration.IConfiguration configuration)
        {
            base.Configure(configuration);
            configuration["OpsBoard:LoginAttemptsPerMinute"] = "3";
        }
    }

    [Fact]
    public async Task LoginPost_OverTheLimit_429WithChineseMessage_PagesStillServed()
    {
        var client = app.CreateClient();
        var page = await client.GetPageAsync("/account/login");
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            statuses.Add((await client.SubmitAsync(page, "/account/login", "form", new Dictionary<string, string>
            {
                ["Input.Login"] = "stats",
                ["Input.Password"] = "guess-" + i,
            })).StatusCode);
        }

        var refused = await client.SubmitAsync(page, "/account/login", "form", new Dictionary<string, string>
        {
            ["Input.Login"] = "stats",
            ["Input.Password"] = "Demo@2026",
        });

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Contains("登录尝试过于频繁", await refused.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/account/login")).StatusCode);
    }
}
