using Microsoft.AspNetCore.Diagnostics;

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
}
