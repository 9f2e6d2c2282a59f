using System.Globalization;
using Microsoft.AspNetCore.Components;
using OpsBoard.Data;
using OpsBoard.Data.Calendar;
using OpsBoard.Web.Accounts;

namespace OpsBoard.Web.Components.Pages.Admin;

/// <summary>The working calendar: a year shown, next year loaded, a loaded year corrected after a preview.</summary>
public partial class CalendarPage
{
    const string LoadMode = "load";
    const string PreviewMode = "preview";
    const string ApplyMode = "apply";

    [Inject]
    CalendarStore Calendars { get; set; } = default!;

    [Inject]
    CalendarLoader Loader { get; set; } = default!;

    [Inject]
    TimeProvider Time { get; set; } = default!;

    [CascadingParameter]
    HttpContext HttpContext { get; set; } = default!;

    /// <summary>Text, not int: a mistyped year in the address is a message, not an error page.</summary>
    [SupplyParameterFromQuery(Name = "year")]
    string? YearText { get; set; }

    [SupplyParameterFromForm]
    LoadInput? Input { get; set; }

    WorkingCalendar calendar = WorkingCalendar.Empty;
    List<CalendarEntry> entries = [];
    CalendarLoadResult? loadResult;
    CalendarCorrectionResult? correction;
    DateOnly today;
    int shownYear;
    string? yearNote;

    protected override async Task OnInitializedAsync()
    {
        Input ??= new();
        today = ChinaTime.Today(Time);
        shownYear = today.Year;
        if (!string.IsNullOrWhiteSpace(YearText))
        {
            if (int.TryParse(YearText, NumberStyles.None, CultureInfo.InvariantCulture, out var year) && year is >= 2000 and <= 2100)
            {
                shownYear = year;
            }
            else
            {
                yearNote = $"年份“{(YearText.Length > 10 ? YearText[..10] + "…" : YearText)}”无效（应为 2000 到 2100 之间的四位数），已显示 {today.Year} 年。";
            }
        }

        await ShowAsync();
    }

    async Task ShowAsync()
    {
        calendar = await Calendars.CurrentAsync();
        entries = [.. Enumerable.Range(0, 372).Select(i => new DateOnly(shownYear - 1, 12, 25).AddDays(i))
            .Where(d => d.Year == shownYear)
            .Select(calendar.EntryFor).OfType<CalendarEntry>()];
    }

    async Task SubmitAsync()
    {
        var userId = UserPrincipal.UserId(HttpContext.User)!.Value;
        var csv = Input!.Csv ?? "";
        var source = Input.Source ?? "";
        switch (Input.Mode)
        {
            case PreviewMode or ApplyMode:
                correction = await Loader.CorrectAsync(Input.Year, csv, source, userId, apply: Input.Mode == ApplyMode);
                break;
            default:
                loadResult = await Loader.LoadAsync(Input.Year, csv, source, userId);
                break;
        }

        if (loadResult is { Loaded: true } || correction is { Applied: true })
        {
            shownYear = Input.Year;
        }

        await ShowAsync();
    }

    static string Weekday(DateOnly day) => "日一二三四五六"[(int)day.DayOfWeek].ToString();

    sealed class LoadInput
    {
        public string? Mode { get; set; }
        public int Year { get; set; }
        public string? Source { get; set; }
        public string? Csv { get; set; }
    }
}
