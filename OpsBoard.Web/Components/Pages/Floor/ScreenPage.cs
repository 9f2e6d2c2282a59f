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

    protected int? CenterId { get; private set; }

    protected override async Task OnInitializedAsync()
    {
        CenterId = await ScreenAccess.CenterIdAsync(HttpContext);
        if (CenterId is null)
        {
            HttpContext.SetPageStatus(StatusCodes.Status403Forbidden);
        }
    }
}
