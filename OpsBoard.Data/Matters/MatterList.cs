using System.Globalization;

namespace OpsBoard.Data.Matters;

public sealed record MatterListItem(long Id, string Code, string Category, string Status, string? Unit, DateTime ReceivedAt, DateTime? DueAt, string? WorstClock);

/// <summary>The orders the matter list offers; the keys of the whitelist <see cref="MatterQueries"/> builds its ORDER BY from.</summary>
public static class MatterSort
{
    public const string Newest = "newest";
    public const string Oldest = "oldest";
    public const string Due = "due";
    public const string Code = "code";

    public static CodeSet Labels { get; } = new(
        (Newest, "收到时间从新到旧"), (Oldest, "收到时间从旧到新"), (Due, "最近到期在前"), (Code, "按编号"));
}

/// <summary>
/// A position in one order of the list: the sort it belongs to (one letter), the row's sort key and its id. The letter
/// makes a cursor from another order (an old bookmark, a sort changed by hand) fail to parse instead of landing anywhere.
/// Time keys are microseconds since 1970 (what PostgreSQL keeps); the code key is the file number itself.
/// </summary>
public sealed record MatterCursor(char Tag, string Key, long Id)
{
    /// <summary>Stands in for "no running clock" in the due order, so those matters come last (the index uses it too).</summary>
    public static readonly DateTime NoDue = new(9999, 12, 31, 0, 0, 0, DateTimeKind.Utc);

    public static char TagOf(string sort) => sort switch
    {
        MatterSort.Oldest => 'o',
        MatterSort.Due => 'd',
        MatterSort.Code => 'c',
        _ => 'n',
    };

    public static MatterCursor Of(MatterListItem item, string sort) => sort switch
    {
        MatterSort.Code => new('c', item.Code, item.Id),
        MatterSort.Due => new('d', Micros(item.DueAt ?? NoDue), item.Id),
        _ => new(TagOf(sort), Micros(item.ReceivedAt), item.Id),
    };

    /// <summary>The key as the SQL parameter its order compares with: a UTC moment, or the code.</summary>
    public object KeyValue => Tag == 'c' ? Key : DateTime.UnixEpoch.AddTicks(long.Parse(Key, CultureInfo.InvariantCulture) * 10);

    public override string ToString() => $"{Tag}{Key}~{Id}";

    /// <summary>The cursor of <paramref name="sort"/> written in <paramref name="text"/>, or null when it is not one.</summary>
    public static MatterCursor? Parse(string? text, string sort)
    {
        if (string.IsNullOrEmpty(text) || text[0] != TagOf(sort))
        {
            return null;
        }

        var split = text.LastIndexOf('~');
        if (split < 2 || !long.TryParse(text.AsSpan(split + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            return null;
        }

        var key = text[1..split];
        var valid = text[0] == 'c'
            ? key.Length <= 40 && key.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')
            : long.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var micros) && micros <= MaxMicros;
        return valid ? new MatterCursor(text[0], key, id) : null;
    }

    /// <summary><see cref="NoDue"/> in microseconds: no time key is later.</summary>
    const long MaxMicros = 253_402_214_400_000_000;

    static string Micros(DateTime utc) =>
        ((ChinaTime.Utc(utc).UtcDateTime - DateTime.UnixEpoch).Ticks / 10).ToString(CultureInfo.InvariantCulture);
}

/// <summary>The list's query string as typed or bookmarked, every value still text: nothing here is trusted yet.</summary>
public sealed record MatterListArgs(string? Status = null, string? Code = null, string? Name = null, string? Petitioner = null,
    string? Unit = null, string? From = null, string? To = null, string? Sort = null, string? Page = null, string? After = null, string? Before = null);

/// <summary>
/// What the list shows: filters (status, file-number prefix, petitioner by name or by the id the ID-number lookup
/// found, responsible unit, received between two Beijing days), the order, and where to start — a cursor either way,
/// a page number to jump to, or the last page.
/// </summary>
public sealed record MatterFilter
{
    public string? Status { get; init; }
    public string? Code { get; init; }
    public string? PetitionerName { get; init; }
    public long? PetitionerId { get; init; }
    public int? UnitId { get; init; }
    public DateOnly? From { get; init; }
    public DateOnly? To { get; init; }
    public string Sort { get; init; } = MatterSort.Newest;
    public MatterCursor? After { get; init; }
    public MatterCursor? Before { get; init; }

    /// <summary>With no cursor: the page to jump to. With a cursor: only the number of the page it leads to, for display.</summary>
    public int? Page { get; init; }

    public bool Last { get; init; }

