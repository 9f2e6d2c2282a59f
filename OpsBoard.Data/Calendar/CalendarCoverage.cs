using OpsBoard.Data.Notices;

namespace OpsBoard.Data.Calendar;

public sealed record CoverageResult(int Year, bool Loaded, bool Warned);

/// <summary>
/// Watches that the working calendar reaches far enough ahead. The State Council publishes next year's schedule
/// in the autumn; from 1 December a missing year is raised as a notice, because clocks started in December already
/// end in January.
/// </summary>
public sealed class CalendarCoverage(CalendarStore calendars, SystemNotices notices, TimeProvider time)
{
    public const string NoticeKind = "calendar_missing";

    public async Task<IReadOnlyList<CoverageResult>> CheckAsync(CancellationToken cancellationToken = default)
    {
        var today = ChinaTime.Today(time);
        var calendar = await calendars.ReloadAsync(cancellationToken);
        var years = today.Month == 12 ? new[] { today.Year, today.Year + 1 } : [today.Year];
        var results = new List<CoverageResult>();
        foreach (var year in years)
        {
            var subject = year.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (calendar.IsLoaded(year))
            {
                await notices.ResolveAsync(NoticeKind, subject, cancellationToken);
                results.Add(new CoverageResult(year, true, false));
                continue;
            }

            var raised = await notices.RaiseAsync(NoticeKind, subject,
                $"{year}年节假日安排尚未载入：工作日计算将只按周末推算，期限可能算错。请在国务院办公厅发布通知后，于“日历”页（/admin/calendar）载入{year}年节假日安排。",
                cancellationToken);
            results.Add(new CoverageResult(year, false, raised));
        }

        return results;
    }
}
