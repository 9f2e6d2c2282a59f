using Microsoft.AspNetCore.Http.HttpResults;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Metrics;
using OpsBoard.Web.Accounts;

namespace OpsBoard.Web.Metrics;

/// <summary>
/// An export's progress for the polling progress bar, and its files. Only the person who asked for an export reaches
/// it: anyone else gets 404, as for an export that does not exist.
/// </summary>
public static class MetricsExportEndpoints
{
    public static WebApplication MapOpsBoardMetricsExports(this WebApplication app)
    {
        var exports = app.MapGroup("/metrics/exports/{id:long}").RequireAuthorization(Permissions.Policy(Permission.ViewMetrics));
        exports.MapGet("/status", async Task<Results<JsonHttpResult<ExportStatus>, NotFound>> (long id, HttpContext http, MetricExports store) =>
            await store.FindAsync(UserPrincipal.Actor(http.User), id) is { } export
                ? TypedResults.Json(ExportStatus.Of(export))
                : TypedResults.NotFound());
        exports.MapGet("/file", (long id, HttpContext http, MetricExports store) => FileAsync(id, summary: false, http, store));
        exports.MapGet("/summary", (long id, HttpContext http, MetricExports store) => FileAsync(id, summary: true, http, store));
        return app;
    }

    /// <summary>Streams the file from the database with its Chinese name (filename*=UTF-8''…, which Excel, WPS and browsers read).</summary>
    static async Task<Results<PushStreamHttpResult, NotFound>> FileAsync(long id, bool summary, HttpContext http, MetricExports store)
    {
        var actor = UserPrincipal.Actor(http.User);
        if (await store.FindAsync(actor, id) is not { State: MetricExportState.Done } export || (summary && !export.HasSummary))
        {
            return TypedResults.NotFound();
        }

        return TypedResults.Stream(
            body => store.CopyFileAsync(actor, id, summary, body, http.RequestAborted),
            summary ? "text/csv; charset=utf-8" : export.ContentType,
            summary ? export.SummaryFileName : export.FileName);
    }
}
