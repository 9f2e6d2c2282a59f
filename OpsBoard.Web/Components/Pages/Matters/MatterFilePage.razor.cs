using Microsoft.AspNetCore.Components;
using OpsBoard.Data;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Matters;
using OpsBoard.Data.Personal;
using OpsBoard.Data.Reception;
using OpsBoard.Web.Accounts;
using OpsBoard.Web.Components.Shared;

namespace OpsBoard.Web.Components.Pages.Matters;

/// <summary>A matter's file: its clocks, its history, and the steps the domain offers this user now.</summary>
public partial class MatterFilePage
{
    [Inject]
    MatterQueries Matters { get; set; } = default!;

    [Inject]
    MatterLifecycle Lifecycle { get; set; } = default!;

    [Inject]
    Supervisions Supervision { get; set; } = default!;

    [Inject]
    PetitionerCards Petitioners { get; set; } = default!;

    [Inject]
    OpsBoard.Data.Slips.SlipQueries Slips { get; set; } = default!;

    [Inject]
    OpsBoard.Data.Slips.MatterPackages Packages { get; set; } = default!;

    [Inject]
    ILogger<MatterFilePage> Logger { get; set; } = default!;

    [CascadingParameter]
    HttpContext HttpContext { get; set; } = default!;

    [Parameter]
    public long MatterId { get; set; }

    [SupplyParameterFromForm]
    StepInputModel? Input { get; set; }

    Actor actor = default!;
    MatterFile? file;
    IReadOnlyList<StepRule> steps = [];
    IReadOnlyList<Choice> units = [];
    ActionOutcome? outcome;
    (MatterStep Step, StepArguments Args)? posted;
    string? forbidden;
    PetitionerCard? petitioner;
    IReadOnlyList<OpsBoard.Data.Slips.SlipListItem> slips = [];
    IReadOnlyList<OpsBoard.Data.Slips.MatterPackage> packages = [];
    string? revealedIdNumber;

    DateOnly Today => ChinaTime.Today(TimeProvider.System);

    bool CanAnswerSupervision => file is not null && actor.May(Permission.AnswerSupervision, file.Matter.UnitId);

    protected override async Task OnInitializedAsync()
    {
        Input ??= new();
        actor = UserPrincipal.Actor(HttpContext.User);
        await LoadAsync();
    }

    async Task LoadAsync() =>
        (file, forbidden) = await HttpContext.LoadDetailAsync(() => Matters.FileAsync(actor, MatterId), async file =>
        {
            steps = MatterSteps.Available(actor, file.StepContext);
            petitioner = await Petitioners.OfMatterAsync(actor, MatterId);
            // A unit sees the slips issued to it; a matter passed on from another unit keeps that unit's slips to itself.
            slips = [.. (await Slips.ForMatterAsync(MatterId)).Where(s => actor.May(Permission.ViewSlips, s.UnitId))];
            packages = [.. (await Packages.ForMatterAsync(MatterId)).Where(p => p.LeaderId == actor.UserId || actor.May(Permission.ViewSlips, p.UnitId))];
            units = steps.Any(s => s.Input == StepInput.Unit) ? await Matters.UnitsAsync(actor.CenterId, MatterId) : [];
        });

    async Task RunStepAsync(MatterStep step)
    {
        var args = Input!.ToArguments(step == MatterStep.Supervise ? file?.Matter.UnitId : null);
        posted = (step, args);
        string? done = null;
        outcome = await ActionOutcome.RunAsync(HttpContext, Logger, async () => done = await Lifecycle.RunAsync(actor, MatterId, step, args), "");
        if (!outcome.Refused)
        {
            outcome = outcome with { Message = $"已办理：{done}" };
        }
        await LoadAsync();
    }

    async Task AnswerSupervisionAsync(long supervisionId)
    {
        outcome = await ActionOutcome.RunAsync(HttpContext, Logger, () => Supervision.FeedbackAsync(actor, supervisionId, Input!.Text ?? ""), "已反馈");
        await LoadAsync();
    }

    /// <summary>Shown in this response only; the reveal is written to the operation log first.</summary>
    async Task RevealIdNumberAsync()
    {
        var result = await ActionOutcome.RunAsync(HttpContext, Logger, async () =>
            revealedIdNumber = await Petitioners.RevealForMatterAsync(actor, MatterId, HttpContext.Connection.RemoteIpAddress), "");
        outcome = result.Refused ? result : null;
        await LoadAsync();
    }

    static string ClockCss(ClockRow k) => k.StoppedAt is null
        ? k.AlertState switch
        {
            ClockAlertState.Overdue => "table-danger",
            ClockAlertState.Approaching => "table-warning",
            _ => "",
        }
        : "";

    static string Local(DateTime utc) => ChinaTime.Format(utc);

    sealed class StepInputModel
    {
        public string? Text { get; set; }

        public int UnitId { get; set; }

        public DateOnly RepliedOn { get; set; }

        public string? Outcome { get; set; }

        public int Days { get; set; }

        public bool PetitionerNotified { get; set; }

        public string? Rating { get; set; }

        public string? Channel { get; set; }

        /// <summary>A supervision sheet goes to the matter's own unit unless another is chosen.</summary>
        public StepArguments ToArguments(int? defaultUnit) =>
            new(Text, UnitId == 0 ? defaultUnit ?? 0 : UnitId, RepliedOn, Outcome, Days, PetitionerNotified, Rating, Channel);
    }
}
