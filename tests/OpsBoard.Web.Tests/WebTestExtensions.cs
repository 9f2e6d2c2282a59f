using System.Net;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;

namespace OpsBoard.Web.Tests;

/// <summary>Form handling as a browser does it: read the page, fill the fields, post with the page's antiforgery token.</summary>
public static class WebTestExtensions
{
    public static async Task<IHtmlDocument> GetPageAsync(this HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode}");
        return await new HtmlParser().ParseDocumentAsync(await response.Content.ReadAsStringAsync());
    }

    public static async Task<HttpResponseMessage> SubmitAsync(this HttpClient client, string path, string formSelector, IDictionary<string, string> fields)
    {
        var page = await client.GetPageAsync(path);
        var form = page.QuerySelector<IHtmlFormElement>(formSelector) ?? throw new InvalidOperationException($"No {formSelector} on {path}");
        var values = form.QuerySelectorAll<IHtmlInputElement>("input[name]").ToDictionary(i => i.Name!, i => i.Value);
        foreach (var (name, value) in fields)
        {
            values[name] = value;
        }

        return await client.PostAsync(form.Action is { Length: > 0 } action && !action.StartsWith("about:", StringComparison.Ordinal) ? action : path,
            new FormUrlEncodedContent(values));
    }

    public static async Task<HttpClient> SignInAsync(this AppFixture app, string login, string password = "Demo@2026")
    {
        var client = app.CreateClient();
        var response = await client.SubmitAsync("/account/login", "form", new Dictionary<string, string>
        {
            ["Input.Login"] = login,
            ["Input.Password"] = password,
        });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return client;
    }

    public static async Task<IHtmlDocument> ParseAsync(this HttpResponseMessage response) =>
        await new HtmlParser().ParseDocumentAsync(await response.Content.ReadAsStringAsync());
}
