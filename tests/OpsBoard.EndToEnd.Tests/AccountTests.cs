using Microsoft.Playwright;
using OpsBoard.Data.Accounts;

namespace OpsBoard.EndToEnd.Tests;

/// <summary>A fresh install outside demo mode, in Chromium: what the first admin sees from the log's password to the board.</summary>
public sealed class FirstAdminBrowserTests(FreshInstallAppFixture app, BrowserFixture browser) : IClassFixture<FreshInstallAppFixture>, IClassFixture<BrowserFixture>
{
    const string NewPassword = "county office keeps records";

    [BrowserFact]
    public async Task FirstAdmin_ForcedChange_EnrolsTotp_SignsInAgainWithCode()
    {
        var page = await browser.NewPageAsync(app.BaseAddress, 1920, 1080);
        await page.GotoAsync("/account/login");
        await Assertions.Expect(page.Locator("#demo-mode")).ToHaveCountAsync(0);
        await page.GetByLabel("用户名").FillAsync("admin");
        await page.GetByLabel("密码").FillAsync(app.FirstAdminPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "登录" }).ClickAsync();

        // The one-time password must be replaced before anything else; a common password is refused in Chinese.
        await Assertions.Expect(page.Locator("#forced-change")).ToBeVisibleAsync();
        await BrowserFixture.SnapshotAsync(page, "account-password-forced-1920");
        await page.GetByLabel("当前密码").FillAsync(app.FirstAdminPassword);
        await page.GetByLabel("新密码", new() { Exact = true }).FillAsync("a123456");
        await page.GetByLabel("再次输入新密码").FillAsync("a123456");
        await page.GetByRole(AriaRole.Button, new() { Name = "修改密码" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("新密码至少 10 个字符");
        await Assertions.Expect(page.GetByLabel("新密码", new() { Exact = true })).ToHaveValueAsync("");
        await page.GetByLabel("当前密码").FillAsync(app.FirstAdminPassword);
        await page.GetByLabel("新密码", new() { Exact = true }).FillAsync(NewPassword);
        await page.GetByLabel("再次输入新密码").FillAsync(NewPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "修改密码" }).ClickAsync();

        // Then the forced enrolment: the secret as text and the otpauth address, confirmed by a code.
        await Assertions.Expect(page.Locator("#forced-enrolment")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "生成密钥" }).ClickAsync();
        var secretText = await page.Locator("#totp-secret").TextContentAsync();
        await Assertions.Expect(page.Locator("#totp-uri")).ToContainTextAsync("otpauth://totp/OpsBoard:admin?secret=");
        await BrowserFixture.SnapshotAsync(page, "account-two-factor-enrol-1920");
        await page.SetViewportSizeAsync(1366, 768);
        await BrowserFixture.SnapshotAsync(page, "account-two-factor-enrol-1366");
        var secret = Totp.FromBase32(secretText!);
        var enrolStep = Totp.StepAt(DateTimeOffset.UtcNow);
        await page.GetByLabel("验证码").FillAsync(Totp.Code(secret, enrolStep));
        await page.GetByRole(AriaRole.Button, new() { Name = "启用两步验证" }).ClickAsync();
        await Assertions.Expect(page.Locator("#recovery-codes li")).ToHaveCountAsync(TwoFactor.RecoveryCodeCount);
        var codeBox = await page.Locator("#recovery-codes").BoundingBoxAsync();
        Assert.True(codeBox!.Y + codeBox.Height < 768, "the recovery codes fit the first screen at 1366×768");
        await BrowserFixture.SnapshotAsync(page, "account-recovery-codes-1366");
        await page.GetByRole(AriaRole.Link, new() { Name = "我已保存恢复码，进入系统" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "用户账号" })).ToBeVisibleAsync();

        // Sign out, and in again: password, then the code.
        await page.GetByRole(AriaRole.Button, new() { Name = "退出登录" }).ClickAsync();
        await page.GetByLabel("用户名").FillAsync("admin");
        await page.GetByLabel("密码").FillAsync(NewPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "登录" }).ClickAsync();
        await Assertions.Expect(page.GetByLabel("验证码")).ToBeFocusedAsync();
        await BrowserFixture.SnapshotAsync(page, "account-login-code-1366");
        await page.GetByLabel("验证码").FillAsync(Totp.Code(secret, Math.Max(Totp.StepAt(DateTimeOffset.UtcNow), enrolStep) + 1));
        await page.GetByRole(AriaRole.Button, new() { Name = "验证并登录" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "退出登录" })).ToBeVisibleAsync();

        // The admin page of accounts, at both sizes.
        await page.GotoAsync("/admin/users");
        await Assertions.Expect(page.Locator("#users tbody tr")).ToHaveCountAsync(1);
        await BrowserFixture.SnapshotAsync(page, "admin-users-1366");
        await page.SetViewportSizeAsync(1920, 1080);
        await BrowserFixture.SnapshotAsync(page, "admin-users-1920");
    }
}

public sealed class DemoLoginBrowserTests(AppFixture app, BrowserFixture browser) : IClassFixture<AppFixture>, IClassFixture<BrowserFixture>
{
    [BrowserFact]
    public async Task LoginPage_DemoMode_BannerVisible_AdminUsersPageReadable()
    {
        var page = await browser.NewPageAsync(app.BaseAddress);
        await page.GotoAsync("/account/login");

        await Assertions.Expect(page.Locator("#demo-mode")).ToContainTextAsync("演示模式");
        await BrowserFixture.SnapshotAsync(page, "login-demo-1366");
        await page.GetByLabel("用户名").FillAsync("admin");
        await page.GetByLabel("密码").FillAsync("Demo@2026");
        await page.GetByRole(AriaRole.Button, new() { Name = "登录" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "退出登录" })).ToBeVisibleAsync();
        await page.GotoAsync("/admin/users");
        await Assertions.Expect(page.Locator("#demo-badge")).ToBeVisibleAsync();
        var table = await page.Locator("#users").BoundingBoxAsync();
        var form = await page.Locator("#new-login").BoundingBoxAsync();
        Assert.True(form!.X > table!.X + table.Width - 1, "the create form sits beside the list at 1366×768");
        await BrowserFixture.SnapshotAsync(page, "admin-users-demo-1366");
        await page.SetViewportSizeAsync(1920, 1080);
        await BrowserFixture.SnapshotAsync(page, "admin-users-demo-1920");
    }
}
