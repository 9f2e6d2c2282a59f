using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Audit;
using OpsBoard.Web.Accounts;

namespace OpsBoard.Web.Audit;

/// <summary>The filtered operation log as a file (csv with a byte-order mark, or xlsx), for the auditor; each export is audited.</summary>
public static class AuditEndpoints
{
    public static WebApplication MapOpsBoardAudit(this WebApplication app)
    {
        var audit = app.MapGroup("/admin/audit").RequireAuthorization(Permissions.Policy(Permission.ViewAudit));
        audit.MapGet("/export.csv", (HttpContext http, AuditQueries queries) => Export(http, queries, "csv"));
        audit.MapGet("/export.xlsx", (HttpContext http, AuditQueries queries) => Export(http, queries, "xlsx"));
        return app;
    }

    static PushStreamHttpResult Export(HttpContext http, AuditQueries queries, string format)
    {
        var actor = UserPrincipal.Actor(http.User);
        var (filter, _) = AuditFilterQuery.Read(http.Request.Query);
        var name = $"审计日志_{DateTime.UtcNow.AddHours(8).ToString("yyyyMMdd-HHmm", CultureInfo.InvariantCulture)}.{format}";
        return format == "csv"
            ? TypedResults.Stream(body => queries.ExportCsvAsync(actor, filter, body, http.Connection.RemoteIpAddress, http.RequestAborted),
                "text/csv; charset=utf-8", name)
            : TypedResults.Stream(async body =>
                {
                    // The xlsx writer is a zip that needs a seekable stream: built in a temporary file, then copied.
                    var path = Path.GetTempFileName();
                    try
                    {
                        await using (var file = new FileStream(path, FileMode.Create, FileAccess.ReadWrite))
                        {
                            await queries.ExportXlsxAsync(actor, filter, file, http.Connection.RemoteIpAddress, http.RequestAborted);
                        }

                        await using var read = File.OpenRead(path);
                        await read.CopyToAsync(body, http.RequestAborted);
                    }
                    finally
                    {
                        File.Delete(path);
                    }
                },
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", name);
    }
}

/// <summary>The search form's query string as a filter, with a note of each part that could not be read.</summary>
public static class AuditFilterQuery
{
    public static (AuditFilter Filter, IReadOnlyList<string> Notes) Read(IQueryCollection query)
    {
        var notes = new List<string>();
        DateOnly? Day(string key, string label)
        {
            var text = query[key].ToString();
            if (string.IsNullOrWhiteSpace(text))
            {
                return null;
            }

            if (DateOnly.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            {
                return day;
            }

            notes.Add($"{label}“{text}”不是有效日期（格式如 2026-11-30），已忽略。");
            return null;
        }

        string? Text(string key) => query[key].ToString() is { Length: > 0 } t ? (t.Length > 100 ? t[..100] : t) : null;

        var from = Day("from", "起始日期");
        var to = Day("to", "截止日期");
        if (from > to)
        {
            notes.Add("起始日期晚于截止日期，已忽略截止日期。");
            to = null;
        }

        var outcome = Text("outcome");
        if (outcome is not null && !AuditActions.Outcomes.Contains(outcome))
        {
            notes.Add("结果选项无效，已忽略。");
            outcome = null;
        }

        return (new AuditFilter(from, to, Text("actor"), Text("action"), Text("target"), Text("q"), outcome), notes);
    }

    /// <summary>The filter back as a query string, for the export links and the next page.</summary>
    public static string QueryString(AuditFilter filter, AuditCursor? after = null)
    {
        var parts = new List<KeyValuePair<string, string?>>
        {
            new("from", filter.From?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
            new("to", filter.To?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
            new("actor", filter.Actor), new("action", filter.Action), new("target", filter.Target), new("q", filter.Text),
            new("outcome", filter.Outcome), new("after", after?.ToString()),
        };
        return Microsoft.AspNetCore.Http.QueryString.Create(parts.Where(p => !string.IsNullOrEmpty(p.Value))).ToString();
    }
}
