using Microsoft.AspNetCore.Components;
using OpsBoard.Data.Personal;
using OpsBoard.Data.Reception;
using OpsBoard.Web.Accounts;
using OpsBoard.Web.Components.Shared;

namespace OpsBoard.Web.Components.Pages.Desk;

/// <summary>The registration desk: look the petitioner up, then register the visit and issue a ticket.</summary>
public partial class Registration
{
    [Inject]
    DeskQueries Desk { get; set; } = default!;

    [Inject]
    VisitRegistry Registry { get; set; } = default!;

    [Inject]
    NavigationManager Navigation { get; set; } = default!;

    [Inject]
    ILogger<Registration> Logger { get; set; } = default!;

    [CascadingParameter]
    HttpContext HttpContext { get; set; } = default!;

    [SupplyParameterFromForm(FormName = "search")]
    SearchInput? Search { get; set; }

    [SupplyParameterFromForm(FormName = "register")]
    RegisterInput? Input { get; set; }

    IReadOnlyList<PetitionerFound> found = [];
    PetitionerHistory? history;
    bool searched;
    string? searchError;
    Dictionary<string, string> registerErrors = [];
    ActionOutcome? outcome;
    IReadOnlyList<Choice> categories = [], lines = [], localities = [], areas = [];

    int CenterId => UserPrincipal.CenterId(HttpContext.User);

    // 5 and more present is a collective visit (VisitRegistry opens the matter as collective at the same count).
    bool RepresentativesOpen => CollectiveVisit.Is(Input!.Headcount) || registerErrors.Keys.Any(k => k.StartsWith("Representatives"));

    protected override async Task OnInitializedAsync()
    {
        Search ??= new();
        Input ??= new();
        Input.RequestKey = Input.RequestKey == Guid.Empty ? Guid.NewGuid() : Input.RequestKey;
        while (Input.Representatives.Count < RegisterInput.RepresentativeSlots)
        {
            Input.Representatives.Add(new());
        }

        categories = await Desk.CategoriesAsync();
        lines = await Desk.ServiceLinesAsync(CenterId);
        localities = await Desk.LocalitiesAsync(CenterId);
        areas = await Desk.WaitingAreasAsync(CenterId);
    }

    async Task SearchAsync()
    {
        searched = true;
        if (!string.IsNullOrWhiteSpace(Search!.IdNumber))
        {
            if (!ChineseIdNumber.TryParse(Search.IdNumber, out var number, out var error))
            {
                searchError = error;
                return;
            }

            Input!.IdNumber = number.Value;
        }
        else if (string.IsNullOrWhiteSpace(Search.Name))
        {
            searchError = "请输入身份证号码，或输入姓名（可加联系电话）查询。";
            return;
        }

        found = await Desk.FindAsync(CenterId, Search.IdNumber, Search.Name, Search.Phone);
        if (found.Count == 1)
        {
            history = await Desk.HistoryAsync(CenterId, found[0].Id);
            Input!.Name = found[0].Name;
            Input.Phone ??= found[0].Phone;
        }
        else
        {
            Input!.Name ??= Search.Name;
            Input.Phone ??= Search.Phone;
        }
    }

    /// <summary>
    /// Field errors mark the fields to correct; a refusal from the registry (a matter not found, the day's numbers used
    /// up …) is shown as the action's outcome. Either way the form keeps what the clerk typed.
    /// </summary>
    async Task RegisterAsync()
    {
        var visit = Input!.ToCommand(CenterId, UserPrincipal.UserId(HttpContext.User)!.Value);
        registerErrors = VisitRegistry.Validate(visit);
        if (registerErrors.Count == 0)
        {
            Registered? registered = null;
            var result = await ActionOutcome.RunAsync(HttpContext, Logger, async () => registered = await Registry.RegisterAsync(visit), "已登记");
            if (registered is not null)
            {
                Navigation.NavigateTo($"/desk/ticket/{registered.TicketId}");
                return;
            }

            outcome = result;
        }
        else
        {
            Logger.LogInformation("Registration refused: {Errors}", string.Join("; ", registerErrors.Keys));
        }

        // Keep the petitioner's history in view while the clerk corrects the form.
        if (ChineseIdNumber.TryParse(Input.IdNumber, out _, out _))
        {
            found = await Desk.FindAsync(CenterId, Input.IdNumber, null, null);
            history = found.Count == 1 ? await Desk.HistoryAsync(CenterId, found[0].Id) : null;
        }
    }

    string Invalid(string field) => registerErrors.ContainsKey(field) ? "is-invalid" : "";

    static string VisitCss(PastVisit visit) => VisitLevel.IsEscalated(visit.Level) ? "table-warning" : "";

    sealed class SearchInput
    {
        public string? IdNumber { get; set; }
        public string? Name { get; set; }
        public string? Phone { get; set; }
    }

    sealed class RepresentativeInput
    {
        public string? Name { get; set; }
        public string? IdNumber { get; set; }
    }

    sealed class RegisterInput
    {
        public const int RepresentativeSlots = VisitRegistry.MaxRepresentatives;

        public Guid RequestKey { get; set; }
        public string? Name { get; set; }
        public string? IdNumber { get; set; }
        public string? Phone { get; set; }
        public int Headcount { get; set; } = 1;
        public List<RepresentativeInput> Representatives { get; set; } = [];
        public long? MatterId { get; set; }
        public string? Category { get; set; }
        public string? Summary { get; set; }
        public int? LocalityId { get; set; }
        public int ServiceLineId { get; set; }
        public int? WaitingAreaId { get; set; }
        public bool Priority { get; set; }
        public string? PriorityReason { get; set; }
        public bool Noise { get; set; }
        public bool SitIn { get; set; }
        public bool Lingering { get; set; }

        public RegisterVisit ToCommand(int centerId, int userId) => new()
        {
            CenterId = centerId,
            UserId = userId,
            RequestKey = RequestKey,
            Principal = new Visitor(Name ?? "", IdNumber ?? "", Phone),
            Representatives = [.. Representatives
                .Where(r => !string.IsNullOrWhiteSpace(r.Name) || !string.IsNullOrWhiteSpace(r.IdNumber))
                .Select(r => new Visitor(r.Name ?? "", r.IdNumber ?? "", null))],
            Headcount = Headcount,
            MatterId = MatterId,
            Category = MatterId is null ? Category : null,
            Summary = Summary,
            LocalityId = LocalityId,
            ServiceLineId = ServiceLineId,
            WaitingAreaId = WaitingAreaId,
            Priority = Priority,
            PriorityReason = PriorityReason,
            Behaviours = [.. new[] { (Noise, VisitBehaviour.Noise), (SitIn, VisitBehaviour.SitIn), (Lingering, VisitBehaviour.Lingering) }.Where(b => b.Item1).Select(b => b.Item2)],
        };
    }
}
