namespace OpsBoard.Data;

/// <summary>
/// A closed set of codes stored as text, each with the one Chinese label a user sees. Every state and kind the user
/// meets (ticket state, matter status, clock kind, role …) is one of these, declared once beside its constants.
/// </summary>
public sealed class CodeSet
{
    readonly Dictionary<string, string> labels;

    public CodeSet(params (string Code, string Label)[] entries)
    {
        labels = entries.ToDictionary(e => e.Code, e => e.Label, StringComparer.Ordinal);
        Codes = [.. entries.Select(e => e.Code)];
    }

    public IReadOnlyList<string> Codes { get; }

    public bool Contains(string? code) => code is not null && labels.ContainsKey(code);

    /// <summary>The label of a code; a code outside the set (a database older than this build) shows as 未知, never as English.</summary>
    public string Label(string? code) => code is not null && labels.TryGetValue(code, out var label) ? label : "未知";
}
