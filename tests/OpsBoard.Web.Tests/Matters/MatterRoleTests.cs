using System.Net;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Matters;

namespace OpsBoard.Web.Tests.Matters;

/// <summary>The matter file as each demo role sees it: only the steps the matrix allows, and no way round it by posting.</summary>
public sealed class MatterRoleTests(AppFixture app) : IClassFixture<AppFixture>
{
    async Task<long> MatterAsync(string status, string? unitOfLogin = null)
    {
        await using var connection = await app.Database.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>("""
            SELECT min(m.id)
            FROM matter m
            WHERE m.status = @status
              AND (@login::text IS NULL OR m.responsible_unit_id IN (
                    SELECT r.unit_id FROM user_role r JOIN app_user u ON u.id = r.user_id WHERE u.login = @login))
              AND NOT EXISTS (SELECT 1 FROM extension_request e JOIN matter_clock k ON k.id = e.clock_id
                              WHERE k.matter_id = m.id AND e.decided_at IS NULL)
            """, new { status, login = unitOfLogin });
    }

    async Task<string> StatusAsync(long matterId)
    {
        await using var connection = await app.Database.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<string>("SELECT status FROM matter WHERE id = @matterId", new { matterId }) ?? "";
    }

    static IReadOnlyList<string> OfferedSteps(IHtmlDocument page) =>
        [.. page.QuerySelectorAll<IHtmlInputElement>("input[name=_handler]")
            .Select(i => i.Value)
            .Where(v => v.StartsWith("step-", StringComparison.Ordinal))
            .Select(v => v["step-".Length..])
            .Order()];

    static IEnumerable<string> Names(params MatterStep[] steps) => steps.Select(s => s.ToString()).Order();

    [Fact]
    public async Task RegisteredMatter_EachRole_SeesOnlyItsSteps()
    {
        var id = await MatterAsync(MatterStatus.Registered);
        var expected = new Dictionary<string, IEnumerable<string>>
        {
            ["director"] = Names(MatterStep.Accept, MatterStep.AcceptNoticePending, MatterStep.Reject),
            ["duty"] = Names(MatterStep.Accept, MatterStep.AcceptNoticePending, MatterStep.Reject),
            ["clerk"] = [],
            ["stats"] = [],
        };

        foreach (var (login, steps) in expected)
        {
            var client = await app.SignInAsync(login);
            var page = await client.GetPageAsync($"/matters/{id}");
            Assert.Equal(steps, OfferedSteps(page));
        }
    }

    /// <summary>A registered matter accepted and assigned to the officer's unit by the director, through the lifecycle.</summary>
    async Task<long> AssignedToOfficerAsync()
    {
        var id = await MatterAsync(MatterStatus.Registered);
        await using var connection = await app.Database.DataSource.OpenConnectionAsync();
        var (director, center, unit) = await connection.QuerySingleAsync<(int, int, int)>("""
            SELECT d.id, d.center_id, r.unit_id
            FROM app_user d, app_user o JOIN user_role r ON r.user_id = o.id AND r.role = 'unit_officer'
            WHERE d.login = 'director' AND o.login = 'officer'
            """);
        var lifecycle = app.Services.GetRequiredService<MatterLifecycle>();
        var actor = Actor.Center(director, center, Roles.Director);
        await lifecycle.AcceptAsync(actor, id, true, null, true);
        await lifecycle.AssignAsync(actor, id, unit);
        return id;
    }

