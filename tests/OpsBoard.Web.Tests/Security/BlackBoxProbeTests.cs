using System.Net;
using OpsBoard.Data.Personal;

namespace OpsBoard.Web.Tests.Security;

/// <summary>
/// Black-box probes of issue 13 that no other class covers: a stored script in a matter's text stays text wherever the
/// matter is shown, and a flood of wrong logins from one address does not stop a signed-in clerk from working.
/// </summary>
public sealed class BlackBoxProbeTests(AppFixture app) : IClassFixture<AppFixture>
{
    const string Script = "<script>window.xssCanary=1</script>";
    const string Image = "<img src=x onerror=\"window.xssCanary=2\">";

    static string NewIdNumber()
    {
        var first17 = $"593127{new DateOnly(1960, 1, 1).AddDays(Random.Shared.Next(15000)):yyyyMMdd}{Random.Shared.Next(1000):000}";
        return first17 + ChineseIdNumber.CheckCharacterOf(first17);
    }

    [Fact]
    public async Task StoredXssCanary_InAMattersSummary_IsShownAsTextOnTheFileAndInTheList()
    {
        var clerk = await app.SignInAsync("clerk");
        var tag = Guid.NewGuid().ToString("N")[..8];
        var registered = await clerk.SubmitAsync("/matters/new", "new-matter", new Dictionary<string, string>
        {
            ["Input.Source"] = "letter",
            ["Input.Name"] = "脚本测试",
            ["Input.IdNumber"] = NewIdNumber(),
            ["Input.Phone"] = "13912345678",
            ["Input.Category"] = "discipline",
            ["Input.Summary"] = $"反映{tag}{Script}{Image}",
        });
        Assert.Equal(HttpStatusCode.Redirect, registered.StatusCode);
        var file = registered.Headers.Location!.OriginalString;

        var director = await app.SignInAsync("director");
        foreach (var path in new[] { file, $"/matters?q={tag}" })
        {
            var response = await director.GetAsync(path);
            var body = await response.Content.ReadAsStringAsync();
            var page = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(body);

            Assert.DoesNotContain(Script, body);
            Assert.DoesNotContain("onerror=\"window.xssCanary", body);
            Assert.DoesNotContain(page.QuerySelectorAll("script"), s => s.TextContent.Contains("xssCanary", StringComparison.Ordinal));
            Assert.Empty(page.QuerySelectorAll("[onerror]"));
        }

        // The file shows what was typed, as text.
        var shown = await director.GetPageAsync(file);
        Assert.Contains(Script, shown.Body!.TextContent);
    }

    [Fact]
    public async Task LoginFlood_FromOneAddress_ClerkKeepsWorking()
    {
        var clerk = await app.SignInAsync("clerk");
        using var attacker = app.CreateClient();
        var login = await attacker.GetPageAsync("/account/login");
        var flood = Enumerable.Range(0, 60).Select(async i =>
        {
            // Unknown accounts: a known one would be locked out for the other tests of the class.
            using var response = await attacker.SubmitAsync(login, "/account/login", "form", new Dictionary<string, string>
            {
                ["Input.Login"] = $"nobody{i}",
                ["Input.Password"] = $"wrong-{i}",
            });
            return response.StatusCode;
        }).ToList();

        var served = new List<HttpStatusCode>();
        for (var i = 0; i < 10; i++)
        {
            using var response = await clerk.GetAsync("/desk");
            served.Add(response.StatusCode);
        }

        var refused = await Task.WhenAll(flood);
        Assert.All(served, status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.All(refused, status => Assert.NotEqual(HttpStatusCode.Redirect, status));
        Assert.Equal(HttpStatusCode.OK, (await clerk.GetAsync("/desk")).StatusCode);
    }
}
