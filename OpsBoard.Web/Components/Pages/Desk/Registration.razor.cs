using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using OpsBoard.Data.Accounts;
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
    OpsBoard.Data.Slips.SlipQueries Slips { get; set; } = default!;

    [Inject]
    NavigationManager Navigation { get; set; } = default!;

    [Inject]
    ILogger<Registration> Logger { get; set; } = default!;

    [CascadingParameter]
    HttpContext HttpContext { get; set; } = default!;

    // Values the form binder could not parse (a number field sent as text …): the property keeps its default, so the
    // page must say so rather than register the default.
    [CascadingParameter]
    FormMappingContext? FormMapping { get; set; }

    [SupplyParameterFromForm(FormName = "search")]
    SearchInput? Search { get; set; }

    [SupplyParameterFromForm(FormName = "register")]
    RegisterInput? Input { get; set; }

    IReadOnlyList<PetitionerFound> found = [];
    PetitionerHistory? history;
    IReadOnlyList<OpsBoard.Data.Slips.SlipListItem> openSlips = [];
    bool incompleteForm;
    string? searchError;
    string? lookupMessage;

    // The look-up ran from the registration form (Enter in name, ID number or phone): its result is said there.
    bool lookupFromForm;

    // Where the keyboard goes after a look-up: the next thing the clerk fills in.
    string? lookupFocus;
    IReadOnlyList<Rename> renames = [];
    Dictionary<string, string> registerErrors = [];
    ActionOutcome? outcome;
    IReadOnlyList<Choice> categories = [], lines = [], localities = [], areas = [], accusable = [];

    int CenterId => UserPrincipal.CenterId(HttpContext.User);

    Actor Actor => UserPrincipal.Actor(HttpContext.User);

    // 5 and more present is a collective visit (VisitRegistry opens the matter as collective at the same count).
    bool RepresentativesOpen => CollectiveVisit.Is(Input!.Headcount) || registerErrors.Keys.Any(k => k.StartsWith("Representatives"));

    protected override async Task OnInitializedAsync()
    {
        Search ??= new();
        var posted = Input is not null;
        Input ??= new();
        Input.RequestKey = Input.RequestKey == Guid.Empty ? Guid.NewGuid() : Input.RequestKey;
        // A post is anything a client sends: the list may be missing (null) or have holes. The page's own form always
        // sends every slot, so a register post with fewer is incomplete and is shown back rather than registered.
        incompleteForm = posted && (Input.Representatives is null || Input.Representatives.Count < RegisterInput.RepresentativeSlots);
        Input.Representatives = [.. (Input.Representatives ?? []).Select(r => r ?? new())];
        while (Input.Representatives.Count < RegisterInput.RepresentativeSlots)
        {
            Input.Representatives.Add(new());
        }

        (categories, lines, localities, areas) = await Desk.FormChoicesAsync(CenterId);
        try
        {
            accusable = await Desk.AccusableUnitsAsync(CenterId);
        }
        catch (Exception e) when (OpsBoard.Data.Postgres.DatabaseOutage.Is(e))
        {
            // The desk keeps working through an outage; an accusation's units are chosen once the database is back.
            accusable = [];
        }
    }

    Task SearchAsync() => LookUpAsync(Search!.IdNumber, Search.Name, Search.Phone);

    /// <summary>查询此人 in the registration form: the same look-up, and everything typed in the form stays.</summary>
    async Task LookUpFromFormAsync()
    {
        lookupFromForm = true;
        await LookUpAsync(Input!.IdNumber, Input.Name, Input.Phone);
        if (searchError is not null)
        {
            registerErrors["IdNumber"] = searchError;
            searchError = null;
        }
    }

    /// <summary>
    /// By ID number when one is given, else by name (and phone). One person found: their history is shown and the form
    /// takes what it lacks — the phone only when the person was identified by ID number or phone, never on a name alone.
    /// </summary>
    async Task LookUpAsync(string? idNumber, string? name, string? phone)
    {
        if (!string.IsNullOrWhiteSpace(idNumber))
        {
            if (!ChineseIdNumber.TryParse(idNumber, out var number, out var error))
            {
                searchError = error;
                return;
            }

            idNumber = number.Value;
            Input!.IdNumber = number.Value;
        }
        else if (string.IsNullOrWhiteSpace(name))
        {
            searchError = "请输入身份证号码，或输入姓名（可加联系电话）查询。";
            return;
        }

        // An outage during the look-up says so and keeps the form, like a refused registration.
        var lookUp = await ActionOutcome.RunAsync(HttpContext, Logger, () => FindAsync(idNumber, name, phone), "");
        if (lookUp.Refused)
        {
            searchError = lookUp.Message;
        }
    }

    /// <summary>The person's visits and matters, and the open warning slips on them: the clerk sees a slip is running.</summary>
    async Task<PetitionerHistory> HistoryAsync(PetitionerFound person)
    {
        var found = await Desk.HistoryAsync(Actor, person);
        openSlips = await Slips.OpenForPetitionerAsync(Actor.CenterId, person.Card.Id);
        return found;
    }

    async Task FindAsync(string? idNumber, string? name, string? phone)
    {
        var lookup = await Desk.FindAsync(Actor, idNumber, name, phone, HttpContext.RequestAborted, HttpContext.Connection.RemoteIpAddress);
        found = lookup.Found;
        if (found.Count == 1)
        {
            var person = found[0];
            history = await HistoryAsync(person);
            Input!.Name = string.IsNullOrWhiteSpace(Input.Name) ? person.Card.Name : Input.Name;
            Input.Phone = string.IsNullOrWhiteSpace(Input.Phone) && person.Identified ? person.Card.Phone : Input.Phone;
            var visits = history.Visits.Count >= DeskQueries.VisitsShown ? $"{DeskQueries.VisitsShown} 次以上" : $"{history.Visits.Count} 次";
            lookupMessage = $"已找到：{person.Card.Name}，此前来访 {visits}，在办事项 {history.OpenMatters.Count} 件。"
                + (Input.Name.Trim() == person.Card.Name ? "" : $"所填姓名与登记姓名 {person.Card.Name} 不同，登记时将请您确认是否更名。");
        }
        else
        {
            Input!.Name = string.IsNullOrWhiteSpace(Input.Name) ? name?.Trim() : Input.Name;
            Input.Phone = string.IsNullOrWhiteSpace(Input.Phone) ? phone?.Trim() : Input.Phone;
            lookupMessage = found.Count > 1 ? null
                : lookup.SameNameOtherPhone ? "有同名来访人，但联系电话不符：请核对电话，或用身份证号码查询。"
                : "未找到该来访人的记录：本次为首次来访，请直接登记。";
        }

        lookupFocus = string.IsNullOrWhiteSpace(Input.Name) ? "Name"
            : string.IsNullOrWhiteSpace(Input.IdNumber) ? "IdNumber"
            : history?.OpenMatters.Count > 0 ? "MatterId"
            : "Category";
    }

    /// <summary>
    /// Field errors mark the fields to correct; a refusal from the registry (a matter not found, the day's numbers used
    /// up …) is shown as the action's outcome. Either way the form keeps what the clerk typed.
    /// </summary>
    async Task RegisterAsync()
    {
        if (Input!.Lookup)
        {
            await LookUpFromFormAsync();
            return;
        }

        var visit = Input.ToCommand(CenterId, UserPrincipal.UserId(HttpContext.User)!.Value);
        registerErrors = VisitRegistry.Validate(visit);
        if (incompleteForm && !registerErrors.ContainsKey("Representatives"))
        {
            registerErrors["Representatives"] = "提交的表单缺少代表栏，未登记：请核对代表信息后重新提交";
        }

        foreach (var error in FormMapping?.GetAllErrors("register") ?? [])
        {
            var field = error.Path.StartsWith("Input.", StringComparison.Ordinal) ? error.Path["Input.".Length..] : error.Path;
            var key = FieldOrder.Contains(field) ? field : "Form";
            registerErrors.TryAdd(key, $"提交的内容无法识别（{FieldLabel(field)}），未登记：请重新填写后提交");
        }
        if (registerErrors.Count == 0)
        {
            Registered? registered = null;
            var result = await ActionOutcome.RunAsync(HttpContext, Logger, async () =>
            {
                try
                {
                    registered = await Registry.RegisterAsync(visit);
                }
                catch (RenameUnconfirmedException e)
                {
                    // Not a refusal to read in red but a question to answer: the form asks it and keeps everything.
                    renames = e.Renames;
                }
            }, "已登记");
            if (registered is not null)
            {
                Navigation.NavigateTo($"/desk/ticket/{registered.TicketId}");
                return;
            }

            outcome = renames.Count > 0 ? null : result;
        }
        else
        {
            Logger.LogInformation("Registration refused: {Errors}", string.Join("; ", registerErrors.Keys));
        }

        // Keep the petitioner's history in view while the clerk corrects the form (there is none to read in an outage).
        if (outcome is not { Unavailable: true } && ChineseIdNumber.TryParse(Input.IdNumber, out _, out _))
        {
            found = (await Desk.FindAsync(Actor, Input.IdNumber, null, null, HttpContext.RequestAborted, HttpContext.Connection.RemoteIpAddress)).Found;
            history = found.Count == 1 ? await HistoryAsync(found[0]) : null;
        }
    }

    string Invalid(string field) => registerErrors.ContainsKey(field) ? "is-invalid" : "";

    /// <summary>Fields in the order the form shows them, so the keyboard lands on the first one to correct.</summary>
    IEnumerable<string> FieldOrder =>
    [
        "Name", "IdNumber", "Phone", "Headcount", "Representatives",
        .. Enumerable.Range(0, Input!.Representatives.Count).Select(i => $"Representatives[{i}]"),
        "Category", "Summary", "ProxyName", "Accusation", "PriorityReason", "Behaviours",
    ];

    /// <summary>
    /// The field that gets <c>autofocus</c>: the first invalid one; the rename question; after a look-up the next
    /// field to fill; else (null) the ID-number look-up.
    /// </summary>
    string? FocusField =>
        registerErrors.Count > 0 ? FieldOrder.FirstOrDefault(registerErrors.ContainsKey)
        : renames.Count > 0 ? "ConfirmRenames"
        : searchError is null ? lookupFocus
        : null;

    bool Focus(string field) => FocusField == field;

    static string FieldLabel(string field) => field switch
    {
        "Headcount" => "来访人数",
        "MatterId" => "信访事项",
        "LocalityId" => "属地",
        "ServiceLineId" => "办理业务",
        "WaitingAreaId" => "候访区",
        "Priority" => "绿色通道",
        "Noise" or "SitIn" or "Lingering" => "现场异常行为",
        _ when field.StartsWith("Representatives", StringComparison.Ordinal) => "代表",
        _ => "表单",
    };

    /// <summary>The representative row whose name field takes the focus; a limit error focuses the first row.</summary>
    bool FocusRepresentative(int index) =>
        FocusField == $"Representatives[{index}]" || (index == 0 && FocusField == "Representatives");

    int RepresentativeRows => Input!.Representatives.Count;

    string? RepresentativeError(int index) => registerErrors.GetValueOrDefault($"Representatives[{index}]");

    /// <summary>该证件号已登记为 张三，确认更名为 李四？ — prefixed with the representative's place when it is one of them.</summary>
    string RenameQuestion(Rename rename)
    {
        var index = Input!.Representatives.FindIndex(r =>
            ChineseIdNumber.TryParse(r.IdNumber, out var number, out _) && number.Value == rename.IdNumber);
        return index < 0 ? rename.Question : $"第 {index + 1} 名代表：{rename.Question}";
    }

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
        // The principal is one of the at most five representatives (条例 第二十条), so the form offers one slot fewer.
        public const int RepresentativeSlots = VisitRegistry.MaxRepresentatives - 1;

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
        public bool IsProxy { get; set; }
        public string? ProxyName { get; set; }
        public bool IsAccusation { get; set; }
        public List<int?> AccusedUnits { get; set; } = [];
        public List<AccusedPersonInput?> AccusedPeople { get; set; } = [];

        /// <summary>Sent by 查询此人, the form's first button, and so by Enter in any of its fields.</summary>
        public bool Lookup { get; set; }

        /// <summary>Sent by 确认更名并登记 only: the renames the clerk was asked about, now confirmed.</summary>
        public bool ConfirmRenames { get; set; }

        public List<string> RenameKeys { get; set; } = [];

        public RegisterVisit ToCommand(int centerId, int userId) => new()
        {
            CenterId = centerId,
            UserId = userId,
            RequestKey = RequestKey,
            Principal = new Visitor(Name ?? "", IdNumber ?? "", Phone),
            Representatives = [.. (Representatives ?? [])
                .Where(r => r is not null)
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
            IsProxy = MatterId is null && IsProxy,
            ProxyName = ProxyName,
            IsAccusation = MatterId is null && IsAccusation,
            AccusedUnitIds = MatterId is null ? AccusationForm.Units(AccusedUnits) : [],
            AccusedPeople = MatterId is null ? AccusationForm.People(AccusedPeople) : [],
            ConfirmedRenames = ConfirmRenames ? [.. (RenameKeys ?? []).Where(k => k is not null)] : [],
            Behaviours = [.. new[] { (Noise, VisitBehaviour.Noise), (SitIn, VisitBehaviour.SitIn), (Lingering, VisitBehaviour.Lingering) }.Where(b => b.Item1).Select(b => b.Item2)],
        };
    }
}
