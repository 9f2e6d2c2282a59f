using AngleSharp.Dom;
using AngleSharp.Html.Dom;

namespace OpsBoard.Web.Tests.Matters;

/// <summary>The matter list as a director pages and searches it.</summary>
public sealed class MatterListTests(AppFixture app) : IClassFixture<AppFixture>
{
    static IReadOnlyList<string> Codes(IHtmlDocument page) => [.. page.QuerySelectorAll("tbody tr td:first-child a").Select(a => a.TextContent)];

    static string Href(IHtmlDocument page, string label) =>
        page.QuerySelectorAll<IHtmlAnchorElement>("a.page-link").Single(a => a.TextContent == label).GetAttribute("href")!;

    [Fact]
    public async Task Paging_OlderThenNewer_ReturnsTheSamePagesWithoutOverlap()
    {
        var client = await app.SignInAsync("director");

        var first = await client.GetPageAsync("/matters");
        var second = await client.GetPageAsync(Href(first, "下一页"));
        var third = await client.GetPageAsync(Href(second, "下一页"));
        var backToSecond = await client.GetPageAsync(Href(third, "上一页"));

        Assert.Equal(25, Codes(first).Count);
        Assert.Empty(Codes(first).Intersect(Codes(second)));
        Assert.Empty(Codes(second).Intersect(Codes(third)));
        Assert.Equal(Codes(second), Codes(backToSecond));
        Assert.Contains("disabled", first.QuerySelectorAll("li.page-item").First(li => li.TextContent.Contains("上一页")).ClassName);
    }

    [Fact]
    public async Task Search_ByCodePrefix_ShowsOnlyMatchingMatters()
    {
        var client = await app.SignInAsync("director");
        var someCode = Codes(await client.GetPageAsync("/matters"))[3];
        var prefix = someCode[..10]; // XF + the day it was received

        var page = await client.GetPageAsync($"/matters?code={prefix.ToLowerInvariant()}");

        Assert.NotEmpty(Codes(page));
        Assert.All(Codes(page), c => Assert.StartsWith(prefix, c));
        Assert.Contains(someCode, Codes(page));
    }
}
