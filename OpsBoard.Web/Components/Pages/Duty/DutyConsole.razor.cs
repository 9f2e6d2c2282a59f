using Microsoft.AspNetCore.Components;
using Npgsql;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Emergency;
using OpsBoard.Data.Live;
using OpsBoard.Data.Reception;
using OpsBoard.Data.Slips;
using OpsBoard.Web.Accounts;
using OpsBoard.Web.Components.Shared;

namespace OpsBoard.Web.Components.Pages.Duty;

/// <summary>The duty leader's console: today's floor at a glance, the responses under way, and the launch form (prefilled from a visit).</summary>
public partial class DutyConsole
{
    [Inject] EmergencyQueries Queries { get; set; } = default!;
    [Inject] EmergencyResponses Responses { get; set; } = default!;
    [Inject] NpgsqlDataSource DataSource { get; set; } = default!;
    [Inject] LiveListener Listener { get; set; } = default!;
    [Inject] NavigationManager Navigation { get; set; } = default!;
    [Inject] ILogger<DutyConsole> Logger { get; set; } = default!;

    [CascadingParameter]
    HttpContext HttpContext { get; set; } = default!;

    [SupplyParameterFromQuery(Name = "visit")]
    long? Visit { get; set; }

    [SupplyParameterFromForm]
    LaunchInput? Input { get; set; }

    Actor actor = default!;
    IReadOnlyList<EmergencySummary> closed = [];
    IReadOnlyList<UnitChoice> units = [];
    ActionOutcome? outcome;

    /// <summary>
    /// Whether the floor and the responses are read and shown. A posted launch renders once before its handler runs:
    /// nothing is read until the launch has run, and after a database outage the form alone comes back, as typed.
    /// </summary>
    bool showFloor;

    protected override async Task OnInitializedAsync()
    {
        actor = UserPrincipal.Actor(HttpContext.User);
        if (Input is null)
        {
            Input = new LaunchInput { RequestKey = Guid.NewGuid(), Place = "接待中心一楼大厅" };
            if (Visit is { } visitId && await Queries.VisitFactsAsync(actor.CenterId, visitId) is { } facts)
            {
                Input.VisitId = visitId;
                Input.Kind = EmergencyQueries.KindFor(facts.Headcount, facts.Behaviours);
                Input.UnitId = facts.UnitId;
                Input.Headcount = facts.Headcount;
                Input.Summary = facts.Summary is null ? null : $"来访诉求：{facts.Summary}";
            }
        }

        // A launch reads what it needs after it ran: during a database outage the form must still come back as typed.
        if (!HttpMethods.IsPost(HttpContext.Request.Method))
        {
            await LoadAsync();
            showFloor = true;
        }
    }

    async Task LoadAsync()
    {
        var centerId = actor.CenterId;
        closed = await Queries.RecentClosedAsync(centerId, 5);
        units = await EmergencyUnits.ForCenterAsync(DataSource, centerId);
    }

    async Task LaunchAsync()
    {
        var input = Input ?? new LaunchInput();
        Launched? launched = null;
        outcome = await ActionOutcome.RunAsync(HttpContext, Logger, async () =>
        {
            launched = await Responses.LaunchAsync(actor, new LaunchEmergency
            {
                RequestKey = input.RequestKey == Guid.Empty ? Guid.NewGuid() : input.RequestKey,
                Kind = input.Kind,
                VisitId = input.VisitId,
                UnitId = input.UnitId,
                Place = input.Place,
                Headcount = input.Headcount,
                Summary = input.Summary,
            });
        }, "已发起应急处置。");
        if (launched is not null)
        {
            Navigation.NavigateTo($"/emergency/{launched.EmergencyId}");
            return;
        }

        if (outcome.Unavailable)
        {
            // The chosen unit stays chosen although the list of units cannot be read now.
            units = input.UnitId is { } unitId ? [new UnitChoice(unitId, "（已选择的责任单位）")] : [];
            return;
        }

        await LoadAsync();
        showFloor = true;
    }

    sealed class LaunchInput
    {
        public Guid RequestKey { get; set; }
        public long? VisitId { get; set; }
        public string? Kind { get; set; }
        public int? UnitId { get; set; }
        public string? Place { get; set; }
        public int? Headcount { get; set; }
        public string? Summary { get; set; }
    }
}
