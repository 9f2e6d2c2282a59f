using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Dapper;

namespace OpsBoard.Web.Tests.Live;

/// <summary>The hub spoken to as SignalR's JSON protocol over a raw WebSocket: no client library needed.</summary>
public sealed class HubAuthorizationTests(AppFixture app) : IClassFixture<AppFixture>
{
    const char RecordSeparator = '\u001e';

    async Task<(ClientWebSocket Socket, string FirstFrame)> ConnectAsync(string query)
    {
        var negotiate = await app.CreateClient().PostAsync($"/hubs/live/negotiate?negotiateVersion=1{query}", null);
        negotiate.EnsureSuccessStatusCode();
        var token = JsonDocument.Parse(await negotiate.Content.ReadAsStringAsync()).RootElement.GetProperty("connectionToken").GetString();
        var socket = new ClientWebSocket();
        var ws = new UriBuilder(app.BaseAddress) { Scheme = "ws", Path = "/hubs/live", Query = $"id={token}{query}" }.Uri;
        await socket.ConnectAsync(ws, CancellationToken.None);
        await socket.SendAsync(Encoding.UTF8.GetBytes("{\"protocol\":\"json\",\"version\":1}" + RecordSeparator), WebSocketMessageType.Text, true, CancellationToken.None);
        return (socket, await ReceiveAsync(socket));
    }

    static async Task<string> ReceiveAsync(ClientWebSocket socket)
    {
        var buffer = new byte[8192];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var result = await socket.ReceiveAsync(buffer, timeout.Token);
        return result.MessageType == WebSocketMessageType.Close ? "<closed>" : Encoding.UTF8.GetString(buffer, 0, result.Count);
    }

    [Fact]
    public async Task Connect_WithoutRoleOrToken_IsClosedAndAudited()
    {
        var (socket, handshake) = await ConnectAsync("");

        var next = await ReceiveAsync(socket);

        Assert.StartsWith("{}", handshake);
        Assert.True(next == "<closed>" || next.Contains("\"type\":7", StringComparison.Ordinal), next);
        await using var connection = await app.Database.DataSource.OpenConnectionAsync();
        Assert.True(await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM audit_log WHERE action = 'live.connect' AND outcome = 'refused'") >= 1);
    }

    [Fact]
    public async Task Connect_HallTokenAsWall_IsClosed()
    {
        var devices = app.Services.GetService(typeof(OpsBoard.Data.Screens.DeviceTokens)) as OpsBoard.Data.Screens.DeviceTokens;
        var (_, token) = await devices!.CreateAsync(1, "叫号屏冒充大屏", 1, OpsBoard.Data.Screens.ScreenKinds.Hall);

        var (asWall, _) = await ConnectAsync($"&device={token}&kind=wall");
        var refused = await ReceiveAsync(asWall);
        var (asHall, _) = await ConnectAsync($"&device={token}&kind=hall");
        await asHall.SendAsync(Encoding.UTF8.GetBytes("{\"type\":1,\"invocationId\":\"1\",\"target\":\"Resume\",\"arguments\":[0]}" + RecordSeparator),
            WebSocketMessageType.Text, true, CancellationToken.None);
        string reply;
        do
        {
            reply = await ReceiveAsync(asHall);
        }
        while (reply.Contains("\"type\":6", StringComparison.Ordinal));

        Assert.True(refused == "<closed>" || refused.Contains("\"type\":7", StringComparison.Ordinal), refused);
        Assert.Contains("\"type\":3", reply);
    }

    [Fact]
    public async Task Connect_WithRevokedToken_IsClosed()
    {
        var devices = app.Services.GetService(typeof(OpsBoard.Data.Screens.DeviceTokens)) as OpsBoard.Data.Screens.DeviceTokens;
        var (device, token) = await devices!.CreateAsync(1, "将被撤销", 1);
        await devices.RevokeAsync(1, device.Id, 1);

        var (socket, _) = await ConnectAsync($"&device={token}");
        var next = await ReceiveAsync(socket);

        Assert.True(next == "<closed>" || next.Contains("\"type\":7", StringComparison.Ordinal), next);
    }

    [Fact]
    public async Task Connect_WithValidToken_ResumeAnswersTheLatestEventId()
    {
        var devices = app.Services.GetService(typeof(OpsBoard.Data.Screens.DeviceTokens)) as OpsBoard.Data.Screens.DeviceTokens;
        var (_, token) = await devices!.CreateAsync(1, "有效大屏", 1);

        var (socket, _) = await ConnectAsync($"&device={token}");
        await socket.SendAsync(Encoding.UTF8.GetBytes("{\"type\":1,\"invocationId\":\"1\",\"target\":\"Resume\",\"arguments\":[0]}" + RecordSeparator),
            WebSocketMessageType.Text, true, CancellationToken.None);
        string reply;
        do
        {
            reply = await ReceiveAsync(socket);
        }
        while (reply.Contains("\"type\":6", StringComparison.Ordinal)); // pings

        Assert.Contains("\"type\":3", reply);
        Assert.Contains("\"result\":", reply);
    }
}