    [Fact]
    public async Task UnknownMatter_Is404WithAPageSayingSo()
    {
        var client = await app.SignInAsync("director");

        var response = await client.GetAsync("/matters/987654321");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("页面不存在", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AssignedMatter_UnitAndCenter_SeeTheirOwnSteps()
    {
        var id = await AssignedToOfficerAsync();
        var expected = new Dictionary<string, IEnumerable<string>>
        {
            ["officer"] = Names(MatterStep.Receive, MatterStep.Return),
            ["leader"] = Names(MatterStep.Receive, MatterStep.Return),
            ["director"] = Names(MatterStep.Supervise), // the acceptance notice was given when it was accepted
            ["clerk"] = [],
            ["stats"] = [],
        };

        foreach (var (login, steps) in expected)
        {
            var client = await app.SignInAsync(login);
            var page = await client.GetPageAsync($"/matters/{id}");
            Assert.Equal(steps, OfferedSteps(page));
        }
    }

    [Fact]
    public async Task HandlingMatter_UnitLeader_SeesReplyAndExtension_CenterSeesNoUnitStep()
    {
        var id = await MatterAsync(MatterStatus.Handling, unitOfLogin: "leader");
        var leader = await (await app.SignInAsync("leader")).GetPageAsync($"/matters/{id}");
        var director = await (await app.SignInAsync("director")).GetPageAsync($"/matters/{id}");

        Assert.Contains(nameof(MatterStep.Reply), OfferedSteps(leader));
        Assert.Contains(nameof(MatterStep.RequestExtension), OfferedSteps(leader));
        Assert.DoesNotContain(nameof(MatterStep.Reply), OfferedSteps(director));
        Assert.DoesNotContain(nameof(MatterStep.RequestExtension), OfferedSteps(director));
    }

    [Fact]
    public async Task AcceptedMatter_AssignForm_HasAPlaceholderAndPreselectsTheLocality()
    {
        var id = await MatterAsync(MatterStatus.Registered);
        var director = await app.SignInAsync("director");
        await director.SubmitAsync($"/matters/{id}", $"step-{MatterStep.Accept}", new Dictionary<string, string>());
        await using var connection = await app.Database.DataSource.OpenConnectionAsync();
        var street = await connection.ExecuteScalarAsync<string>("""
            SELECT s.name FROM matter m JOIN unit v ON v.id = m.locality_id JOIN unit s ON s.id = coalesce(v.parent_id, v.id)
            WHERE m.id = @id
            """, new { id });

        var page = await director.GetPageAsync($"/matters/{id}");
        var select = page.QuerySelector<IHtmlSelectElement>("select[name='Input.UnitId']")!;

        Assert.Equal("请选择责任单位", select.Options[0].Text);
        Assert.StartsWith(street, select.Options[select.SelectedIndex].Text);
        var refused = await (await director.SubmitAsync($"/matters/{id}", $"step-{MatterStep.Assign}", new Dictionary<string, string>
        {
            ["Input.UnitId"] = "0",
        })).ParseAsync();
        Assert.Contains("请选择责任单位", refused.QuerySelector("[role=alert]")!.TextContent);
    }

    [Fact]
    public async Task UnitList_LeaderSeesPendingExtensions_OfficerSeesWhatIsDueNext()
    {
        await using var connection = await app.Database.DataSource.OpenConnectionAsync();
        var (officerId, center, unit) = await connection.QuerySingleAsync<(int, int, int)>("""
            SELECT u.id, u.center_id, r.unit_id FROM app_user u JOIN user_role r ON r.user_id = u.id AND r.role = 'unit_officer'
            WHERE u.login = 'officer'
            """);
        var matter = await connection.ExecuteScalarAsync<long>("""
            SELECT min(m.id) FROM matter m JOIN matter_clock k ON k.matter_id = m.id JOIN deadline_rule r ON r.id = k.rule_id
            WHERE m.responsible_unit_id = @unit AND m.status = 'handling' AND r.code = 'handling' AND k.stopped_at IS NULL
              AND k.extension_days = 0
              AND NOT EXISTS (SELECT 1 FROM extension_request e WHERE e.clock_id = k.id AND e.decided_at IS NULL)
            """, new { unit });
        var code = await connection.ExecuteScalarAsync<string>("SELECT code FROM matter WHERE id = @matter", new { matter });
        await app.Services.GetRequiredService<MatterLifecycle>().RequestExtensionAsync(
            Actor.OfUnit(officerId, center, unit, Roles.UnitOfficer), matter, 10, "需现场勘验");

        var leaderPage = await (await app.SignInAsync("leader")).GetPageAsync("/unit");
        var officerPage = await (await app.SignInAsync("officer")).GetPageAsync("/unit");

        Assert.Contains(code!, leaderPage.QuerySelector("section[aria-labelledby=pending-title]")!.TextContent);
        Assert.Null(officerPage.QuerySelector("section[aria-labelledby=pending-title]"));
        Assert.NotEmpty(officerPage.QuerySelectorAll("section[aria-labelledby=due-title] li"));
    }

    [Theory]
    [InlineData("stats")]
    [InlineData("clerk")]
    public async Task Decision_PostedWithoutTheForm_IsRefusedAndChangesNothing(string login)
    {
        var id = await MatterAsync(MatterStatus.Registered);
        var client = await app.SignInAsync(login);
        var page = await client.GetPageAsync($"/matters/{id}");
        var token = page.QuerySelector<IHtmlInputElement>("input[name=__RequestVerificationToken]")!.Value;

        var response = await client.PostAsync($"/matters/{id}", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["_handler"] = $"step-{MatterStep.Accept}",
        }));

        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(MatterStatus.Registered, await StatusAsync(id));
    }

    [Fact]
    public async Task MatterNew_StatisticianAndAdmin_AreDenied_ClerkMayRegister()
    {
        foreach (var login in new[] { "stats", "admin" })
        {
            var client = await app.SignInAsync(login);
            var response = await client.GetAsync("/matters/new");
            Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
            Assert.False(Permissions.Allows(login == "stats" ? Roles.Statistician : Roles.Admin, Permission.RegisterMatter));
        }

        var clerk = await app.SignInAsync("clerk");
        Assert.Equal(HttpStatusCode.OK, (await clerk.GetAsync("/matters/new")).StatusCode);
    }
}
