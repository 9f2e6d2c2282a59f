using System.Net;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using Dapper;
using OpsBoard.Data.Personal;

namespace OpsBoard.Web.Tests.Floor;

/// <summary>The desk form against 《信访工作条例》第二十条: at most five representatives, the principal being one.</summary>
public sealed class DeskRepresentativeTests(AppFixture app) : IClassFixture<AppFixture>
{
    static int serial;

    static string NewIdNumber()
    {
        // A prefix of its own so these people never collide with other tests' petitioners.
        var first17 = $"44052419850505{Interlocked.Increment(ref serial) % 1000:000}";
        return first17 + ChineseIdNumber.CheckCharacterOf(first17);
    }

    static Dictionary<string, string> CollectiveVisit(string principalId, params (string Name, string IdNumber)[] representatives)
    {
        var fields = new Dictionary<string, string>
        {
            ["Input.Name"] = "赵一",
            ["Input.IdNumber"] = principalId,
            ["Input.Headcount"] = "12",
            ["Input.Category"] = "labour_social",
            ["Input.Summary"] = "集体讨要工资",
            ["Input.ServiceLineId"] = "1",
        };
        for (var i = 0; i < representatives.Length; i++)
        {
            fields[$"Input.Representatives[{i}].Name"] = representatives[i].Name;
            fields[$"Input.Representatives[{i}].IdNumber"] = representatives[i].IdNumber;
        }

        return fields;
    }

    async Task<int> VisitCountAsync()
    {
        await using var connection = await app.Database.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM visit");
    }

    [Fact]
    public async Task Desk_Opens_WithFocusOnTheIdNumberLookUp_AndFourRepresentativeSlots()
    {
        var clerk = await app.SignInAsync("clerk");

        var page = await clerk.GetPageAsync("/desk");

        var focused = page.QuerySelectorAll("[autofocus]");
        Assert.Equal("search-id", Assert.Single(focused).Id);
        Assert.Equal(4, page.QuerySelectorAll("input[name$='].Name'][name^='Input.Representatives[']").Length);
        Assert.Contains("含登记人，至多 5 人", page.QuerySelector("details summary")!.TextContent);
    }

    [Fact]
    public async Task Desk_PrincipalAndFourRepresentatives_RegistersFiveRepresentatives()
    {
        var clerk = await app.SignInAsync("clerk");
        var representatives = Enumerable.Range(1, 4).Select(i => ($"代表{i}", NewIdNumber())).ToArray();

        var response = await clerk.SubmitAsync("/desk", "register", CollectiveVisit(NewIdNumber(), representatives));

        Assert.True(response.StatusCode == HttpStatusCode.Redirect, (await response.ParseAsync()).QuerySelector(".alert-danger")?.TextContent);
        var ticketId = long.Parse(response.Headers.Location!.OriginalString.Split('/')[^1]);
        await using var connection = await app.Database.DataSource.OpenConnectionAsync();
        Assert.Equal(5, await connection.ExecuteScalarAsync<int>("""
            SELECT count(*)
            FROM visit_person p
            JOIN ticket t ON t.visit_id = p.visit_id
            WHERE t.id = @ticketId AND p.is_representative
            """, new { ticketId }));
    }

    [Fact]
    public async Task Desk_SixPeopleNamedAsRepresentatives_IsRefusedWithFieldMessageAndKeepsTheNames()
    {
        var clerk = await app.SignInAsync("clerk");
        var before = await VisitCountAsync();
        // The principal and five more: the page offers four slots, a tampered or stale form can send a fifth.
        var representatives = Enumerable.Range(1, 5).Select(i => ($"代表{i}号", NewIdNumber())).ToArray();

        var response = await clerk.SubmitAsync("/desk", "register", CollectiveVisit(NewIdNumber(), representatives));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await response.ParseAsync();
        Assert.Contains("第二十条", page.QuerySelector("[data-field-error=Representatives]")!.TextContent);
        for (var i = 0; i < representatives.Length; i++)
        {
            Assert.Equal(representatives[i].Item1, page.QuerySelector<IHtmlInputElement>($"input[name='Input.Representatives[{i}].Name']")!.Value);
            Assert.Equal(representatives[i].Item2, page.QuerySelector<IHtmlInputElement>($"input[name='Input.Representatives[{i}].IdNumber']")!.Value);
        }

        Assert.Equal("赵一", page.QuerySelector<IHtmlInputElement>("input[name='Input.Name']")!.Value);
        // The keyboard lands on the first field to correct, not on the look-up.
        Assert.Equal("Input.Representatives[0].Name", Assert.Single(page.QuerySelectorAll("[autofocus]")).GetAttribute("name"));
        Assert.Equal(before, await VisitCountAsync());
    }

