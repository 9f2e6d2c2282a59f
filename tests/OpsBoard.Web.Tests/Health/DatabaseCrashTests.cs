using System.Net;
using System.Text.Json;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using OpsBoard.Data.Live;
using OpsBoard.Data.Personal;
using OpsBoard.Data.Reception;

namespace OpsBoard.Web.Tests.Health;

/// <summary>
/// The embedded PostgreSQL killed under a running board (<c>kill -9</c> on the postmaster): /healthz says so, the server
/// comes back by itself with everything committed, and a clerk who submits meanwhile loses nothing and doubles nothing.
/// </summary>
public sealed class DatabaseCrashTests(EmbeddedAppFixture app) : IClassFixture<EmbeddedAppFixture>
{
    const int RestartSeconds = 60;

    static async Task<(HttpStatusCode Status, JsonElement Body)> HealthAsync(HttpClient client)
    {
        var response = await client.GetAsync("/healthz");
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement);
    }

    static string State(JsonElement body, string component) => body.GetProperty(component).GetProperty("status").GetString()!;

    /// <summary>
    /// Kills the server and returns the first /healthz answer that finds the database gone (a backend of the killed
    /// server may answer a query or two before it notices its postmaster is dead).
    /// </summary>
    async Task<JsonElement> KillAndWaitForOutageAsync(HttpClient client)
    {
        app.KillServer();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var (status, body) = await HealthAsync(client);
            if (State(body, "database") == "down")
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
                return body;
            }

            Assert.True(DateTime.UtcNow < deadline, "/healthz never saw the killed server: " + body);
            await Task.Delay(20);
        }
    }

    static string NewIdNumber()
    {
        var first17 = $"33010219790101{Random.Shared.Next(1000):000}";
        return first17 + ChineseIdNumber.CheckCharacterOf(first17);
    }

    async Task<int> CenterOfAsync(string login)
    {
        await using var connection = await app.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<int>("SELECT center_id FROM app_user WHERE login = @login", new { login });
    }

    [Fact]
    public async Task Healthz_EmbeddedServerKilled_SaysDownThenRestartsWithCommittedRowsKept()
    {
        await app.WaitUntilHealthyAsync(RestartSeconds);
        var client = app.CreateClient();
        var listener = app.Services.GetRequiredService<LiveListener>();
        var restartsBefore = app.Supervisor.Status.Restarts;
        long committed;
        await using (var connection = await app.DataSource.OpenConnectionAsync())
        {
            var centerId = await connection.ExecuteScalarAsync<int>("SELECT min(id) FROM center");
            committed = await LiveJournal.AppendAsync(connection, null, "test.before_crash", centerId);
        }

        JsonElement down;
        using (app.HoldServerDown())
        {
            down = await KillAndWaitForOutageAsync(client);
        }

        Assert.Equal("restarting", State(down, "server"));
        Assert.Equal("unknown", State(down, "migrations"));

        await app.WaitUntilHealthyAsync(RestartSeconds);
        var (_, up) = await HealthAsync(client);
        Assert.Equal(restartsBefore + 1, up.GetProperty("server").GetProperty("restarts").GetInt32());
        Assert.Equal("up", State(up, "scheduler"));
        Assert.Equal("up", State(up, "live"));
        await using var after = await app.DataSource.OpenConnectionAsync();
        Assert.Equal("test.before_crash", await after.ExecuteScalarAsync<string>("SELECT kind FROM live_event WHERE id = @committed", new { committed }));

        // The listener is subscribed again: an event committed now reaches it.
        var centerOf = await after.ExecuteScalarAsync<int>("SELECT min(id) FROM center");
        var next = await LiveJournal.AppendAsync(after, null, "test.after_restart", centerOf);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (listener.HighWaterMark < next && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.True(listener.HighWaterMark >= next, $"listener at {listener.HighWaterMark}, event {next}");

        // The administrator sees the same on the system page.
        var admin = await app.SignInAsync("admin");
        var server = (await admin.GetPageAsync("/admin/system")).QuerySelector("[data-component=server]")!;
        Assert.Equal("正常", server.QuerySelector(".badge")!.TextContent);
        Assert.Equal((restartsBefore + 1).ToString(), server.Children[2].TextContent);
    }

    [Fact]
    public async Task Desk_DatabaseKilledWhileFormFilled_KeepsTheFormAndRegistersOnceWhenBack()
    {
        await app.WaitUntilHealthyAsync(RestartSeconds);
        var clerk = await app.SignInAsync("clerk");
        var centerId = await CenterOfAsync("clerk");
        var desk = await clerk.GetPageAsync("/desk");
        var locality = desk.QuerySelectorAll<IHtmlOptionElement>("#locality option").Last().Value;
        var idNumber = NewIdNumber();
        var typed = new Dictionary<string, string>
        {
            ["Input.Name"] = "钱宏伟",
            ["Input.IdNumber"] = idNumber,
            ["Input.Phone"] = "13905710000",
            ["Input.Category"] = "labour_social",
            ["Input.LocalityId"] = locality,
            ["Input.Summary"] = "工地拖欠三个月工资",
        };
        var requestKey = desk.QuerySelector<IHtmlInputElement>("input[name='Input.RequestKey']")!.Value;

        HttpResponseMessage refused;
        using (app.HoldServerDown())
        {
            await KillAndWaitForOutageAsync(clerk);
            refused = await clerk.SubmitAsync(desk, "/desk", "register", typed);
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
        var kept = await refused.ParseAsync();
        Assert.Contains("数据库暂时不可用，您填写的内容已保留", kept.QuerySelector(".alert-warning")!.TextContent);
        Assert.Equal("钱宏伟", kept.QuerySelector<IHtmlInputElement>("#name")!.Value);
        Assert.Equal(idNumber, kept.QuerySelector<IHtmlInputElement>("#id-number")!.Value);
        Assert.Equal("工地拖欠三个月工资", kept.QuerySelector<IHtmlTextAreaElement>("#summary")!.Value);
        Assert.Equal(locality, kept.QuerySelector<IHtmlSelectElement>("#locality")!.Value);
        Assert.Equal("labour_social", kept.QuerySelector<IHtmlSelectElement>("#category")!.Value);
        Assert.Equal(requestKey, kept.QuerySelector<IHtmlInputElement>("input[name='Input.RequestKey']")!.Value);

        await app.WaitUntilHealthyAsync(RestartSeconds);
        // The clerk presses 登记并取号 again on the form as it was shown back, and once more, as people do.
        var first = await clerk.SubmitAsync(kept, "/desk", "register", new Dictionary<string, string>());
        var again = await clerk.SubmitAsync(kept, "/desk", "register", new Dictionary<string, string>());

        Assert.True(first.StatusCode == HttpStatusCode.Redirect, (await first.ParseAsync()).QuerySelector(".alert")?.TextContent);
        Assert.Equal(first.Headers.Location, again.Headers.Location);
        await using var connection = await app.DataSource.OpenConnectionAsync();
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM visit WHERE request_key = @key", new { key = Guid.Parse(requestKey) }));
        var deskActor = OpsBoard.Data.Accounts.Actor.Center(1, centerId, OpsBoard.Data.Accounts.Roles.Clerk);
        var petitioner = Assert.Single((await app.Services.GetRequiredService<DeskQueries>().FindAsync(deskActor, idNumber, null, null)).Found);
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM visit WHERE petitioner_id = @Id AND visit_day = (now() AT TIME ZONE 'Asia/Shanghai')::date", new { petitioner.Card.Id }));
    }

    [Fact]
    public async Task DutyLaunch_DatabaseKilledOnSubmit_KeepsTheFormThenLaunchesOnceAndTheOutboxDelivers()
    {
        await app.WaitUntilHealthyAsync(RestartSeconds);
        var duty = await app.SignInAsync("duty");
        var console = await duty.GetPageAsync("/duty");
        var unit = console.QuerySelectorAll<IHtmlOptionElement>("#unit option").First(o => o.TextContent == "城东街道").Value;
        var typed = new Dictionary<string, string>
        {
            ["Input.Kind"] = "collective",
            ["Input.UnitId"] = unit,
            ["Input.Place"] = "接待中心二楼调处室",
            ["Input.Headcount"] = "7",
            ["Input.Summary"] = "七名村民反映征地补偿款分配，情绪激动",
        };
        var requestKey = Guid.Parse(console.QuerySelector<IHtmlInputElement>("input[name='Input.RequestKey']")!.Value);

        HttpResponseMessage refused;
        using (app.HoldServerDown())
        {
            await KillAndWaitForOutageAsync(duty);
            refused = await duty.SubmitAsync(console, "/duty", "launch", typed);
        }

        // The duty leader reads why, with the form as typed and its one-time key unchanged.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
        var kept = await refused.ParseAsync();
        Assert.True(kept.QuerySelector(".alert-warning") is not null, kept.Body?.TextContent);
        Assert.Contains("数据库暂时不可用，您填写的内容已保留", kept.QuerySelector(".alert-warning")!.TextContent);
        Assert.Equal("collective", kept.QuerySelector<IHtmlSelectElement>("#kind")!.Value);
        Assert.Equal(unit, kept.QuerySelector<IHtmlSelectElement>("#unit")!.Value);
        Assert.Equal("接待中心二楼调处室", kept.QuerySelector<IHtmlInputElement>("#place")!.Value);
        Assert.Equal("7", kept.QuerySelector<IHtmlInputElement>("#headcount")!.Value);
        Assert.Equal("七名村民反映征地补偿款分配，情绪激动", kept.QuerySelector<IHtmlTextAreaElement>("#summary")!.Value);
        Assert.Equal(requestKey.ToString(), kept.QuerySelector<IHtmlInputElement>("input[name='Input.RequestKey']")!.Value);

        await app.WaitUntilHealthyAsync(RestartSeconds);
        await using var connection = await app.DataSource.OpenConnectionAsync();
        // Nothing half-written: no response, no timeline, no notification from the refused submission.
        Assert.Equal(0, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM emergency WHERE request_key = @requestKey", new { requestKey }));

        // Pressed again once the database is back, twice as people do: one response.
        var first = await duty.SubmitAsync(kept, "/duty", "launch", new Dictionary<string, string>());
        var again = await duty.SubmitAsync(kept, "/duty", "launch", new Dictionary<string, string>());
        Assert.True(first.StatusCode == HttpStatusCode.Redirect, (await first.ParseAsync()).QuerySelector(".alert")?.TextContent);
        Assert.Equal(first.Headers.Location, again.Headers.Location);
        var emergencyId = await connection.ExecuteScalarAsync<long>("SELECT id FROM emergency WHERE request_key = @requestKey", new { requestKey });
        Assert.EndsWith($"/emergency/{emergencyId}", first.Headers.Location!.OriginalString);
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM emergency WHERE request_key = @requestKey", new { requestKey }));

        // The node's outbox job delivers every responder's notification to the gateway, each under its own key.
        var keys = (await connection.QueryAsync<Guid>(
            "SELECT idempotency_key FROM notification_outbox WHERE (payload->>'emergencyId')::bigint = @emergencyId", new { emergencyId }))
            .Select(k => k.ToString()).ToList();
        Assert.True(keys.Count >= 2, $"{keys.Count} notifications");
        const string unsent = "SELECT count(*) FROM notification_outbox WHERE (payload->>'emergencyId')::bigint = @emergencyId AND sent_at IS NULL";
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await connection.ExecuteScalarAsync<int>(unsent, new { emergencyId }) > 0 || !keys.All(k => app.Gateway.Calls.Any(c => c.Key == k)))
               && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.All(keys, k => Assert.Contains(app.Gateway.Calls, c => c.Key == k && c.Body.Contains("接待中心二楼调处室")));
        Assert.Equal(0, await connection.ExecuteScalarAsync<int>(unsent, new { emergencyId }));
    }

    [Fact]
    public async Task AnyPage_DatabaseDown_Answers503WithAPlainPageThatNeedsNoDatabase()
    {
        await app.WaitUntilHealthyAsync(RestartSeconds);
        var clerk = await app.SignInAsync("clerk");

        HttpResponseMessage response;
        using (app.HoldServerDown())
        {
            await KillAndWaitForOutageAsync(clerk);
            response = await clerk.GetAsync("/desk");
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        var page = await response.ParseAsync();
        Assert.Equal("数据库暂时不可用", page.QuerySelector("[data-outage] h1")!.TextContent);
        Assert.Equal("/desk", page.QuerySelector<IHtmlAnchorElement>("[data-outage] a")!.GetAttribute("href"));
        Assert.NotNull(page.QuerySelector("meta[http-equiv=refresh]"));

        await app.WaitUntilHealthyAsync(RestartSeconds);
        Assert.Equal(HttpStatusCode.OK, (await clerk.GetAsync("/desk")).StatusCode);
    }
}
