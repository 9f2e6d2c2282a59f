using System.Net;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using OpsBoard.Data.Personal;
using OpsBoard.Data.Reception;

namespace OpsBoard.Web.Tests.Matters;

/// <summary>The matter list as a director pages, searches and mistypes it.</summary>
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

    [Theory]
    [InlineData("director", "/matters?page=abc", "页码“abc”无效")]
    [InlineData("director", "/matters?page=99999", "没有第 99999 页")]
    [InlineData("director", "/matters?page=-3", "页码“-3”无效")]
    [InlineData("director", "/matters?sort=received_at%20desc", "排序方式")]
    [InlineData("director", "/matters?from=2026-02-30", "起始日期“2026-02-30”无效")]
    [InlineData("director", "/matters?from=2026-03-01&to=2026-01-01", "晚于截止日期")]
    [InlineData("director", "/matters?unit=abc", "责任单位无效")]
    [InlineData("director", "/matters?unit=999999", "所选责任单位不存在")]
    [InlineData("director", "/matters?status=open", "状态“open”无效")]
    [InlineData("director", "/matters?after=garbage", "翻页位置无效")]
    [InlineData("director", "/matters?petitioner=abc", "来访人条件无效")]
    [InlineData("officer", "/unit?page=abc&year=abc", "页码“abc”无效")]
    [InlineData("admin", "/admin/calendar?year=abc", "年份“abc”无效")]
    [InlineData("admin", "/admin/calendar?year=99999", "年份“99999”无效")]
    public async Task MalformedQuery_Answers200WithAMessageAndAList(string login, string path, string message)
    {
        var client = await app.SignInAsync(login);

        var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await response.ParseAsync();
        Assert.Contains(message, page.QuerySelector("[data-notes]")?.TextContent ?? "(no message)");
        Assert.NotNull(page.QuerySelector("main table"));
    }

    [Fact]
    public async Task Search_ByIdNumber_RedirectsToThePetitionersMattersWithoutTheNumberInTheAddress()
    {
        const string first17 = "33069919750304123";
        var idNumber = first17 + ChineseIdNumber.CheckCharacterOf(first17);
        var desk = app.Services.GetRequiredService<DeskQueries>();
        var line = (await desk.ServiceLinesAsync(1))[0];
        var registered = await app.Services.GetRequiredService<VisitRegistry>().RegisterAsync(new RegisterVisit
        {
            CenterId = 1, UserId = 1, RequestKey = Guid.NewGuid(), Principal = new Visitor("身份证查询", idNumber, null), Headcount = 1,
            Category = "urban_construction", Summary = "按身份证号码查询的测试", ServiceLineId = int.Parse(line.Value, System.Globalization.CultureInfo.InvariantCulture),
        });
        await using var connection = await app.Database.DataSource.OpenConnectionAsync();
        var code = await connection.ExecuteScalarAsync<string>("SELECT m.code FROM visit v JOIN matter m ON m.id = v.matter_id WHERE v.id = @VisitId", new { registered.VisitId });
        var client = await app.SignInAsync("director");

        var response = await client.SubmitAsync("/matters", "search", new Dictionary<string, string> { ["Search.IdNumber"] = idNumber.ToLowerInvariant() });

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!.ToString();
        Assert.Contains("petitioner=", location);
        Assert.DoesNotContain(idNumber[..17], location);
        var page = await client.GetPageAsync(location);
        Assert.Equal([code!], Codes(page));
        Assert.Contains("已按身份证号码查找来访人", page.QuerySelector("form[aria-label=查询信访事项]")!.TextContent);
        Assert.DoesNotContain(page.QuerySelectorAll<IHtmlInputElement>("input"), i => i.Value.Contains(idNumber[..17], StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("short", "应为18位")]
    [InlineData("wrong-check", "校验位不正确")]
    [InlineData("unknown", "没有登记过这个身份证号码的来访人")]
    public async Task Search_ByBadOrUnknownIdNumber_KeepsTheFormAndSaysWhy(string kind, string message)
    {
        const string first17 = "11010119491001001";
        var check = ChineseIdNumber.CheckCharacterOf(first17);
        var idNumber = kind switch
        {
            "short" => first17,
            "wrong-check" => first17 + (check == '0' ? '1' : '0'),
            _ => first17 + check,
        };

        var client = await app.SignInAsync("director");

        var response = await client.SubmitAsync("/matters", "search", new Dictionary<string, string>
        {
            ["Search.IdNumber"] = idNumber, ["Search.Name"] = "王五",
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await response.ParseAsync();
        Assert.Contains(message, page.QuerySelector("#id-number-error")!.TextContent);
        Assert.Equal("王五", page.QuerySelector<IHtmlInputElement>("#name")!.Value);
    }

    [Fact]
    public async Task SortByDue_PagesKeepTheOrderAndTheFilters()
    {
        var client = await app.SignInAsync("director");

        var first = await client.GetPageAsync("/matters?sort=due&status=handling");
        var next = Href(first, "下一页");
        var second = await client.GetPageAsync(next);

        Assert.Contains("sort=due", next);
        Assert.Contains("status=handling", next);
        Assert.Contains("page=2", next);
        Assert.Equal("第 2 页", second.QuerySelector("[data-page-number]")!.TextContent);
        var dues = first.QuerySelectorAll("tbody tr td:nth-child(6)").Concat(second.QuerySelectorAll("tbody tr td:nth-child(6)"))
            .Select(td => td.TextContent).ToList();
        Assert.Equal(dues.Order(StringComparer.Ordinal), dues);
        Assert.All(second.QuerySelectorAll("tbody tr td:nth-child(3)"), td => Assert.Equal("办理中", td.TextContent));
    }
}
