using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.AspNetCore.Diagnostics;
using OpsBoard.Data.Postgres;
using OpsBoard.Web.Components.Outage;

namespace OpsBoard.Web.Health;

/// <summary>
/// A request that fails because the database cannot be reached gets a plain 503 page with Retry-After, not the error
/// page: that one runs the pipeline again, and so the database again. Placed before authentication, so a failure
/// there (the cookie is checked against the user's row) is caught too.
/// </summary>
public static class DatabaseOutagePage
{
    public static IApplicationBuilder UseDatabaseOutagePage(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        try
        {
            await next(http);
        }
        catch (Exception e) when (DatabaseOutage.Is(e) && !http.Response.HasStarted)
        {
            var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DatabaseOutagePage));
            logger.LogWarning("{Method} {Path}: database unavailable ({Message}); answered 503", http.Request.Method, http.Request.Path, e.Message);
            await WriteAsync(http);
        }
    });

    static async Task WriteAsync(HttpContext http)
    {
        var read = HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method);
        var parameters = new Dictionary<string, object?>
        {
            [nameof(OutagePage.Retry)] = read,
            [nameof(OutagePage.ReturnTo)] = read ? $"{http.Request.PathBase}{http.Request.Path}{http.Request.QueryString}" : null,
        };
        // Rendered outside the Blazor endpoint: no antiforgery token, no authentication state, no layout.
        await using var renderer = new HtmlRenderer(http.RequestServices, http.RequestServices.GetRequiredService<ILoggerFactory>());
        var html = await renderer.Dispatcher.InvokeAsync(async () =>
            (await renderer.RenderComponentAsync<OutagePage>(ParameterView.FromDictionary(parameters))).ToHtmlString());

        http.Response.Clear();
        http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        http.Response.Headers.RetryAfter = DatabaseOutage.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        http.Response.Headers.CacheControl = "no-store";
        http.Response.ContentType = "text/html; charset=utf-8";
        if (http.Features.Get<IStatusCodePagesFeature>() is { } pages)
        {
            pages.Enabled = false;
        }

        await http.Response.WriteAsync(html);
    }
}
