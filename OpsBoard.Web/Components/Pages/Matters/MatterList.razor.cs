using System.Globalization;
using Microsoft.AspNetCore.Components;
using OpsBoard.Data;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Matters;
using OpsBoard.Data.Personal;
using OpsBoard.Data.Reception;
using OpsBoard.Web.Accounts;

namespace OpsBoard.Web.Components.Pages.Matters;

/// <summary>
/// The matter list: search, order and pages. Every value of the address is read by <see cref="MatterFilter.Parse"/>,
/// so a mistyped or stale address shows a working list and says what it left out, never an error page.
/// </summary>
public partial class MatterList
{
    [Inject]
    MatterQueries Matters { get; set; } = default!;

    [Inject]
    NavigationManager Navigation { get; set; } = default!;

    [CascadingParameter]
    HttpContext HttpContext { get; set; } = default!;

    [SupplyParameterFromQuery(Name = "status")]
    string? Status { get; set; }

    [SupplyParameterFromQuery(Name = "code")]
    string? Code { get; set; }

    [SupplyParameterFromQuery(Name = "name")]
    string? Name { get; set; }

    [SupplyParameterFromQuery(Name = "petitioner")]
    string? Petitioner { get; set; }

    [SupplyParameterFromQuery(Name = "unit")]
    string? Unit { get; set; }

    [SupplyParameterFromQuery(Name = "from")]
    string? From { get; set; }

    [SupplyParameterFromQuery(Name = "to")]
    string? To { get; set; }

    [SupplyParameterFromQuery(Name = "sort")]
    string? Sort { get; set; }

    [SupplyParameterFromQuery(Name = "page")]
    string? PageNumber { get; set; }

    [SupplyParameterFromQuery(Name = "after")]
    string? After { get; set; }

    [SupplyParameterFromQuery(Name = "before")]
    string? Before { get; set; }

    [SupplyParameterFromForm(FormName = "search")]
    SearchInput? Search { get; set; }

    Actor actor = default!;
    MatterFilter filter = new();
    MatterPage result = MatterPage.Empty;
    List<string> notes = [];
    IReadOnlyList<Choice> unitChoices = [];
    IReadOnlyList<PendingExtensionItem> pending = [];
    IReadOnlyList<DueItem> due = [];
    string? idError;

    protected override async Task OnInitializedAsync()
    {
        actor = UserPrincipal.Actor(HttpContext.User);
        var (parsed, parseNotes) = MatterFilter.Parse(new MatterListArgs(Status, Code, Name, Petitioner, Unit, From, To, Sort, PageNumber, After, Before));
        filter = parsed;
        Search ??= SearchInput.Of(filter);
        var units = await Matters.UnitsAsync(actor.CenterId);
        unitChoices = actor.SeesWholeCenter ? units : [.. units.Where(u => actor.Units.Any(id => id.ToString(CultureInfo.InvariantCulture) == u.Value))];
        result = await Matters.ListAsync(actor, filter);
        notes = [.. parseNotes, .. result.Notes];
        if (!actor.SeesWholeCenter)
        {
            pending = await Matters.PendingExtensionsAsync(actor);
            due = await Matters.DueNextAsync(actor);
        }
    }

    /// <summary>
    /// Looks the ID number up by its keyed hash, as the desk does, and redirects to the list of what was asked: the
    /// address names the petitioner found, never the number. A number that is malformed or unknown keeps the form as typed.
    /// </summary>
    async Task SearchAsync()
    {
        var petitioner = Search!.Petitioner;
        if (!string.IsNullOrWhiteSpace(Search.IdNumber))
        {
            if (!ChineseIdNumber.TryParse(Search.IdNumber, out var number, out var error))
            {
                idError = error;
                return;
            }

            if (await Matters.PetitionerByIdNumberAsync(actor, number) is not { } found)
            {
                idError = "没有登记过这个身份证号码的来访人。";
                return;
            }

            petitioner = found.ToString(CultureInfo.InvariantCulture);
        }

        // The typed values go into the address as they are: the list reads them again and says what it could not use.
        var query = new Dictionary<string, string?>
        {
            ["code"] = Search.Code, ["name"] = Search.Name, ["petitioner"] = petitioner, ["unit"] = Search.Unit,
            ["status"] = Search.Status, ["from"] = Search.From, ["to"] = Search.To,
            ["sort"] = Search.Sort == MatterSort.Newest ? null : Search.Sort,
        };
        Navigation.NavigateTo(Url(query.Where(p => !string.IsNullOrWhiteSpace(p.Value)).Select(p => new KeyValuePair<string, string>(p.Key, p.Value!.Trim()))));
    }

    /// <summary>The list under <paramref name="shown"/>'s filters and order, from its first page.</summary>
    string Link(MatterFilter shown) => Url(shown.QueryValues());

    /// <summary>
    /// A neighbouring page by its cursor, or the last page. The page number rides along for display only, when it is
    /// known; the cursor alone decides which rows come.
    /// </summary>
    string PageLink(string? after = null, string? before = null, bool last = false)
    {
        var values = filter.QueryValues().ToList();
        if (last)
        {
            values.Add(new("page", "last"));
        }
        else if ((after ?? before) is { } cursor)
        {
            values.Add(new(after is null ? "before" : "after", cursor));
            if (result.Number is { } number && (after is not null ? number + 1 : number - 1) is > 0 and var next)
            {
                values.Add(new("page", next.ToString(CultureInfo.InvariantCulture)));
            }
        }

        return Url(values);
    }

    string Url(IEnumerable<KeyValuePair<string, string>> values)
    {
        var query = string.Join("&", values.Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value)}"));
        return query.Length == 0 ? HttpContext.Request.Path.ToString() : $"{HttpContext.Request.Path}?{query}";
    }

    string PageLabel => result.Number is { } n ? $"第 {n} 页" : filter.Last ? "末页" : "本页";

    string JumpText => result.TotalCapped
        ? $"页码可跳到前 {result.JumpablePages} 页，更早的事项请按收到日期查询或点“末页”。"
        : $"共 {result.JumpablePages} 页。";

    static string Day(DateTime utc) => ChinaTime.Format(utc, "yyyy-MM-dd");

    sealed class SearchInput
    {
        public string? Code { get; set; }
        public string? Name { get; set; }
        public string? IdNumber { get; set; }
        public string? Petitioner { get; set; }
        public string? Unit { get; set; }
        public string? Status { get; set; }
        public string? From { get; set; }
        public string? To { get; set; }
        public string? Sort { get; set; }

        public static SearchInput Of(MatterFilter filter) => new()
        {
            Code = filter.Code,
            Name = filter.PetitionerName,
            Petitioner = filter.PetitionerId?.ToString(CultureInfo.InvariantCulture),
            Unit = filter.UnitId?.ToString(CultureInfo.InvariantCulture),
            Status = filter.Status,
            From = filter.From?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            To = filter.To?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            Sort = filter.Sort,
        };
    }
}
