using System.Globalization;
using Microsoft.AspNetCore.Components;
using OpsBoard.Data;
using OpsBoard.Data.Duty;
using OpsBoard.Web.Accounts;
using OpsBoard.Web.Components.Shared;

namespace OpsBoard.Web.Components.Pages.Duty;

public partial class DutyRotaPage
{
    [Inject] DutyRota Rota { get; set; } = default!;
    [Inject] TimeProvider Time { get; set; } = default!;
    [Inject] ILogger<DutyRotaPage> Logger { get; set; } = default!;

    [CascadingParameter]
    HttpContext HttpContext { get; set; } = default!;

    [SupplyParameterFromQuery(Name = "week")]
    string? WeekQuery { get; set; }

    [SupplyParameterFromForm(Name = "Week")]
    string? WeekForm { get; set; }

    [SupplyParameterFromForm]
    RotaInput? Input { get; set; }

    RotaWeek week = new(default, [], []);
    IReadOnlyList<DutyLeader> leaders = [];
    DateOnly today;
    ActionOutcome? outcome;
    string? note;
    bool keepTyped;

    protected override async Task OnInitializedAsync()
    {
        Input ??= new();
        today = ChinaTime.Today(Time);
        var asked = WeekForm ?? WeekQuery;
        var day = today;
        if (!string.IsNullOrEmpty(asked) && !DateOnly.TryParseExact(asked, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day))
        {
            note = $"“{asked}”不是日期，已显示本周。";
            day = today;
        }

        // Rendered once before the reads complete: the shell already holds the week asked for.
        week = new RotaWeek(DutyRota.MondayOf(day), [], []);
        leaders = await Rota.LeadersAsync(UserPrincipal.CenterId(HttpContext.User), HttpContext.RequestAborted);
        await LoadAsync(day);
    }

    async Task LoadAsync(DateOnly day) => week = await Rota.WeekAsync(UserPrincipal.CenterId(HttpContext.User), day, HttpContext.RequestAborted);

    async Task SaveAsync()
    {
        var changed = 0;
        var assignments = new Dictionary<DateOnly, int?>();
        for (var i = 0; i < Input!.Days.Count; i++)
        {
            if (DateOnly.TryParseExact(Input.Days[i], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
            {
                // 未排班 posts 0, not an empty value, so no index of the list is ever skipped.
                assignments[d] = i < Input.Leaders.Count && int.TryParse(Input.Leaders[i], out var id) && id > 0 ? id : null;
            }
        }

        outcome = await ActionOutcome.RunAsync(HttpContext, Logger, async () => changed = await Rota.AssignAsync(UserPrincipal.Actor(HttpContext.User), assignments), "");
        keepTyped = outcome.Refused;
        if (!outcome.Refused)
        {
            outcome = outcome with { Message = changed == 0 ? "排班没有变化。" : $"已保存，{changed} 天的带班领导有变动。" };
        }

        await LoadAsync(week.Monday);
    }

    async Task CopyAsync()
    {
        var changed = 0;
        outcome = await ActionOutcome.RunAsync(HttpContext, Logger, async () => changed = await Rota.CopyPreviousWeekAsync(UserPrincipal.Actor(HttpContext.User), week.Monday), "");
        if (!outcome.Refused)
        {
            outcome = outcome with { Message = changed == 0 ? "本周排班已与上周相同。" : $"已复制上周排班，{changed} 天有变动。" };
        }

        await LoadAsync(week.Monday);
    }

    /// <summary>The leader shown in a day's list: what was typed when the save was refused, else the rota's.</summary>
    int? Chosen(int index, RotaDay day)
    {
        if (keepTyped && index < Input!.Days.Count && Input.Days[index] == Iso(day.Day))
        {
            return index < Input.Leaders.Count && int.TryParse(Input.Leaders[index], out var id) && id > 0 ? id : null;
        }

        return day.Leader?.UserId;
    }

    string Note(RotaDay day) => string.Join(" · ", new[]
    {
        day.Day == today ? "今天" : null,
        day.MakeUpFor is { } name ? $"{name}调休上班" : null,
    }.OfType<string>());

    static string Iso(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    sealed class RotaInput
    {
        public List<string> Days { get; set; } = [];
        public List<string?> Leaders { get; set; } = [];
    }
}
