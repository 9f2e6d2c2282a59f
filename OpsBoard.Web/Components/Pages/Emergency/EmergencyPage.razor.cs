using Microsoft.AspNetCore.Components;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Emergency;
using OpsBoard.Web.Accounts;
using OpsBoard.Web.Components.Shared;

namespace OpsBoard.Web.Components.Pages.Emergency;

/// <summary>One response: responders with 收到 and 到场, the upward report, the timeline with its chain check, the steps this user may take.</summary>
public partial class EmergencyPage
{
    [Inject]
    EmergencyQueries Queries { get; set; } = default!;

    [Inject]
    EmergencyResponses Responses { get; set; } = default!;

    [Inject]
    ILogger<EmergencyPage> Logger { get; set; } = default!;

    [CascadingParameter]
    HttpContext HttpContext { get; set; } = default!;

    [Parameter]
    public long EmergencyId { get; set; }

    [SupplyParameterFromForm]
    EmergencyInput? Input { get; set; }

    Actor actor = default!;
    EmergencyDetail? detail;
    IReadOnlySet<string> actions = new HashSet<string>();
    ActionOutcome? outcome;
    bool forbidden;

    DateTimeOffset Now => Queries.Now;

    protected override async Task OnInitializedAsync()
    {
        Input ??= new();
        actor = UserPrincipal.Actor(HttpContext.User);
        await LoadAsync();
    }

    async Task LoadAsync()
    {
        if (!await Queries.MaySeeAsync(actor, EmergencyId))
        {
            forbidden = true;
            HttpContext.SetPageStatus(StatusCodes.Status403Forbidden);
            return;
        }

        detail = await Queries.DetailAsync(actor.CenterId, EmergencyId);
        if (detail is null)
        {
            HttpContext.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        actions = EmergencyActions.For(detail, actor);
    }

    async Task RunAsync(Func<Task> action, string success)
    {
        outcome = await ActionOutcome.RunAsync(HttpContext, Logger, action, success);
        if (!outcome.Refused)
        {
            Input = new();
        }

        await LoadAsync();
    }

    Task AcknowledgeAsync() => RunAsync(() => Responses.AcknowledgeAsync(actor, EmergencyId), "已确认收到，请立即赶到现场。");

    Task ArrivalAsync(long responderId) => RunAsync(() => Responses.RecordArrivalAsync(actor, EmergencyId, responderId), "已登记到场。");

    Task ReportAsync() => RunAsync(() => Responses.ReportAsync(actor, EmergencyId, new UpwardReport(Input?.Channel, Input?.Recipients, Input?.Content)),
        "已登记向上报告。");

    Task MeasureAsync() => RunAsync(() => Responses.RecordMeasureAsync(actor, EmergencyId, Input?.Measure), "已记录处置措施。");

    Task CloseAsync() => RunAsync(() => Responses.CloseAsync(actor, EmergencyId,
        new EmergencyClosing(Input?.Outcome, Input?.FollowUp, Input?.AppointmentOn, Input?.SlipId, Input?.MatterId)), "应急处置已结束。");

    sealed class EmergencyInput
    {
        public string? Channel { get; set; }

        public string? Recipients { get; set; }

        public string? Content { get; set; }

        public string? Measure { get; set; }

        public string? Outcome { get; set; }

        public string? FollowUp { get; set; }

        public DateOnly? AppointmentOn { get; set; }

        public long? SlipId { get; set; }

        public long? MatterId { get; set; }
    }
}
