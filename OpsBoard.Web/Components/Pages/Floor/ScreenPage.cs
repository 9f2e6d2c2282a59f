using Microsoft.AspNetCore.Components;
using OpsBoard.Web.Live;
using OpsBoard.Web.Components.Shared;

namespace OpsBoard.Web.Components.Pages.Floor;

/// <summary>An unattended screen page: opened by a device token (or a center role), refused with 403 otherwise.</summary>
public abstract class ScreenPage : ComponentBase
{
    [CascadingParameter]
    protected HttpContext HttpContext { get; set; } = default!;

    [SupplyParameterFromQuery]
    protected string? Device { get; set; }

    [Inject]
    OpsBoard.Data.Reception.CenterOverviewQuery Centers { get; set; } = default!;

    protected int? CenterId { get; private set; }

    /// <summary>Which kind of screen this page is: a device token opens only pages of its own kind.</summary>
    protected abstract string ScreenKind { get; }

    /// <summary>The center's own name for the screen's title (云溪县群众来访接待中心).</summary>
    protected string CenterName { get; private set; } = "群众来访接待中心";

    protected override async Task OnInitializedAsync()
    {
        CenterId = await ScreenAccess.CenterIdAsync(HttpContext, ScreenKind);
        if (CenterId is null)
        {
            HttpContext.SetPageStatus(StatusCodes.Status403Forbidden);
            return;
        }

        if (await Centers.NameAsync(CenterId.Value, HttpContext.RequestAborted) is { Length: > 0 } name)
        {
            CenterName = name;
        }
    }
}
