using System.Net;
using Dapper;

namespace OpsBoard.Web.Tests.Accounts;

public sealed class LoginTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task Home_Anonymous_RedirectsToLogin()
    {
        var response = await app.CreateClient().GetAsync("/");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/account/login", response.Headers.Location!.PathAndQuery);
    }

    [Fact]
    public async Task Login_DemoDirector_RedirectsHomeAndShowsCenterInChinese()
    {
        var client = await app.SignInAsync("director");

        var home = await client.GetPageAsync("/");

        Assert.Equal("云溪县群众来访接待中心", home.QuerySelector("h1")!.TextContent);
        Assert.Contains("中心主任", home.QuerySelector("nav")!.TextContent);
        Assert.Equal("zh-CN", home.DocumentElement.GetAttribute("lang"));
        Assert.Contains("最紧急的期限", home.QuerySelector("#urgent-title")!.TextContent);
    }

    [Fact]
    public async Task Login_WrongPassword_ShowsGenericMessageAndCountsFailure()
    {
        var response = await app.CreateClient().SubmitAsync("/account/login", "form", new Dictionary<string, string>
        {
            ["Input.Login"] = "stats",
            ["Input.Password"] = "not-the-password",
        });

        var page = await response.ParseAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("用户名或密码不正确。", page.QuerySelector(".alert-danger")!.TextContent);
        await using var connection = await app.Database.DataSource.OpenConnectionAsync();
        Assert.True(await connection.ExecuteScalarAsync<int>("SELECT failed_logins FROM app_user WHERE login = 'stats'") >= 1);
    }

    [Fact]
    public async Task Login_WrongPassword_PageDoesNotCarryTheTypedPasswordBack()
    {
        var response = await app.CreateClient().SubmitAsync("/account/login", "form", new Dictionary<string, string>
        {
            ["Input.Login"] = "stats",
            ["Input.Password"] = "Typed-Secret-4711",
        });

        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("用户名或密码不正确。", html);
        Assert.DoesNotContain("Typed-Secret-4711", html);
        Assert.Contains("value=\"stats\"", html); // the user name is kept, so only the password is typed again
    }

    [Fact]
    public async Task Login_EmptyFields_ShowsValidationMessages()
    {
        var response = await app.CreateClient().SubmitAsync("/account/login", "form", new Dictionary<string, string>
        {
            ["Input.Login"] = "",
            ["Input.Password"] = "",
        });

        var text = (await response.ParseAsync()).Body!.TextContent;
        Assert.Contains("请输入用户名", text);
        Assert.Contains("请输入密码", text);
    }

    [Fact]
    public async Task Login_WithoutAntiforgeryToken_IsRejected()
    {
        var response = await app.CreateClient().PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["Input.Login"] = "director",
            ["Input.Password"] = "Demo@2026",
        }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var cookies = response.Headers.TryGetValues("Set-Cookie", out var values) ? values : [];
        Assert.DoesNotContain(cookies, c => c.StartsWith("opsboard.auth", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Login_ExternalReturnUrl_IsIgnored()
    {
        var client = app.CreateClient();
        var response = await client.SubmitAsync("/account/login?ReturnUrl=%2F%2Fevil.example%2F", "form", new Dictionary<string, string>
        {
            ["Input.Login"] = "director",
            ["Input.Password"] = "Demo@2026",
        });

        Assert.Equal("/", response.Headers.Location!.OriginalString.Replace(app.BaseAddress.ToString().TrimEnd('/'), "", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AdminPage_Director_IsDenied_Admin_SeesSchedulerAndCalendar()
    {
        var director = await app.SignInAsync("director");
        var admin = await app.SignInAsync("admin");

        var denied = await director.GetAsync("/admin/system");
        var page = await admin.GetPageAsync("/admin/system");

        Assert.Equal(HttpStatusCode.Redirect, denied.StatusCode);
        Assert.StartsWith("/account/denied", denied.Headers.Location!.PathAndQuery);
        Assert.Contains("2026", page.QuerySelector("#calendar")!.ParentElement!.TextContent);
        Assert.Contains("节假日安排载入检查", page.QuerySelector("#jobs")!.ParentElement!.TextContent);
    }

    [Fact]
    public async Task Session_AppRestarts_StaysSignedIn_KeyRingIsSharedInTheDatabase()
    {
        var client = await app.SignInAsync("director");

        await app.StopAsync();
        await app.StartAsync();
        var response = await client.GetAsync("/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // Not a file on this machine: every node reads the same keys, so any node accepts any node's cookie.
        await using var connection = await app.Database.DataSource.OpenConnectionAsync();
        Assert.True(await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM data_protection_key") >= 1);
    }

    [Fact]
    public async Task Logout_SignedIn_EndsSession()
    {
        var client = await app.SignInAsync("clerk");

        var response = await client.SubmitAsync("/account/logout", "form", new Dictionary<string, string>());
        var after = await client.GetAsync("/");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/account/login", after.Headers.Location!.PathAndQuery);
    }
}
