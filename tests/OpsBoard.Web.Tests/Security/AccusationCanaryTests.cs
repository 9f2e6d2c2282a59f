using System.Globalization;
using System.Net;
using System.Text.Json;
using AngleSharp.Html.Parser;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Matters;
using OpsBoard.Data.Personal;

namespace OpsBoard.Web.Tests.Security;

/// <summary>
/// 条例 第三十条, black-box: accusation matters naming 城东街道 and one of its communities carry unique canary strings in
/// their content, petitioner name and accused person; every page and export that lists matters, read as the accused
/// unit's officer and leader, as its child community's officer, never shows them (nor the file numbers). The discipline
/// unit reads the file in full; another unit given the matter reads it redacted.
/// </summary>
public sealed class AccusationCanaryTests(AppFixture app) : IClassFixture<AppFixture>
{
    static readonly string Tag = Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
    static readonly string Content = $"金丝雀检举内容{Tag}";
    static readonly string Name = $"雀{Tag}";
    static readonly string Content2 = $"金丝雀控告内容二{Tag}";
    static readonly string Name2 = $"雀二{Tag}";
    static readonly string AccusedPerson = $"被举报人{Tag}";

    static string NewIdNumber()
    {
        var first17 = $"593127{new DateOnly(1960, 1, 1).AddDays(Random.Shared.Next(15000)):yyyyMMdd}{Random.Shared.Next(1000):000}";
        return first17 + ChineseIdNumber.CheckCharacterOf(first17);
    }

    async Task<int> UnitAsync(string code)
    {
        await using var connection = await app.Database.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<int>("SELECT id FROM unit WHERE code = @code", new { code });
    }

    async Task<long> RegisterAsync(HttpClient clerk, string name, string content, int accusedUnit)
    {
        var response = await clerk.SubmitAsync("/matters/new", "new-matter", new Dictionary<string, string>
        {
            ["Input.Source"] = "letter",
            ["Input.Name"] = name,
            ["Input.IdNumber"] = NewIdNumber(),
            ["Input.Phone"] = "13912345678",
            ["Input.Category"] = "discipline",
            ["Input.Summary"] = content,
            ["Input.IsAccusation"] = "true",
            ["Input.AccusedUnits[0]"] = accusedUnit.ToString(CultureInfo.InvariantCulture),
            ["Input.AccusedPeople[0].Name"] = AccusedPerson,
            ["Input.AccusedPeople[0].Post"] = "社区主任",
        });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return long.Parse(response.Headers.Location!.OriginalString.Split('/')[^1], CultureInfo.InvariantCulture);
    }

    static Task<HttpResponseMessage> StepAsync(HttpClient client, long id, string step, Dictionary<string, string>? fields = null) =>
        client.SubmitAsync($"/matters/{id}", $"step-{step}", fields ?? []);

    /// <summary>Two accusation matters registered at /matters/new, accepted, and given — one to the discipline unit, one to 县住建局.</summary>
    async Task<(long ToDiscipline, long ToDepartment, string[] Codes)> ScenarioAsync()
    {
        var clerk = await app.SignInAsync("clerk");
        var chengdong = await UnitAsync("chengdong");
        var first = await RegisterAsync(clerk, Name, Content, chengdong);
        var second = await RegisterAsync(clerk, Name2, Content2, await UnitAsync("chengdong-03"));
        var director = await app.SignInAsync("director");
        foreach (var id in new[] { first, second })
        {
            await StepAsync(director, id, "Accept");
        }

        var refused = await (await StepAsync(director, first, "Assign", new() { ["Input.UnitId"] = chengdong.ToString(CultureInfo.InvariantCulture) })).ParseAsync();
        Assert.Contains("第三十条", refused.QuerySelector("[role=alert]")?.TextContent ?? refused.Body!.TextContent);
        // The form offers neither the accused street nor (for the second) its parent.
        var offered = (await director.GetPageAsync($"/matters/{second}")).QuerySelectorAll("form select[name='Input.UnitId'] option").Select(o => o.GetAttribute("value"));
        Assert.DoesNotContain(chengdong.ToString(CultureInfo.InvariantCulture), offered);
        await StepAsync(director, first, "Assign", new() { ["Input.UnitId"] = (await UnitAsync("jgw")).ToString(CultureInfo.InvariantCulture) });
        await StepAsync(director, second, "Assign", new() { ["Input.UnitId"] = (await UnitAsync("zjj")).ToString(CultureInfo.InvariantCulture) });
        await using var connection = await app.Database.DataSource.OpenConnectionAsync();
        var units = await connection.QueryAsync<string>("SELECT u.code FROM matter m JOIN unit u ON u.id = m.responsible_unit_id WHERE m.id = ANY(@ids) ORDER BY m.id",
            new { ids = new[] { first, second } });
        Assert.Equal(["jgw", "zjj"], units);
        var codes = (await connection.QueryAsync<string>("SELECT code FROM matter WHERE id = ANY(@ids) ORDER BY id", new { ids = new[] { first, second } })).ToArray();
        return (first, second, codes);
    }

