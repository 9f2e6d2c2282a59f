using Microsoft.AspNetCore.Components;
using OpsBoard.Data;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Slips;
using OpsBoard.Web.Accounts;
using OpsBoard.Web.Components.Shared;

namespace OpsBoard.Web.Components.Pages.Slips;

/// <summary>One 包案: the matter, its leader, the five duties as recorded, the meetings and 约访, and the leader's form.</summary>
public partial class PackagePage
{
    [Inject]
    MatterPackages Packages { get; set; } = default!;

    [Inject]
    ILogger<PackagePage> Logger { get; set; } = default!;

    [CascadingParameter]
    HttpContext HttpContext { get; set; } = default!;

    [Parameter]
    public long PackageId { get; set; }

    [SupplyParameterFromForm]
    RecordInput? Input { get; set; }

    Actor actor = default!;
    MatterPackage? package;
    ActionOutcome? outcome;
    string? forbidden;

    protected override async Task OnInitializedAsync()
    {
        Input ??= new();
        actor = UserPrincipal.Actor(HttpContext.User);
        await LoadAsync();
    }

    async Task LoadAsync() =>
        (package, forbidden) = await HttpContext.LoadDetailAsync(() => Packages.DetailAsync(actor, PackageId));

    async Task RecordAsync()
    {
        var input = Input ?? new();
        outcome = await ActionOutcome.RunAsync(HttpContext, Logger,
            () => Packages.RecordAsync(actor, PackageId, new PackageRecord(input.Kind, input.DoneOn, input.Note)),
            $"已记录{PackageDuty.Label(input.Kind)}");
        if (!outcome.Refused)
        {
            Input = new();
        }

        await LoadAsync();
    }

    sealed class RecordInput
    {
        public string? Kind { get; set; }

        public DateOnly? DoneOn { get; set; }

        public string? Note { get; set; }
    }
}
