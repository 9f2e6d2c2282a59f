namespace OpsBoard.Data.Personal;

/// <summary>An 18-character resident identity number (GB 11643-1999), validated by its check character.</summary>
public readonly record struct ChineseIdNumber
{
    // GB 11643: weights of positions 1–17; the weighted sum mod 11 indexes the check character.
    static readonly int[] Weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const string CheckCharacters = "10X98765432";

    ChineseIdNumber(string value) => Value = value;

    public string Value { get; }

    public DateOnly BirthDate => DateOnly.ParseExact(Value.AsSpan(6, 8), "yyyyMMdd");

    /// <summary>The 17th character is odd for men, even for women.</summary>
    public string Gender => (Value[16] - '0') % 2 == 1 ? "M" : "F";

    public string Tail => Value[^4..];

    public override string ToString() => Value;

    public static bool TryParse(string? text, out ChineseIdNumber number, out string error)
    {
        number = default;
        var value = (text ?? "").Trim().ToUpperInvariant();
        if (value.Length != 18)
        {
            error = "身份证号码应为18位";
            return false;
        }

        for (var i = 0; i < 17; i++)
        {
            if (!char.IsAsciiDigit(value[i]))
            {
                error = "身份证号码前17位应为数字";
                return false;
            }
        }

        if (!DateOnly.TryParseExact(value.AsSpan(6, 8), "yyyyMMdd", out var birth) || birth.Year < 1900)
        {
            error = "身份证号码中的出生日期无效";
            return false;
        }

        if (value[17] != CheckCharacterOf(value.AsSpan(0, 17)))
        {
            error = "身份证号码校验位不正确，请核对后重新输入";
            return false;
        }

        number = new ChineseIdNumber(value);
        error = "";
        return true;
    }

    public static ChineseIdNumber Parse(string text) =>
        TryParse(text, out var number, out var error) ? number : throw new FormatException(error);

    public static char CheckCharacterOf(ReadOnlySpan<char> first17)
    {
        var sum = 0;
        for (var i = 0; i < 17; i++)
        {
            sum += (first17[i] - '0') * Weights[i];
        }

        return CheckCharacters[sum % 11];
    }
}
