using AngleSharp.Dom;
using AngleSharp.Html.Dom;

namespace OpsBoard.Web.Tests.Floor;

/// <summary>The joint-window roster on /floor as the clerk keeps it.</summary>
public sealed class RosterFormTests(AppFixture app) : IClassFixture<AppFixture>
{
    static IHtmlSelectElement SelectOf(IHtmlDocument page, string handler) =>
        page.QuerySelectorAll<IHtmlFormElement>("form")
            .Single(f => f.QuerySelector<IHtmlInputElement>("input[name=_handler]")?.Value == handler)
            .QuerySelector<IHtmlSelectElement>("select[name=UnitId]")!;

    [Fact]
    public async Task Roster_WindowSetToUnrostered_ShowsUnrosteredNotTheFirstDepartment()
    {
        var clerk = await app.SignInAsync("clerk");
        var page = await clerk.GetPageAsync("/floor");
        var handler = page.QuerySelectorAll<IHtmlInputElement>("input[name=_handler]").First(i => i.Value.StartsWith("roster-", StringComparison.Ordinal)).Value;

        var saved = await clerk.SubmitAsync("/floor", handler, new Dictionary<string, string> { ["UnitId"] = "0" });
        var after = await clerk.GetPageAsync("/floor");

        Assert.Equal(System.Net.HttpStatusCode.OK, saved.StatusCode);
        var select = SelectOf(after, handler);
        Assert.Equal("未安排", select.Options[select.SelectedIndex].Text);
        Assert.Equal("未安排", select.Options[0].Text);
    }
}
