using System.Globalization;
using Microsoft.AspNetCore.Components;
using OpsBoard.Data;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Matters;
using OpsBoard.Data.Metrics;
using OpsBoard.Data.Reception;
using OpsBoard.Web.Accounts;
using OpsBoard.Web.Components.Shared;

namespace OpsBoard.Web.Components.Pages.Metrics;

public sealed partial class ExportPage
{
    [Inject]
    MetricExports Exports { get; set; } = default!;

    [Inject]
    MatterQueries Matters { get; set; } = default!;

    [Inject]
    TimeProvider Time { get; set; } = default!;

    [Inject]
    NavigationManager Navigation { get; set; } = default!;

    [Inject]
    ILogger<ExportPage> Logger { get; set; } = default!;

    [CascadingParameter]
    HttpContext HttpContext { get; set; } = default!;

    [SupplyParameterFromForm]
    ExportInput? Input { get; set; }

    Actor actor = default!;
    bool wholeCenter;
    string thisMonth = "";
    IReadOnlyList<Choice> units = [];
    IReadOnlyList<MetricExportRow> mine = [];
    ActionOutcome? outcome;

    protected override async Task OnInitializedAsync()
    {
        actor = UserPrincipal.Actor(HttpContext.User);
        wholeCenter = actor.Roles.Any(r => r.UnitId is null && Permissions.Allows(r.Role, Permission.ViewMetrics));
        var today = ChinaTime.Today(Time);
        thisMonth = today.ToString("yyyy-MM", CultureInfo.InvariantCulture);
        // The last complete month is what a statistician reports on.
        Input ??= new ExportInput { Month = today.AddMonths(-1).ToString("yyyy-MM", CultureInfo.InvariantCulture), Format = MetricExportFormat.Xlsx };
        var all = await Matters.UnitsAsync(actor.CenterId);
        units = wholeCenter ? all : [.. all.Where(u => actor.Units.Any(id => id.ToString(CultureInfo.InvariantCulture) == u.Value))];
        mine = await Exports.MineAsync(actor);
    }

    async Task ExportAsync()
    {
        long? id = null;
        var result = await ActionOutcome.RunAsync(HttpContext, Logger,
            async () => id = await Exports.RequestAsync(actor, Input!.Month, Input.UnitId, Input.Format), "已提交导出");
        if (id is not null)
        {
            Navigation.NavigateTo($"/metrics/exports/{id}");
            return;
        }

        outcome = result;
    }

    sealed class ExportInput
    {
        public string? Month { get; set; }
        public int? UnitId { get; set; }
        public string? Format { get; set; }
    }
}
