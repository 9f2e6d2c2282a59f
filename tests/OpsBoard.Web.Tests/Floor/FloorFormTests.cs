using System.Net;
using Dapper;

namespace OpsBoard.Web.Tests.Floor;

public sealed class FloorFormTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task Desk_InvalidIdNumber_ShowsCheckDigitMessageAndRegistersNothing()
    {
        var clerk = await app.SignInAsync("clerk");
        await using var connection = await app.Database.DataSource.OpenConnectionAsync();
        var before = await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM visit");

        var response = await clerk.SubmitAsync("/desk", "register", new Dictionary<string, string>
        {
            ["Input.Name"] = "王五",
            ["Input.IdNumber"] = "110105194912310021",
            ["Input.Headcount"] = "1",
            ["Input.Category"] = "urban_construction",
            ["Input.Summary"] = "测试",
            ["Input.ServiceLineId"] = "1",
        });

        var page = await response.ParseAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("校验位", page.QuerySelector(".alert-danger")!.TextContent);
        Assert.Equal(before, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM visit"));
    }

    [Fact]
    public async Task Desk_PriorityWithoutReasonAndZeroHeadcount_ShowsBothMessages()
    {
        var clerk = await app.SignInAsync("clerk");

        var response = await clerk.SubmitAsync("/desk", "register", new Dictionary<string, string>
        {
            ["Input.Name"] = "王五",
            ["Input.IdNumber"] = "11010519491231002X",
            ["Input.Headcount"] = "0",
            ["Input.Category"] = "urban_construction",
            ["Input.Summary"] = "测试",
            ["Input.ServiceLineId"] = "1",
            ["Input.Priority"] = "true",
        });

        var alert = (await response.ParseAsync()).QuerySelector(".alert-danger")!.TextContent;
        Assert.Contains("绿色通道须注明原因", alert);
        Assert.Contains("来访人数应在 1 到 500 之间", alert);
    }

    [Fact]
    public async Task Desk_ValidRegistration_RedirectsToPrintableTicket()
    {
        var clerk = await app.SignInAsync("clerk");

        var response = await clerk.SubmitAsync("/desk", "register", new Dictionary<string, string>
        {
            ["Input.Name"] = "钱七",
            ["Input.IdNumber"] = "440524198001010013",
            ["Input.Headcount"] = "2",
            ["Input.Category"] = "labour_social",
            ["Input.Summary"] = "社保转移接续",
            ["Input.ServiceLineId"] = "1",
        });

        Assert.True(response.StatusCode == HttpStatusCode.Redirect, (await response.ParseAsync()).QuerySelector(".alert-danger")?.TextContent);
        var ticket = await clerk.GetPageAsync(response.Headers.Location!.OriginalString);
        Assert.Matches("^[A-Z][0-9]{3}$", ticket.QuerySelector("[data-ticket-number]")!.TextContent);
    }

    [Fact]
    public async Task Desk_WithoutAntiforgery_IsRejected()
    {
        var clerk = await app.SignInAsync("clerk");

        var response = await clerk.PostAsync("/desk", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "register",
            ["Input.Name"] = "王五",
        }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("stats", "/desk")]
    [InlineData("officer", "/window")]
    [InlineData("director", "/floor")]
    [InlineData("clerk", "/admin/devices")]
    public async Task Pages_WrongRole_AreDenied(string login, string path)
    {
        var client = await app.SignInAsync(login);

        var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/account/denied", response.Headers.Location!.PathAndQuery);
    }

    [Fact]
    public async Task Window_CallWithoutSigningIn_IsNotOffered_SignInThenCallShowsANumber()
    {
        var clerk = await app.SignInAsync("window2");
        var console = await clerk.GetPageAsync("/window");
        Assert.Contains("窗口签到", console.QuerySelector("h1")!.TextContent);

        var signIn = await clerk.SubmitAsync("/window", "sign-in-*", new Dictionary<string, string>());
        var after = await signIn.ParseAsync();

        Assert.NotNull(after.QuerySelector("input[name=_handler][value=sign-out]"));
    }

    [Fact]
    public async Task Fragments_WithoutTokenOrRole_Are403_WithToken_RenderTheRegion()
    {
        var anonymous = app.CreateClient();
        var devices = app.Services.GetService(typeof(OpsBoard.Data.Screens.DeviceTokens)) as OpsBoard.Data.Screens.DeviceTokens;
        var (_, token) = await devices!.CreateAsync(1, "片段测试", 1);

        var refused = await anonymous.GetAsync("/wall/fragments/queue");
        var unknown = await anonymous.GetAsync($"/wall/fragments/nonsense?device={token}");
        var region = await anonymous.GetPageAsync($"/wall/fragments/queue?device={token}");

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("候访队列", region.QuerySelector("section[data-region=queue] h2")!.TextContent);
    }

    [Fact]
    public async Task AdminDevices_CreateShowsTokenOnce_RevokeStopsTheWall()
    {
        var admin = await app.SignInAsync("admin");

        var posted = await admin.SubmitAsync("/admin/devices", "create-device", new Dictionary<string, string>
        {
            ["Input.Name"] = "二楼大屏",
        });
        var created = await admin.GetPageAsync(posted.Headers.Location!.OriginalString);
        var reloaded = await admin.GetPageAsync("/admin/devices"); // F5: no second token, and this one is not shown again
        var wallUrl = new Uri(created.QuerySelector("[data-screen-url]")!.TextContent);
        var wall = await app.CreateClient().GetAsync(wallUrl.PathAndQuery);
        var revoke = await admin.SubmitAsync("/admin/devices", "revoke-*", new Dictionary<string, string>());
        var revokedWall = await app.CreateClient().GetAsync(wallUrl.PathAndQuery);

        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        Assert.Null(reloaded.QuerySelector("[data-screen-url]"));
        Assert.Single(reloaded.QuerySelectorAll("tbody tr"), tr => tr.TextContent.Contains("二楼大屏"));
        Assert.Equal(HttpStatusCode.OK, wall.StatusCode);
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, revokedWall.StatusCode);
    }
}
