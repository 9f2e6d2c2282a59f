namespace OpsBoard.Web.Security;

/// <summary>
/// The headers every answer carries (ASVS 5.0 V3.4). No inline script anywhere: every script is a file under
/// <c>wwwroot</c>, so a stored text that slips through as markup cannot run. Styles may stay inline (width hints in
/// markup, ECharts' own element styles); they cannot run code.
/// </summary>
public static class SecurityHeaders
{
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; " +
        "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>
    /// Set when the answer starts rather than now: the outage page and the error pages clear the response first.
    /// </summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((http, next) =>
    {
        http.Response.OnStarting(() =>
        {
            var headers = http.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            // Screen URLs carry device tokens; no other site may learn them from a link.
            headers["Referrer-Policy"] = "no-referrer";
            return Task.CompletedTask;
        });
        return next(http);
    });

    /// <summary>
    /// Placed after the static files: every answer the app computes may hold personal data (a desk page, a matter file,
    /// an export), so no browser or proxy cache keeps it. The static files stay cacheable.
    /// </summary>
    public static IApplicationBuilder UseNoStoreForDynamicAnswers(this IApplicationBuilder app) => app.Use((http, next) =>
    {
        http.Response.OnStarting(() =>
        {
            http.Response.Headers.CacheControl = "no-store";
            http.Response.Headers.Pragma = "no-cache";
            return Task.CompletedTask;
        });
        return next(http);
    });
}
