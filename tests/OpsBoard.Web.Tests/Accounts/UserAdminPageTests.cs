using AngleSharp.Dom;
using System.Net;
using Dapper;

namespace OpsBoard.Web.Tests.Accounts;

public sealed class UserAdminPageTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task CreateUser_Admin_GetsOneTimePassword_NewUserMustChangeIt()
    {
        var admin = await app.SignInAsync("admin");

        var created = await admin.SubmitAsync("/admin/users", "create-user", new Dictionary<string, string>
        {
            ["Input.Login"] = "zhangwei",
            ["Input.DisplayName"] = "张伟",
            ["Input.Role"] = "clerk",
        });
        var password = (await created.ParseAsync()).QuerySelector("#one-time-password code")!.TextContent;
        var user = await app.SignInAsync("zhangwei", password);
        var first = await user.GetAsync("/desk");

        Assert.Equal("/account/password", new Uri(app.BaseAddress, first.Headers.Location!).AbsolutePath);
        await using var connection = await app.Database.DataSource.OpenConnectionAsync();
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM audit_log WHERE action = 'user.created' AND detail->>'login' = 'zhangwei'"));
    }

    [Fact]
    public async Task CreateUser_UnitRoleWithoutUnit_RefusedInChinese_FormKept()
    {
        var admin = await app.SignInAsync("admin");

        var response = await admin.SubmitAsync("/admin/users", "create-user", new Dictionary<string, string>
        {
            ["Input.Login"] = "lina",
            ["Input.DisplayName"] = "李娜",
            ["Input.Role"] = "unit_officer",
        });
        var page = await response.ParseAsync();

        Assert.Contains("须选择所属责任单位", page.QuerySelector(".alert-danger")!.TextContent);
        Assert.Equal("lina", page.QuerySelector<AngleSharp.Html.Dom.IHtmlInputElement>("#new-login")!.Value);
    }

    [Fact]
    public async Task DisableUser_TheirOpenSessionEnds_AndListSearches()
    {
        var admin = await app.SignInAsync("admin");
        var officer = await app.SignInAsync("officer2");
        Assert.Equal(HttpStatusCode.OK, (await officer.GetAsync("/unit")).StatusCode);
        await using var connection = await app.Database.DataSource.OpenConnectionAsync();
        var id = await connection.ExecuteScalarAsync<int>("SELECT id FROM app_user WHERE login = 'officer2'");

        var list = await admin.GetPageAsync("/admin/users?q=officer");
        await admin.SubmitAsync($"/admin/users/{id}", "set-active", new Dictionary<string, string>());
        var after = await officer.GetAsync("/unit");

        Assert.All(list.QuerySelectorAll("#users tbody tr td:first-child"), td => Assert.Contains("officer", td.TextContent));
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM audit_log WHERE action = 'user.disabled' AND subject_id = @id", new { id }));
        await admin.SubmitAsync($"/admin/users/{id}", "set-active", new Dictionary<string, string>());
    }

    [Fact]
    public async Task UsersPage_Director_IsDenied()
    {
        var director = await app.SignInAsync("director");

        var response = await director.GetAsync("/admin/users");

        Assert.StartsWith("/account/denied", response.Headers.Location!.PathAndQuery);
    }
}