    /// <summary>
    /// Reads the query string. A value that cannot be used never fails the page: it is left out, and the note says what
    /// was shown instead, so a mistyped bookmark still lands on a working list.
    /// </summary>
    public static (MatterFilter Filter, IReadOnlyList<string> Notes) Parse(MatterListArgs args)
    {
        var notes = new List<string>();
        var sort = MatterSort.Newest;
        if (!string.IsNullOrWhiteSpace(args.Sort))
        {
            if (MatterSort.Labels.Contains(args.Sort.Trim()))
            {
                sort = args.Sort.Trim();
            }
            else
            {
                notes.Add($"排序方式“{Echo(args.Sort)}”无效，已按{MatterSort.Labels.Label(MatterSort.Newest)}排列。");
            }
        }

        string? status = null;
        if (!string.IsNullOrWhiteSpace(args.Status))
        {
            if (MatterStatus.Labels.Contains(args.Status.Trim()))
            {
                status = args.Status.Trim();
            }
            else
            {
                notes.Add($"状态“{Echo(args.Status)}”无效，已显示全部状态。");
            }
        }

        var code = CodePrefix(args.Code);
        var name = string.IsNullOrWhiteSpace(args.Name) ? null : args.Name.Trim();
        if (name is { Length: > TextLimits.Name })
        {
            notes.Add($"来访人姓名不超过 {TextLimits.Name} 个字，未按姓名查询。");
            name = null;
        }

        long? petitioner = null;
        if (!string.IsNullOrWhiteSpace(args.Petitioner))
        {
            if (long.TryParse(args.Petitioner, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0)
            {
                petitioner = id;
            }
            else
            {
                notes.Add("来访人条件无效，未按身份证号码查询。");
            }
        }

        int? unit = null;
        if (!string.IsNullOrWhiteSpace(args.Unit))
        {
            if (int.TryParse(args.Unit, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0)
            {
                unit = id;
            }
            else
            {
                notes.Add("责任单位无效，已显示全部单位。");
            }
        }

        var from = Day(args.From, "起始", notes);
        var to = Day(args.To, "截止", notes);
        if (from > to)
        {
            notes.Add($"起始日期 {from:yyyy-MM-dd} 晚于截止日期 {to:yyyy-MM-dd}，已按 {to:yyyy-MM-dd} 至 {from:yyyy-MM-dd} 查询。");
            (from, to) = (to, from);
        }

        var after = string.IsNullOrEmpty(args.After) ? null : MatterCursor.Parse(args.After, sort);
        var before = after is not null || string.IsNullOrEmpty(args.Before) ? null : MatterCursor.Parse(args.Before, sort);
        if ((!string.IsNullOrEmpty(args.After) && after is null) || (after is null && !string.IsNullOrEmpty(args.Before) && before is null))
        {
            notes.Add("翻页位置无效（可能是旧的链接或改了排序），已从第 1 页显示。");
        }

        int? page = null;
        var last = false;
        if (!string.IsNullOrWhiteSpace(args.Page))
        {
            if (args.Page.Trim() == "last")
            {
                last = after is null && before is null;
            }
            else if (int.TryParse(args.Page, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number >= 1)
            {
                page = number;
            }
            else if (after is null && before is null)
            {
                notes.Add($"页码“{Echo(args.Page)}”无效，已显示第 1 页。");
            }
        }

        return (new MatterFilter
        {
            Status = status, Code = code, PetitionerName = name, PetitionerId = petitioner, UnitId = unit, From = from, To = to,
            Sort = sort, After = after, Before = before, Page = page, Last = last,
        }, notes);
    }

    /// <summary>
    /// The filters and the order as query-string pairs (never the position): what every link of the list carries, so a
    /// value dropped by <see cref="Parse"/> is not carried on.
    /// </summary>
    public IEnumerable<KeyValuePair<string, string>> QueryValues()
    {
        if (Status is not null)
        {
            yield return new("status", Status);
        }

        if (Code is not null)
        {
            yield return new("code", Code);
        }

        if (PetitionerName is not null)
        {
            yield return new("name", PetitionerName);
        }

        if (PetitionerId is { } petitioner)
        {
            yield return new("petitioner", petitioner.ToString(CultureInfo.InvariantCulture));
        }

        if (UnitId is { } unit)
        {
            yield return new("unit", unit.ToString(CultureInfo.InvariantCulture));
        }

        if (From is { } from)
        {
            yield return new("from", from.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        }

        if (To is { } to)
        {
            yield return new("to", to.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        }

        if (Sort != MatterSort.Newest)
        {
            yield return new("sort", Sort);
        }
    }

    /// <summary>A file-number prefix as typed, upper case, wildcards stripped: the search is a prefix, never a pattern.</summary>
    public static string? CodePrefix(string? text) => string.IsNullOrWhiteSpace(text)
        ? null
        : text.Trim().ToUpperInvariant().Replace("%", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal);

    static DateOnly? Day(string? text, string which, List<string> notes)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (DateOnly.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) && day.Year is >= 2000 and <= 2100)
        {
            return day;
        }

        notes.Add($"{which}日期“{Echo(text)}”无效（应为 年-月-日，如 2026-03-01），未按该日期筛选。");
        return null;
    }

    /// <summary>A typed value repeated in a message, cut short: enough to recognise, never a wall of pasted text.</summary>
    static string Echo(string text) => text.Trim() is { Length: > 20 } typed ? typed[..20] + "…" : text.Trim();
}

/// <summary>
/// One page of a list with cursors to the pages on either side (keyset paging, so a page deep in the history costs
/// what the first does), the page's number when it is known, how far a page number can jump, and what was adjusted.
/// </summary>
public sealed record MatterPage(IReadOnlyList<MatterListItem> Items, int Total, string? Previous, string? Next,
    int? Number, int JumpablePages, IReadOnlyList<string> Notes)
{
    /// <summary>Counting stops here: "10000 件以上" is as useful to a reader as the exact figure, and stays cheap.</summary>
    public const int CountLimit = 10_000;

    public static MatterPage Empty { get; } = new([], 0, null, null, 1, 1, []);

    public bool TotalCapped => Total > CountLimit;

    public string TotalText => TotalCapped ? $"{CountLimit} 件以上" : $"{Total} 件";
}
