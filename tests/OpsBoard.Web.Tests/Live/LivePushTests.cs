using System.Collections.Concurrent;
using System.Net;
using Dapper;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using OpsBoard.Data.Live;
using OpsBoard.Data.Screens;
using OpsBoard.Web.Live;

namespace OpsBoard.Web.Tests.Live;

/// <summary>The live path as screens and staff see it: one render per audience, pushed to all; units kept apart.</summary>
public sealed class LivePushTests(AppFixture app) : IClassFixture<AppFixture>
{
    async Task<HubConnection> ConnectAsync(string query, CookieContainer? cookies = null)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(app.BaseAddress, "/hubs/live" + query), options =>
            {
                if (cookies is not null)
                {
                    options.Cookies = cookies;
                }
            })
            .Build();
        await connection.StartAsync();
        return connection;
    }

    async Task<CookieContainer> SignedInCookiesAsync(string login)
    {
        var cookies = new CookieContainer();
        var client = app.CreateClient(cookies);
        var response = await client.SubmitAsync("/account/login", "form", new Dictionary<string, string>
        {
            ["Input.Login"] = login,
            ["Input.Password"] = "Demo@2026",
        });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return cookies;
    }

    async Task<long> AppendAsync(string kind, int? unitId = null)
    {
        await app.Services.GetRequiredService<LiveListener>().Ready; // events before the listener subscribed are not its to send
        await using var connection = await app.Database.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var id = await LiveJournal.AppendAsync(connection, transaction, kind, 1, unitId, new { test = true });
        await transaction.CommitAsync();
        return id;
    }

    [Fact]
    public async Task OneEvent_TwentyScreens_EachRegionRenderedOnceAndPushedToAll()
    {
        var (_, token) = await app.Services.GetRequiredService<DeviceTokens>().CreateAsync(1, "压测大屏", 1);
        var received = new Inbox<LiveRegionsPush>();
        var screens = new List<HubConnection>();
        for (var i = 0; i < 20; i++)
        {
            var screen = await ConnectAsync($"?device={token}");
            screen.On<LiveRegionsPush>("regions", received.Add);
            screens.Add(screen);
        }

        // Events of earlier tests are dispatched in order before this one's push arrives: after it, only ours render.
        var warmUp = await AppendAsync("waiting.changed");
        await received.WaitForAsync(all => all.Count(p => p.LastId >= warmUp) >= 20);
        var renderer = app.Services.GetRequiredService<RegionRenderer>();
        var before = renderer.Renders;
        var id = await AppendAsync("visit.registered");
        // Two pushes per screen: the floor's regions at once, then the KPI region, which counts a month of items.
        await received.WaitForAsync(all => all.Count(p => p.LastId >= id) >= 40);

        var regions = LiveRegions.For("visit.registered").Where(RegionRenderer.IsScreenRegion).ToList();
        var pushes = received.Items.Where(p => p.LastId >= id).ToList();
        Assert.Equal(regions.Count, renderer.Renders - before);
        Assert.Equal(20, pushes.Count(p => p.Regions.Keys.SequenceEqual([LiveRegions.Kpi])));
        Assert.Equal(20, pushes.Count(p => p.Regions.Keys.Order().SequenceEqual(regions.Where(r => r != LiveRegions.Kpi).Order())));
        Assert.All(pushes, push => Assert.All(push.Regions, r => Assert.Contains($"data-region=\"{r.Key}\"", r.Value)));
        foreach (var screen in screens)
        {
            await screen.DisposeAsync();
        }
    }

    [Fact]
    public async Task UnitEvent_ReachesItsOwnUnitOnly_AndScreensGetNoUnitRegion()
    {
        await using var connection = await app.Database.DataSource.OpenConnectionAsync();
        var officerUnit = await connection.ExecuteScalarAsync<int>(
            "SELECT r.unit_id FROM user_role r JOIN app_user u ON u.id = r.user_id WHERE u.login = 'officer' AND r.role = 'unit_officer'");
        var own = new Inbox<LiveChange>();
        var other = new Inbox<LiveChange>();
        await using var officer = await ConnectAsync("", await SignedInCookiesAsync("officer"));
        await using var officer2 = await ConnectAsync("", await SignedInCookiesAsync("officer2"));
        officer.On<LiveChange>("changed", own.Add);
        officer2.On<LiveChange>("changed", other.Add);

        var otherUnit = await connection.ExecuteScalarAsync<int>(
            "SELECT r.unit_id FROM user_role r JOIN app_user u ON u.id = r.user_id WHERE u.login = 'officer2' AND r.role = 'unit_officer'");

        var id = await AppendAsync("supervision.issued", officerUnit);
        await own.WaitForAsync(all => all.Any(c => c.LastId >= id));
        // Then an event of officer2's own unit: events go out in order, so once it has arrived the first would have too.
        var marker = await AppendAsync("matter.assigned", otherUnit);
        await other.WaitForAsync(all => all.Any(c => c.LastId >= marker));

        Assert.DoesNotContain(other.Items, c => c.Kinds.Contains("supervision.issued"));
        Assert.DoesNotContain(own.Items, c => c.Kinds.Contains("matter.assigned"));
    }

    [Fact]
    public async Task PushedRegions_HoldNoPersonalData()
    {
        var (_, token) = await app.Services.GetRequiredService<DeviceTokens>().CreateAsync(1, "隐私检查", 1);
        var received = new Inbox<LiveRegionsPush>();
        await using var screen = await ConnectAsync($"?device={token}");
        screen.On<LiveRegionsPush>("regions", received.Add);
        await using var db = await app.Database.DataSource.OpenConnectionAsync();
        var names = (await db.QueryAsync<string>("SELECT name FROM petitioner WHERE length(name) >= 2 LIMIT 200")).ToList();

        var id = await AppendAsync("ticket.called");
        await received.WaitForAsync(all => all.Any(p => p.LastId >= id));

        var html = string.Concat(received.Items.SelectMany(p => p.Regions.Values));
        Assert.DoesNotContain(names, n => html.Contains(n, StringComparison.Ordinal));
        Assert.DoesNotMatch(@"\d{17}[\dX]", html);
    }

    [Fact]
    public async Task DeviceToken_ReadTwiceWithinAMinute_WritesLastSeenOnlyOnce()
    {
        var devices = app.Services.GetRequiredService<DeviceTokens>();
        var (device, token) = await devices.CreateAsync(1, "读写检查", 1);
        await using var connection = await app.Database.DataSource.OpenConnectionAsync();
        const string versionSql = "SELECT xmin::text FROM device_token WHERE id = @Id";

        await devices.ValidateAsync(token, ScreenKinds.Wall);
        var afterFirst = await connection.ExecuteScalarAsync<string>(versionSql, new { device.Id });
        for (var i = 0; i < 5; i++)
        {
            Assert.NotNull(await devices.ValidateAsync(token, ScreenKinds.Wall));
        }

        Assert.Equal(afterFirst, await connection.ExecuteScalarAsync<string>(versionSql, new { device.Id }));
    }

    [Fact]
    public async Task FetchModeScreen_GetsNamesAndFetchesTheSameRegion()
    {
        var (_, token) = await app.Services.GetRequiredService<DeviceTokens>().CreateAsync(1, "取数大屏", 1);
        var changes = new Inbox<LiveChange>();
        await using var screen = await ConnectAsync($"?device={token}&push=0");
        screen.On<LiveChange>("changed", changes.Add);

        var id = await AppendAsync("visit.registered");
        await changes.WaitForAsync(all => all.Any(c => c.LastId >= id));
        var fragment = await app.CreateClient().GetAsync($"/wall/fragments/queue?device={token}");

        Assert.Contains(LiveRegions.Queue, changes.Items.First(c => c.LastId >= id).Regions);
        Assert.Equal(HttpStatusCode.OK, fragment.StatusCode);
        Assert.Contains("data-region=\"queue\"", await fragment.Content.ReadAsStringAsync());
    }
}

/// <summary>Messages a client received, and a wait on their arrival (no sleeping, a timeout instead of hanging).</summary>
sealed class Inbox<T>
{
    readonly ConcurrentQueue<T> items = new();
    readonly SemaphoreSlim arrived = new(0);

    public IReadOnlyList<T> Items => [.. items];

    public void Add(T item)
    {
        items.Enqueue(item);
        arrived.Release();
    }

    public async Task WaitForAsync(Func<IReadOnlyList<T>, bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition(Items))
        {
            await arrived.WaitAsync(timeout.Token);
        }
    }
}
