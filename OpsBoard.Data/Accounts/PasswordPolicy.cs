namespace OpsBoard.Data.Accounts;

/// <summary>
/// What a chosen password must be: long enough, not the login, and not on the list of common passwords shipped in
/// <c>common-passwords.txt</c> (the first guesses of any attacker, the demo password included). Length over
/// composition rules, as NIST SP 800-63B advises.
/// </summary>
public static class PasswordPolicy
{
    public const int MinLength = 10;
    public const int MaxLength = 128;

    static readonly Lazy<HashSet<string>> Common = new(Load);

    public static bool IsCommon(string password) => Common.Value.Contains(password.Trim());

    /// <summary>The reason in Chinese why the password is refused, or null when it may be used.</summary>
    public static string? Problem(string? password, string login)
    {
        if (string.IsNullOrEmpty(password))
        {
            return "请输入新密码。";
        }

        if (password.Length < MinLength)
        {
            return $"新密码至少 {MinLength} 个字符。";
        }

        if (password.Length > MaxLength)
        {
            return $"新密码不能超过 {MaxLength} 个字符。";
        }

        if (string.Equals(password.Trim(), login.Trim(), StringComparison.OrdinalIgnoreCase))
        {
            return "新密码不能与用户名相同。";
        }

        if (IsCommon(password) || password.Distinct().Count() <= 2)
        {
            return "该密码过于常见，容易被猜中，请换一个。";
        }

        return null;
    }

    static HashSet<string> Load()
    {
        using var stream = typeof(PasswordPolicy).Assembly.GetManifestResourceStream("accounts/common-passwords.txt")
            ?? throw new InvalidOperationException("common-passwords.txt is not embedded");
        using var reader = new StreamReader(stream);
        var set = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0 && !line.StartsWith('#'))
            {
                set.Add(line.Trim());
            }
        }

        return set;
    }
}