    [Fact]
    public async Task Desk_PrincipalAlsoNamedAsRepresentative_IsRefusedOnThatRow()
    {
        var clerk = await app.SignInAsync("clerk");
        var principal = NewIdNumber();
        var before = await VisitCountAsync();

        var response = await clerk.SubmitAsync("/desk", "register", CollectiveVisit(principal, ("代表甲", NewIdNumber()), ("赵一", principal)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await response.ParseAsync();
        Assert.Contains("同一人", page.QuerySelector("[data-field-error='Representatives[1]']")!.TextContent);
        Assert.Contains("is-invalid", page.QuerySelector("input[name='Input.Representatives[1].IdNumber']")!.ClassName);
        Assert.Equal("Input.Representatives[1].Name", Assert.Single(page.QuerySelectorAll("[autofocus]")).GetAttribute("name"));
        Assert.Equal(before, await VisitCountAsync());
    }

    [Fact]
    public async Task Desk_PostWithoutRepresentativeFields_Answers200WithAMessage()
    {
        var clerk = await app.SignInAsync("clerk");
        var before = await VisitCountAsync();
        var desk = await clerk.GetPageAsync("/desk");
        var form = desk.QuerySelectorAll<IHtmlFormElement>("form")
            .Single(f => f.QuerySelector<IHtmlInputElement>("input[name=_handler]")?.Value == "register");
        var values = form.QuerySelectorAll<IHtmlInputElement>("input[name]")
            .Where(i => i.Type is not ("checkbox" or "radio") && !i.Name!.StartsWith("Input.Representatives", StringComparison.Ordinal))
            .ToDictionary(i => i.Name!, i => i.Value);
        foreach (var (name, value) in CollectiveVisit(NewIdNumber()))
        {
            values[name] = value;
        }

        var response = await clerk.PostAsync("/desk", new FormUrlEncodedContent(values));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await response.ParseAsync();
        Assert.Contains("缺少代表栏", page.QuerySelector(".alert-danger")!.TextContent);
        Assert.Equal(4, page.QuerySelectorAll("input[name$='].Name'][name^='Input.Representatives[']").Length);
        Assert.Equal(before, await VisitCountAsync());
    }

    [Fact]
    public async Task Desk_MalformedHeadcount_Answers200WithAMessageOnThatField()
    {
        var clerk = await app.SignInAsync("clerk");
        var before = await VisitCountAsync();
        var fields = CollectiveVisit(NewIdNumber());
        fields["Input.Headcount"] = "十二";

        var response = await clerk.SubmitAsync("/desk", "register", fields);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await response.ParseAsync();
        Assert.Contains("来访人数", page.QuerySelector(".alert-danger")!.TextContent);
        Assert.Equal("headcount", Assert.Single(page.QuerySelectorAll("[autofocus]")).Id);
        Assert.Equal(before, await VisitCountAsync());
    }

    [Fact]
    public async Task Desk_ProxyHandledFirstVisit_OpensAProxyMatter_AndAProxyWithoutAgentIsRefusedWithTheFormKept()
    {
        var clerk = await app.SignInAsync("clerk");
        var withoutAgent = CollectiveVisit(NewIdNumber());
        withoutAgent["Input.Headcount"] = "1";
        withoutAgent["Input.IsProxy"] = "true";
        var withAgent = new Dictionary<string, string>(withoutAgent) { ["Input.IdNumber"] = NewIdNumber(), ["Input.ProxyName"] = "王代办" };

        var refused = await clerk.SubmitAsync("/desk", "register", withoutAgent);
        var refusedPage = await refused.ParseAsync();
        var registered = await clerk.SubmitAsync("/desk", "register", withAgent);

        Assert.Contains("代办员姓名", refusedPage.QuerySelector("#proxy-name + .invalid-feedback, .invalid-feedback#proxy-error")?.TextContent ?? "");
        Assert.Equal("集体讨要工资", refusedPage.QuerySelector("#summary")!.TextContent);
        Assert.Equal(HttpStatusCode.Redirect, registered.StatusCode);
        var ticketId = long.Parse(registered.Headers.Location!.OriginalString.Split('/')[^1]);
        await using var connection = await app.Database.DataSource.OpenConnectionAsync();
        Assert.True(await connection.ExecuteScalarAsync<bool>("""
            SELECT m.is_proxy FROM ticket t JOIN visit v ON v.id = t.visit_id JOIN matter m ON m.id = v.matter_id WHERE t.id = @ticketId
            """, new { ticketId }));
    }
}