    /// <summary>An officer of the street's first community, which is a child of the accused street.</summary>
    async Task<HttpClient> ChildOfficerAsync()
    {
        var login = $"c{Tag.ToLowerInvariant()}";
        await using (var connection = await app.Database.DataSource.OpenConnectionAsync())
        {
            var users = app.Services.GetRequiredService<UserStore>();
            await users.CreateAsync(connection, null, await connection.ExecuteScalarAsync<int>("SELECT id FROM center"),
                new NewUser(login, "东门社区经办人", "Canary#Passw0rd-2026", [(Roles.UnitOfficer, await UnitAsync("chengdong-01"))]));
        }

        return await app.SignInAsync(login, "Canary#Passw0rd-2026");
    }

    static string CurrentMonth => DateTime.UtcNow.AddHours(8).ToString("yyyy-MM", CultureInfo.InvariantCulture);

    /// <summary>Every list of matters the account can reach, and one level of the links they offer, as (path, status, body).</summary>
    static async Task<List<(string Path, HttpStatusCode Status, string Body)>> ReadEverythingAsync(HttpClient client, long[] ids)
    {
        var seeds = new List<string>
        {
            "/", "/unit", "/matters", "/matters?sort=due", "/matters?status=assigned", $"/matters?name={Uri.EscapeDataString(Name)}",
            $"/matters?name={Uri.EscapeDataString(Name2)}", "/alerts", "/slips", "/slips?view=all", "/slips/packages", "/slips/packages?all=true",
            "/slips/watch", "/metrics", $"/metrics?month={CurrentMonth}", "/desk", "/floor", "/duty", "/emergency",
        };
        seeds.AddRange(ids.Select(id => $"/matters/{id}"));
        var read = new List<(string, HttpStatusCode, string)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var parser = new HtmlParser();
        var links = new List<string>();
        foreach (var path in seeds)
        {
            using var response = await client.GetAsync(path);
            var body = await response.Content.ReadAsStringAsync();
            read.Add((path, response.StatusCode, body));
            seen.Add(path);
            var page = parser.ParseDocument(body);
            links.AddRange(page.QuerySelectorAll("a[href]").Select(a => a.GetAttribute("href")!)
                .Where(h => h.StartsWith("/matters", StringComparison.Ordinal) || h.StartsWith("/slips", StringComparison.Ordinal)
                    || h.StartsWith("/metrics/items", StringComparison.Ordinal) || h.StartsWith("/metrics?", StringComparison.Ordinal)));
        }

        foreach (var path in links.Distinct().Where(seen.Add).Take(80))
        {
            using var response = await client.GetAsync(path);
            read.Add((path, response.StatusCode, await response.Content.ReadAsStringAsync()));
        }

        return read;
    }

    /// <summary>The month's export as CSV (items and summary), as the unit leader may ask for it.</summary>
    static async Task<string> ExportCsvAsync(HttpClient client)
    {
        var response = await client.SubmitAsync("/metrics/export", "export", new Dictionary<string, string>
        {
            ["Input.Month"] = CurrentMonth,
            ["Input.Format"] = "csv",
        });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var progress = response.Headers.Location!.AbsolutePath;
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            var status = JsonDocument.Parse(await client.GetStringAsync(progress + "/status")).RootElement;
            if (status.GetProperty("done").GetBoolean())
            {
                break;
            }

            Assert.False(status.GetProperty("failed").GetBoolean(), status.ToString());
            Assert.True(DateTime.UtcNow < deadline, "export did not finish");
            await Task.Delay(200);
        }

