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

    /// <summary>
    /// Fills and posts a form of the page. <paramref name="handler"/> names the form by its Blazor form name
    /// (the hidden <c>_handler</c> field); a trailing * matches a prefix; "form" takes the first form.
    /// </summary>
    public static async Task<HttpResponseMessage> SubmitAsync(this HttpClient client, string path, string handler, IDictionary<string, string> fields) =>
        await client.SubmitAsync(await client.GetPageAsync(path), path, handler, fields);

    /// <summary>Fills and posts a form of a page already read, as a person does who sends the form again.</summary>
    public static async Task<HttpResponseMessage> SubmitAsync(this HttpClient client, IHtmlDocument page, string path, string handler, IDictionary<string, string> fields)
    {
        var form = page.QuerySelectorAll<IHtmlFormElement>("form").FirstOrDefault(f =>
        {
            var name = f.QuerySelector<IHtmlInputElement>("input[name=_handler]")?.Value ?? "";
            return handler == "form" || name == handler || (handler.EndsWith('*') && name.StartsWith(handler.TrimEnd('*'), StringComparison.Ordinal));
        }) ?? throw new InvalidOperationException($"No form {handler} on {path}");
        // As a browser does: unchecked boxes and radios are not sent.
        var values = form.QuerySelectorAll<IHtmlInputElement>("input[name]")
            .Where(i => i.Type is not ("checkbox" or "radio") || i.IsChecked)
            .ToDictionary(i => i.Name!, i => i.Value);
        foreach (var select in form.QuerySelectorAll<IHtmlSelectElement>("select[name]"))
        {
            values[select.Name!] = select.Value ?? "";
        }

        foreach (var area in form.QuerySelectorAll<IHtmlTextAreaElement>("textarea[name]"))
        {
            values[area.Name!] = area.Value;
        }
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
