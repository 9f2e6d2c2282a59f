using System.Net;
using AngleSharp.Html.Parser;

namespace OpsBoard.Bench;

/// <summary>Clients of the board as a browser is one: cookies kept, redirects seen, signed in through the login form.</summary>
public static class BenchHttp
{
    public static HttpClient NewClient(Uri baseAddress) =>
        new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() }) { BaseAddress = baseAddress };

    public static async Task<HttpClient> SignInAsync(Uri baseAddress, string login)
    {
        var client = NewClient(baseAddress);
        var page = await new HtmlParser().ParseDocumentAsync(await client.GetStringAsync("/account/login"));
        var fields = page.QuerySelectorAll("form input[name]")
            .ToDictionary(i => i.GetAttribute("name")!, i => i.GetAttribute("value") ?? "");
        fields["Input.Login"] = login;
        fields["Input.Password"] = "Demo@2026";
        var response = await client.PostAsync("/account/login", new FormUrlEncodedContent(fields));
        if (response.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"sign-in as {login}: {(int)response.StatusCode}");
        }

        return client;
    }
}