        return await client.GetStringAsync(progress + "/file") + await client.GetStringAsync(progress + "/summary");
    }

    [Fact]
    public async Task AccusationCanary_NeverReachesTheAccusedUnitItsParentOrChild_DisciplineUnitReadsIt_OtherUnitRedacted()
    {
        var (toDiscipline, toDepartment, codes) = await ScenarioAsync();
        string[] canaries = [Content, Name, Content2, Name2, AccusedPerson, .. codes];
        var accused = new Dictionary<string, HttpClient>
        {
            ["officer（城东街道）"] = await app.SignInAsync("officer"),
            ["leader（城东街道）"] = await app.SignInAsync("leader"),
            ["东门社区（下级）"] = await ChildOfficerAsync(),
        };

        foreach (var (who, client) in accused)
        {
            var pages = await ReadEverythingAsync(client, [toDiscipline, toDepartment]);
            Assert.True(pages.Count >= 20, $"{who}: only {pages.Count} pages read");
            foreach (var (path, status, body) in pages)
            {
                Assert.True(status != HttpStatusCode.InternalServerError, $"{who} {path}: 500");
                // A name search shows back the name typed into it; what it must not show is a matter.
                foreach (var canary in path.Contains("name=", StringComparison.Ordinal) ? canaries.Except([Name, Name2]) : canaries)
                {
                    Assert.False(body.Contains(canary, StringComparison.Ordinal), $"{who} {path} ({(int)status}) shows {canary}");
                }
            }

            foreach (var id in new[] { toDiscipline, toDepartment })
            {
                Assert.Contains(pages, p => p.Path == $"/matters/{id}" && p.Status is HttpStatusCode.NotFound or HttpStatusCode.Forbidden);
            }
        }

        var export = await ExportCsvAsync(accused["leader（城东街道）"]);
        Assert.All(canaries, c => Assert.DoesNotContain(c, export, StringComparison.Ordinal));

        // Each refused opening of the file is in the operation log, with who tried.
        await using (var connection = await app.Database.DataSource.OpenConnectionAsync())
        {
            Assert.True(await connection.ExecuteScalarAsync<int>("""
                SELECT count(*) FROM audit_log a JOIN app_user u ON u.id = a.user_id
                WHERE a.action = 'matter.accusation_viewed' AND a.outcome = 'refused' AND u.login = 'officer' AND a.subject_id = ANY(@ids)
                """, new { ids = new[] { toDiscipline, toDepartment } }) >= 2);
        }

        var discipline = await (await app.SignInAsync("jiwei")).GetPageAsync($"/matters/{toDiscipline}");
        Assert.Contains(Content, discipline.Body!.TextContent);
        Assert.Contains(Name, discipline.Body.TextContent);
        Assert.Contains(AccusedPerson, discipline.QuerySelector("[data-accusation=full]")!.TextContent);

        var other = await app.SignInAsync("officer2");
        var redacted = await other.GetPageAsync($"/matters/{toDepartment}");
        Assert.Contains(Accusations.RedactedMark, redacted.QuerySelector("[data-accusation=redacted]")!.TextContent);
        foreach (var canary in new[] { Content2, Name2, AccusedPerson, "13912345678" })
        {
            Assert.DoesNotContain(canary, redacted.Body!.InnerHtml);
        }

        var search = await other.GetPageAsync($"/matters?name={Uri.EscapeDataString(Name2)}");
        Assert.Contains(codes[1], redacted.Body!.TextContent);
        // Its own due list beside the search still names the matter; the search's results do not.
        Assert.DoesNotContain(codes[1], search.QuerySelector("table.table tbody")?.TextContent ?? "");

        await using var audit = await app.Database.DataSource.OpenConnectionAsync();
        Assert.Equal([(toDiscipline, "jiwei", false), (toDepartment, "officer2", true)], (await audit.QueryAsync<(long, string, bool)>("""
            SELECT a.subject_id, u.login, (a.detail->>'redacted')::bool
            FROM audit_log a JOIN app_user u ON u.id = a.user_id
            WHERE a.action = 'matter.accusation_viewed' AND a.outcome = 'ok' AND u.login IN ('jiwei', 'officer2') AND a.subject_id = ANY(@ids)
            ORDER BY a.id
            """, new { ids = new[] { toDiscipline, toDepartment } })).Distinct());
    }

    [Fact]
    public async Task Desk_AccusedNamedWithoutTheBox_IsRefusedInChinese_TheFormKeepsWhatWasTyped_NothingRegistered()
    {
        var clerk = await app.SignInAsync("clerk");
        var community = (await UnitAsync("chengdong-02")).ToString(CultureInfo.InvariantCulture);
        await using var connection = await app.Database.DataSource.OpenConnectionAsync();
        var visits = await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM visit");

        var response = await clerk.SubmitAsync("/desk", "register", new Dictionary<string, string>
        {
            ["Input.Name"] = "漏勾" + Tag[..4],
            ["Input.IdNumber"] = NewIdNumber(),
            ["Input.Category"] = "discipline",
            ["Input.Summary"] = "反映社区干部问题",
            ["Input.AccusedUnits[0]"] = community,
            ["Input.AccusedPeople[0].Name"] = "钱某",
            ["Input.AccusedPeople[0].Post"] = "社区书记",
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await response.ParseAsync();
        Assert.Contains("请同时勾选“检举控告”", page.QuerySelector("[data-field-error=Accusation]")!.TextContent);
        Assert.Equal(community, page.QuerySelector("select[name='Input.AccusedUnits[0]'] option[selected]")?.GetAttribute("value"));
        Assert.Equal("钱某", page.QuerySelector("input[name='Input.AccusedPeople[0].Name']")!.GetAttribute("value"));
        Assert.Equal("社区书记", page.QuerySelector("input[name='Input.AccusedPeople[0].Post']")!.GetAttribute("value"));
        Assert.Equal(visits, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM visit"));
    }
}
