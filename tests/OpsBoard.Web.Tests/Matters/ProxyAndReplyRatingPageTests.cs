using System.Net;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using Dapper;
using OpsBoard.Data.Matters;

namespace OpsBoard.Web.Tests.Matters;

/// <summary>信访代办 on the matter form and file; the satisfaction asked with the reply step.</summary>
public sealed class ProxyAndReplyRatingPageTests(AppFixture app) : IClassFixture<AppFixture>
{
    static Dictionary<string, string> Letter(string? agent) => new()
    {
        ["Input.Source"] = MatterSource.Letter,
        ["Input.Name"] = "赵六",
        ["Input.IdNumber"] = "11010519491231002X",
        ["Input.Category"] = "urban_construction",
        ["Input.Summary"] = "小区道路破损，要求修复",
        ["Input.IsProxy"] = "true",
        ["Input.ProxyName"] = agent ?? "",
    };

    [Fact]
    public async Task NewMatter_ThroughAProxy_TheFileNamesTheAgent()
    {
        var clerk = await app.SignInAsync("clerk");

        var response = await clerk.SubmitAsync("/matters/new", "new-matter", Letter("何代办"));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var file = await clerk.GetPageAsync(response.Headers.Location!.OriginalString);
        Assert.Contains("信访代办（代办员：何代办）", file.QuerySelector("h1 + p")!.TextContent);
    }

    [Fact]
    public async Task NewMatter_ProxyWithoutAgent_IsRefusedBesideTheField_TheFormKeepsWhatWasTyped()
    {
        var clerk = await app.SignInAsync("clerk");
        await using var connection = await app.Database.DataSource.OpenConnectionAsync();
        var before = await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM matter");

        var page = await (await clerk.SubmitAsync("/matters/new", "new-matter", Letter(null))).ParseAsync();

        Assert.Contains("选择信访代办须填写代办员姓名", page.QuerySelector("[role=alert]")!.TextContent);
        Assert.Equal("选择信访代办须填写代办员姓名。", page.QuerySelector("#proxy-error")!.TextContent);
        Assert.True(page.QuerySelector<IHtmlInputElement>("input[name='Input.IsProxy']")!.IsChecked);
        Assert.Equal("赵六", page.QuerySelector<IHtmlInputElement>("input[name='Input.Name']")!.Value);
        Assert.Equal("小区道路破损，要求修复", page.QuerySelector<IHtmlTextAreaElement>("textarea[name='Input.Summary']")!.Value);
        Assert.Equal(before, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM matter"));
    }

    [Fact]
    public async Task Reply_WithSatisfactionAskedByPhone_IsRecordedAndShownInTheFile()
    {
        await using var connection = await app.Database.DataSource.OpenConnectionAsync();
        var id = await connection.ExecuteScalarAsync<long>("""
            SELECT min(m.id)
            FROM matter m
            WHERE m.status = 'handling' AND m.responsible_unit_id IN (
                SELECT r.unit_id FROM user_role r JOIN app_user u ON u.id = r.user_id WHERE u.login = 'officer')
            """);
        var officer = await app.SignInAsync("officer");
        var form = await officer.GetPageAsync($"/matters/{id}");
        var ratings = form.QuerySelector<IHtmlSelectElement>("select[name='Input.Rating']")!.Options.Select(o => o.Text);
        var channels = form.QuerySelector<IHtmlSelectElement>("select[name='Input.Channel']")!.Options.Select(o => o.Text);

        var page = await (await officer.SubmitAsync($"/matters/{id}", $"step-{MatterStep.Reply}", new Dictionary<string, string>
        {
            ["Input.Outcome"] = ReplyOutcome.Explained,
            ["Input.Rating"] = "satisfied",
            ["Input.Channel"] = "phone",
        })).ParseAsync();

        Assert.Equal(["未征询", "满意", "基本满意", "不满意"], ratings);
        Assert.Equal(["当面", "电话"], channels);
        Assert.Contains("电话征询满意度：满意", page.QuerySelector("[role=status]")!.TextContent);
        Assert.Contains("出具答复意见：解释说明；电话征询满意度：满意", page.QuerySelector("ol")!.TextContent);
        Assert.Equal(("satisfied", "phone"), await connection.QuerySingleAsync<(string, string)>(
            "SELECT rating, channel FROM evaluation WHERE matter_id = @id AND visit_id IS NULL ORDER BY id DESC LIMIT 1", new { id }));
    }
}
