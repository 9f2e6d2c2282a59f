using System.Net;
using Dapper;

namespace OpsBoard.Web.Tests.Matters;

public sealed class MatterPageTests(AppFixture app) : IClassFixture<AppFixture>
{
    async Task<(long Own, long Other)> MattersOfOfficerAsync()
    {
        await using var connection = await app.Database.DataSource.OpenConnectionAsync();
        var unit = await connection.ExecuteScalarAsync<int>(
            "SELECT r.unit_id FROM user_role r JOIN app_user u ON u.id = r.user_id WHERE u.login = 'officer' AND r.role = 'unit_officer'");
        var own = await connection.ExecuteScalarAsync<long>("SELECT min(id) FROM matter WHERE responsible_unit_id = @unit", new { unit });
        var other = await connection.ExecuteScalarAsync<long>(
            "SELECT min(id) FROM matter WHERE responsible_unit_id IS NOT NULL AND responsible_unit_id <> @unit", new { unit });
        return (own, other);
    }

    [Fact]
    public async Task UnitOfficer_OtherUnitsMatter_Gets403AndAnAuditRow()
    {
        var (_, other) = await MattersOfOfficerAsync();
        var officer = await app.SignInAsync("officer");

        var response = await officer.GetAsync($"/matters/{other}");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("无权查看", await response.Content.ReadAsStringAsync());
        await using var connection = await app.Database.DataSource.OpenConnectionAsync();
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM audit_log WHERE action = 'may.view_matters' AND outcome = 'refused' AND subject_id = @other", new { other }));
    }

    [Fact]
    public async Task UnitOfficer_OwnMatter_SeesItsClocksWithTheirSources()
    {
        var (own, _) = await MattersOfOfficerAsync();
        var officer = await app.SignInAsync("officer");

        var page = await officer.GetPageAsync($"/matters/{own}");

        Assert.Contains("《信访工作条例》第三十四条", page.QuerySelector("#clocks-title")!.ParentElement!.TextContent);
    }

    [Fact]
    public async Task UnitList_ShowsOnlyTheOfficersUnit()
    {
        var officer = await app.SignInAsync("officer");

        var page = await officer.GetPageAsync("/unit");

        var units = page.QuerySelectorAll("tbody tr td:nth-child(4)").Select(td => td.TextContent).Distinct().ToList();
        Assert.Equal(["城东街道"], units);
    }

    [Fact]
    public async Task CalendarLoad_BadRows_RejectedWithLineNumbersAndNothingLoaded()
    {
        var admin = await app.SignInAsync("admin");

        var response = await admin.SubmitAsync("/admin/calendar", "load-calendar", new Dictionary<string, string>
        {
            ["Input.Year"] = "2027",
            ["Input.Csv"] = "date,kind,name\n2027-01-01,holiday,元旦\n2027-02-30,holiday,春节\n2027-05-01,rest,劳动节\n2026-07-01,holiday,错年\n2027-01-01,holiday,元旦",
        });

        var alert = (await response.ParseAsync()).QuerySelector(".alert-danger")!.TextContent;
        Assert.Contains("第 3 行", alert);
        Assert.Contains("第 4 行", alert);
        Assert.Contains("第 5 行", alert);
        Assert.Contains("第 6 行", alert);
        await using var connection = await app.Database.DataSource.OpenConnectionAsync();
        Assert.False(await connection.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM calendar_year WHERE year = 2027)"));
        Assert.False(await connection.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM calendar_day WHERE day = '2027-01-01')"));
    }

    [Fact]
    public async Task RulesRevise_ExtensionOver30_IsRefused()
    {
        var admin = await app.SignInAsync("admin");

        var response = await admin.SubmitAsync("/admin/rules", "revise-handling", new Dictionary<string, string>
        {
            ["Input.MaxExtension"] = "31",
        });

        Assert.Contains("不得超过 30 日", (await response.ParseAsync()).QuerySelector(".alert-danger")!.TextContent);
    }

    [Fact]
    public async Task RulesRevise_ZeroDays_IsRefused()
    {
        var admin = await app.SignInAsync("admin");

        var response = await admin.SubmitAsync("/admin/rules", "revise-handling", new Dictionary<string, string>
        {
            ["Input.Length"] = "0",
        });

        Assert.Contains("1 到 365", (await response.ParseAsync()).QuerySelector(".alert-danger")!.TextContent);
    }

    [Fact]
    public async Task Alerts_Director_SeesOverdueFirstWithRuleArticleAndUnit()
    {
        var director = await app.SignInAsync("director");

        var page = await director.GetPageAsync("/alerts");

        var first = page.QuerySelector("ol li")!;
        Assert.Contains("list-group-item-danger", first.ClassName);
        Assert.Matches("(条例|意见|方案).* · .* · 超期", first.TextContent);
    }
}
