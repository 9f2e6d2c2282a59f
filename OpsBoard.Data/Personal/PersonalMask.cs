namespace OpsBoard.Data.Personal;

/// <summary>
/// How personal data reads to someone who may not see it in clear: enough to tell two people apart on a list, not
/// enough to call or find them. The one place that masks; who sees masked values is the matrix's
/// <see cref="Accounts.Permission.ViewPetitionerContact"/>.
/// </summary>
public static class PersonalMask
{
    /// <summary>张*明 — surname and last character kept; a two-character name keeps its surname only (张*).</summary>
    public static string Name(string name)
    {
        var text = name.Trim();
        return text.Length switch
        {
            0 => "",
            1 => "*",
            2 => $"{text[0]}*",
            _ => $"{text[0]}{new string('*', text.Length - 2)}{text[^1]}",
        };
    }

    /// <summary>138****5678 — the carrier prefix and the last four digits, as banks and couriers print them.</summary>
    public static string? Phone(string? phone)
    {
        if (string.IsNullOrWhiteSpace(phone))
        {
            return null;
        }

        var text = phone.Trim();
        return text.Length >= 8
            ? $"{text[..3]}{new string('*', text.Length - 7)}{text[^4..]}"
            : $"{new string('*', Math.Max(0, text.Length - 2))}{text[^Math.Min(2, text.Length)..]}";
    }

    /// <summary>3301**********1234 — province and city, and the last four characters; birth date and serial hidden.</summary>
    public static string IdNumber(ChineseIdNumber number) => $"{number.Value[..4]}{new string('*', 10)}{number.Value[^4..]}";
}
