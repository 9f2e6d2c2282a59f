using Microsoft.AspNetCore.Components;
using OpsBoard.Data.Audit;
using OpsBoard.Web.Accounts;
using OpsBoard.Web.Audit;
using OpsBoard.Web.Components.Shared;

namespace OpsBoard.Web.Components.Pages.Audit;

public sealed partial class AuditPage
{
    [Inject]
    AuditQueries Queries { get; set; } = default!;

    [Inject]
    AuditRetention Retention { get; set; } = default!;

    [Inject]
    ILogger<AuditPage> Logger { get; set; } = default!;

    [CascadingParameter]
    HttpContext HttpContext { get; set; } = default!;

    [SupplyParameterFromQuery(Name = "after")]
    string? After { get; set; }

    [SupplyParameterFromForm(FormName = "retention")]
    int? RetentionDays { get; set; }

    AuditFilter Filter { get; set; } = new();
    IReadOnlyList<string> notes = [];
    AuditPage.Result page = new([], null);
    int retention;
    ActionOutcome? outcome;

    protected override async Task OnInitializedAsync()
    {
        (Filter, notes) = AuditFilterQuery.Read(HttpContext.Request.Query);
        var cursor = AuditCursor.Parse(After);
        if (After is not null && cursor is null)
        {
            notes = [.. notes, "翻页位置无效，已显示最新记录。"];
        }

        var found = await Queries.SearchAsync(UserPrincipal.Actor(HttpContext.User), Filter, cursor, HttpContext.Connection.RemoteIpAddress);
        page = new(found.Rows, found.Next);
        retention = await Retention.DaysAsync();
    }

    async Task SaveRetentionAsync()
    {
        if (RetentionDays is not { } days)
        {
            outcome = new ActionOutcome("请填写留存天数。", true);
            return;
        }

        outcome = await ActionOutcome.RunAsync(HttpContext, Logger,
            () => Retention.SetAsync(UserPrincipal.Actor(HttpContext.User), days, HttpContext.Connection.RemoteIpAddress),
            $"审计日志留存期限已设为 {days} 天。");
        retention = await Retention.DaysAsync();
    }

    string PageInfo => page.Rows.Count == 0 ? ""
        : $"本页 {page.Rows.Count} 条，{AuditQueries.Local(page.Rows[0].At):yyyy-MM-dd HH:mm} 至 {AuditQueries.Local(page.Rows[^1].At):yyyy-MM-dd HH:mm}，新的在前"
          + (page.Next is null ? "（已到最早）" : "");

    static string Short(string detail) => detail.Length > 300 ? detail[..300] + "…" : detail;

    sealed record Result(IReadOnlyList<AuditRow> Rows, AuditCursor? Next);
}
