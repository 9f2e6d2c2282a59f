namespace OpsBoard.Data;

/// <summary>
/// How long free text may be, checked in the data layer whatever the page allowed: a person's name, a one-line reason,
/// a matter's summary. Longer input is refused with the field's name and its limit, never cut silently.
/// </summary>
public static class TextLimits
{
    public const int Name = 40;
    public const int Reason = 500;
    public const int Summary = 2000;

    /// <summary>The message for a text over its limit, for forms that collect every problem before refusing; null when it fits.</summary>
    public static string? TooLong(string? text, string field, int max) =>
        text?.Trim() is { } trimmed && trimmed.Length > max ? $"{field}不超过 {max} 个字（现为 {trimmed.Length} 个字）" : null;

    /// <summary>The trimmed text, or a refusal naming the field when it is missing (if required) or too long.</summary>
    public static string Check(string? text, string field, int max, bool required = true)
    {
        var trimmed = text?.Trim() ?? "";
        if (required && trimmed.Length == 0)
        {
            throw new RefusedException($"请填写{field}。");
        }

        if (trimmed.Length > max)
        {
            throw new RefusedException($"{field}不超过 {max} 个字（现为 {trimmed.Length} 个字）。");
        }

        return trimmed;
    }
}
