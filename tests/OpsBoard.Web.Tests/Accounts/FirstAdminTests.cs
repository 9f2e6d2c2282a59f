using System.Net;
using System.Text.RegularExpressions;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpsBoard.Data.Accounts;

namespace OpsBoard.Web.Tests.Accounts;

/// <summary>A fresh install outside demo mode: the first admin, the forced password change, the forced second factor.</summary>
public sealed partial class FirstAdminTests(FreshInstallAppFixture app) : IClassFixture<FreshInstallAppFixture>
{
    [GeneratedRegex("id=\"totp-secret\"[^>]*>([A-Z2-7 ]+)<")]
    private static partial Regex SecretOnPage();

    [Fact]
    public async Task FirstStart_OutsideDemoMode_OneAdminMustChangePasswordThenEnrolThenSignsInWithCode()
    {
        // Exactly one account exists, the admin, with a password printed once to the log, and no demo account.
        await using (var connection = await app.Database.DataSource.OpenConnectionAsync())
        {
            Assert.Equal(["admin"], await connection.QueryAsync<string>("SELECT login FROM app_user"));
            Assert.True(await connection.ExecuteScalarAsync<bool>("SELECT must_change_password FROM app_user WHERE login = 'admin'"));
        }

        Assert.Single(app.Warnings, m => m.Contains("one-time password", StringComparison.Ordinal));
        var demo = await app.CreateClient().SubmitAsync("/account/login", "form", new Dictionary<string, string>
        {
            ["Input.Login"] = "director",
            ["Input.Password"] = "Demo@2026",
        });
        Assert.Equal(HttpStatusCode.OK, demo.StatusCode);
        var loginPage = await app.CreateClient().GetPageAsync("/account/login");
        Assert.Null(loginPage.QuerySelector("#demo-mode"));

        var client = await app.SignInAsync("admin", app.FirstAdminPassword);

        // Every page leads to the password change first.
        var home = await client.GetAsync("/admin/users");
        Assert.Equal("/account/password", home.Headers.Location!.OriginalString.Replace(app.BaseAddress.ToString().TrimEnd('/'), "", StringComparison.Ordinal));
        var common = await client.SubmitAsync("/account/password", "change-password", new Dictionary<string, string>
        {
            ["Input.Current"] = app.FirstAdminPassword,
            ["Input.New"] = "woaini1314",
            ["Input.Repeat"] = "woaini1314",
        });
        var commonHtml = await common.Content.ReadAsStringAsync();
        Assert.Contains("该密码过于常见", commonHtml);
        Assert.DoesNotContain("woaini1314\"", commonHtml);
        var changed = await client.SubmitAsync("/account/password", "change-password", new Dictionary<string, string>
        {
            ["Input.Current"] = app.FirstAdminPassword,
            ["Input.New"] = "county office keeps records",
            ["Input.Repeat"] = "county office keeps records",
        });
        Assert.EndsWith("/account/two-factor", changed.Headers.Location!.OriginalString);

        // Then the second factor: an admin must enrol before anything else.
        var blocked = await client.GetAsync("/admin/users");
        Assert.EndsWith("/account/two-factor", blocked.Headers.Location!.OriginalString);
        var begun = await client.SubmitAsync("/account/two-factor", "begin-two-factor", new Dictionary<string, string>());
        var secret = Totp.FromBase32(SecretOnPage().Match(await begun.Content.ReadAsStringAsync()).Groups[1].Value);
        var enrolStep = Totp.StepAt(DateTimeOffset.UtcNow);
        var enrolCode = Totp.Code(secret, enrolStep);
        var confirmed = await client.SubmitAsync("/account/two-factor", "confirm-two-factor", new Dictionary<string, string>
        {
            ["Input.Code"] = enrolCode,
        });
        var codes = (await confirmed.ParseAsync()).QuerySelectorAll("#recovery-codes code").Select(c => c.TextContent).ToList();
        Assert.Equal(TwoFactor.RecoveryCodeCount, codes.Count);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/admin/users")).StatusCode);

        // Next sign-in: the password, then a code (the one just used is refused as a replay, the next one works).
        var second = app.CreateClient();
        var step1 = await second.SubmitAsync("/account/login", "form", new Dictionary<string, string>
        {
            ["Input.Login"] = "admin",
            ["Input.Password"] = "county office keeps records",
        });
        var codePage = await step1.ParseAsync();
        Assert.NotNull(codePage.QuerySelector("#code"));
        Assert.Null(step1.Headers.Location);
        var replay = await second.SubmitAsync(codePage, "/account/login", "login-code", new Dictionary<string, string>
        {
            ["Code.Value"] = enrolCode,
        });
        Assert.Contains("验证码不正确", await replay.Content.ReadAsStringAsync());
        var signedIn = await second.SubmitAsync(await replay.ParseAsync(), "/account/login", "login-code", new Dictionary<string, string>
        {
            ["Code.Value"] = Totp.Code(secret, Math.Max(Totp.StepAt(DateTimeOffset.UtcNow), enrolStep) + 1),
        });
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await second.GetAsync("/admin/users")).StatusCode);

        // A recovery code works once.
        var third = app.CreateClient();
        var page3 = await (await third.SubmitAsync("/account/login", "form", new Dictionary<string, string>
        {
            ["Input.Login"] = "admin",
            ["Input.Password"] = "county office keeps records",
        })).ParseAsync();
        var recovered = await third.SubmitAsync(page3, "/account/login", "login-code", new Dictionary<string, string> { ["Code.Value"] = codes[0] });
        Assert.Equal(HttpStatusCode.Redirect, recovered.StatusCode);
    }

    [Fact]
    public async Task Start_OutsideDemoMode_AccountWithDemoPassword_RefusesToStart()
    {
        await using var connection = await app.Database.DataSource.OpenConnectionAsync();
        var bootstrap = app.Services.GetRequiredService<AccountBootstrap>();
        await connection.ExecuteAsync("""
            INSERT INTO app_user (center_id, login, display_name, password_hash)
            SELECT min(id), 'leftover', '遗留演示账号', @hash FROM center
            """, new { hash = UserStore.HashPassword(OpsBoard.Data.Demo.DemoSeeder.DemoPassword) });
        try
        {
            var refused = await Assert.ThrowsAsync<AccountSetupException>(() => bootstrap.RefuseDemoPasswordsAsync());
            Assert.Contains("leftover", refused.Message);
        }
        finally
        {
            await connection.ExecuteAsync("DELETE FROM app_user WHERE login = 'leftover'");
        }
    }
}
