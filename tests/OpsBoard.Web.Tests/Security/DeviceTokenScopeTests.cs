using System.Net;
using Dapper;
using OpsBoard.Data;
using OpsBoard.Data.Screens;

namespace OpsBoard.Web.Tests.Security;

/// <summary>A device token opens one kind of screen, until it expires or is revoked.</summary>
public sealed class DeviceTokenScopeTests(AppFixture app) : IClassFixture<AppFixture>
{
    DeviceTokens Devices => (DeviceTokens)app.Services.GetService(typeof(DeviceTokens))!;

    [Fact]
    public async Task HallToken_OnWall_IsRefused_OnHall_Opens()
    {
        var (_, hall) = await Devices.CreateAsync(1, "大厅叫号屏（范围）", 1, ScreenKinds.Hall);
        var (_, wall) = await Devices.CreateAsync(1, "大屏（范围）", 1, ScreenKinds.Wall);
        var client = app.CreateClient();

        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync($"/wall?device={hall}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync($"/wall/fragments/alerts?device={hall}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/hall?device={hall}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync($"/hall?device={wall}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync($"/hall/fragments/board?device={wall}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/wall?device={wall}")).StatusCode);
    }

    [Fact]
    public async Task ExpiredToken_IsRefused()
    {
        var (device, token) = await Devices.CreateAsync(1, "借用大屏", 1, ScreenKinds.Wall, DateTimeOffset.UtcNow.AddDays(1));
        var client = app.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/wall?device={token}")).StatusCode);

        await using (var connection = await app.Database.DataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("UPDATE device_token SET expires_at = now() - interval '1 second' WHERE id = @Id", new { device.Id });
        }

        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync($"/wall?device={token}")).StatusCode);
        Assert.Contains(await Devices.ListAsync(1), d => d.Id == device.Id && d.ExpiresAt is not null);
    }

    [Fact]
    public async Task Create_PastExpiryOrUnknownKindOrLongName_IsRefused()
    {
        await Assert.ThrowsAsync<RefusedException>(() => Devices.CreateAsync(1, "过期", 1, ScreenKinds.Wall, DateTimeOffset.UtcNow.AddMinutes(-1)));
        await Assert.ThrowsAsync<RefusedException>(() => Devices.CreateAsync(1, "未知", 1, "kiosk"));
        await Assert.ThrowsAsync<RefusedException>(() => Devices.CreateAsync(1, new string('屏', TextLimits.Name + 1), 1));
    }

    [Fact]
    public async Task AdminPage_CreatesHallToken_ShowsOnlyTheHallAddressOnce()
    {
        var admin = await app.SignInAsync("admin");

        var posted = await admin.SubmitAsync("/admin/devices", "create-device", new Dictionary<string, string>
        {
            ["Input.Name"] = "一楼叫号屏",
            ["Input.Screen"] = ScreenKinds.Hall,
            ["Input.Days"] = "30",
        });
        var created = await admin.GetPageAsync(posted.Headers.Location!.OriginalString);
        var url = new Uri(created.QuerySelector("[data-screen-url]")!.TextContent);

        Assert.Equal("/hall", url.AbsolutePath);
        Assert.Single(created.QuerySelectorAll("[data-screen-url]"));
        var row = created.QuerySelectorAll("tbody tr").Single(tr => tr.TextContent.Contains("一楼叫号屏"));
        Assert.Contains("叫号屏", row.TextContent);
        Assert.DoesNotContain("长期", row.TextContent);
        Assert.Null((await admin.GetPageAsync("/admin/devices")).QuerySelector("[data-screen-url]"));
    }
}
