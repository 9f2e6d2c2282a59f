using Microsoft.AspNetCore.Diagnostics;
using OpsBoard.Data;

namespace OpsBoard.Web.Components.Shared;

public static class PageStatus
{
    /// <summary>
    /// A page that explains its own refusal keeps its body: the status-code page is not run over it. (Blazor sends a
    /// component's 404 without a body, so for a 404 the generic error page still answers, in its own scope.)
    /// </summary>
    public static void SetPageStatus(this HttpContext http, int statusCode)
    {
        http.Response.StatusCode = statusCode;
        if (http.Features.Get<IStatusCodePagesFeature>() is { } pages)
        {
            pages.Enabled = false;
        }
    }

    /// <summary>
    /// Loads the one record a detail page shows, then what the page reads with it: a 404 when there is no such record; a
    /// 403 with the refusal's message, and no record, when the user may not see it (the page explains it in its body).
    /// </summary>
    public static async Task<(T? Detail, string? Forbidden)> LoadDetailAsync<T>(this HttpContext http, Func<Task<T?>> load,
        Func<T, Task>? andThen = null) where T : class
    {
        try
        {
            var detail = await load();
            if (detail is null)
            {
                http.Response.StatusCode = StatusCodes.Status404NotFound;
                return (null, null);
            }

            if (andThen is not null)
            {
                await andThen(detail);
            }

            return (detail, null);
        }
        catch (ForbiddenException e)
        {
            http.SetPageStatus(StatusCodes.Status403Forbidden);
            return (null, e.Message);
        }
    }
}
