using Microsoft.AspNetCore.Components;
using OpsBoard.Data;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Slips;
using OpsBoard.Web.Accounts;
using OpsBoard.Web.Components.Shared;

namespace OpsBoard.Web.Components.Pages.Slips;

/// <summary>One slip in its official shape (printable on A4), with the steps the domain offers this user now.</summary>
public partial class SlipPage
{
    [Inject]
    SlipQueries Slips { get; set; } = default!;

    [Inject]
    SlipLifecycle Lifecycle { get; set; } = default!;

    [Inject]
    MatterPackages Packages { get; set; } = default!;

    [Inject]
    ILogger<SlipPage> Logger { get; set; } = default!;

    [CascadingParameter]
    HttpContext HttpContext { get; set; } = default!;

    [Parameter]
    public long SlipId { get; set; }

    [SupplyParameterFromForm]
    SlipInput? Input { get; set; }

    Actor actor = default!;
    SlipDetail? slip;
    IReadOnlyList<string> steps = [];
    MatterPackage? package;
    IReadOnlyList<PackageLeader> candidates = [];
    ActionOutcome? outcome;
    string? forbidden;

    protected override async Task OnInitializedAsync()
    {
        Input ??= new();
        actor = UserPrincipal.Actor(HttpContext.User);
        await LoadAsync();
    }

    async Task LoadAsync() =>
        (slip, forbidden) = await HttpContext.LoadDetailAsync(() => Slips.DetailAsync(actor, SlipId), async slip =>
        {
            steps = slip.StepsFor(actor);
            package = (await Packages.ForMatterAsync(slip.MatterId)).FirstOrDefault(p => p.Open);
            // The petition office hands the matter to a leader of the slip's unit while the slip is open.
            candidates = slip.State != SlipState.Closed && actor.May(Permission.AssignPackage, slip.UnitId)
                ? await Packages.CandidatesAsync(slip.UnitId)
                : [];
        });

    async Task RunAsync(string step)
    {
        var input = Input ?? new();
        outcome = await ActionOutcome.RunAsync(HttpContext, Logger, () => step switch
        {
            SlipStep.Acknowledge => Lifecycle.AcknowledgeAsync(actor, SlipId),
            SlipStep.Answer => Lifecycle.AnswerAsync(actor, SlipId, new SlipAnswer(input.Investigation, input.CauseAnalysis, input.Resolution,
                input.Stabilisation, input.CarriedOutOn, input.CarriedOutBy)),
            SlipStep.Sign => Lifecycle.SignAsync(actor, SlipId),
            SlipStep.SendBack => Lifecycle.SendBackAsync(actor, SlipId, input.Reason),
            SlipStep.Close => Lifecycle.CloseAsync(actor, SlipId),
            SlipStep.Reopen => Lifecycle.ReopenAsync(actor, SlipId, input.Reason),
            _ => throw new SlipException("没有这一步。"),
        }, $"已{StepLabel(step)}");
        if (!outcome.Refused)
        {
            // Done: the form starts empty again; a refusal keeps what was typed.
            Input = new();
        }

        await LoadAsync();
    }

    async Task AssignAsync()
    {
        var input = Input ?? new();
        outcome = await ActionOutcome.RunAsync(HttpContext, Logger, () => Packages.AssignAsync(actor, SlipId, input.LeaderId, input.PackageNote),
            "已交办包案");
        if (!outcome.Refused)
        {
            Input = new();
        }

        await LoadAsync();
    }

    static string StepLabel(string step) => step switch
    {
        SlipStep.Acknowledge => "签收",
        SlipStep.Answer => "提交答复",
        SlipStep.Sign => "审签并报回信访办",
        SlipStep.SendBack => "退回重新答复",
        SlipStep.Close => "办结",
        SlipStep.Reopen => "退回责任单位",
        _ => SlipStep.Labels.Label(step),
    };

    sealed class SlipInput
    {
        public string? Investigation { get; set; }

        public string? CauseAnalysis { get; set; }

        public string? Resolution { get; set; }

        public string? Stabilisation { get; set; }

        public DateOnly? CarriedOutOn { get; set; }

        public string? CarriedOutBy { get; set; }

        public string? Reason { get; set; }

        public int? LeaderId { get; set; }

        public string? PackageNote { get; set; }
    }
}
