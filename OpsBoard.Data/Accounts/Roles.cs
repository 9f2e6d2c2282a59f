namespace OpsBoard.Data.Accounts;

/// <summary>The roles a user can hold; <c>user_role.role</c>. Unit roles are held for one unit each.</summary>
public static class Roles
{
    public const string Director = "director";
    public const string DutyLeader = "duty_leader";
    public const string Clerk = "clerk";
    public const string UnitOfficer = "unit_officer";
    public const string UnitLeader = "unit_leader";
    public const string Statistician = "statistician";
    public const string Admin = "admin";
    public const string Auditor = "auditor";

    public static CodeSet Labels { get; } = new(
        (Director, "中心主任"), (DutyLeader, "带班领导"), (Clerk, "登记及窗口人员"), (UnitOfficer, "责任单位经办人"),
        (UnitLeader, "责任单位分管领导"), (Statistician, "统计员"), (Admin, "系统管理员"),
        (Auditor, "审计员"));

    public static IReadOnlyList<string> All => Labels.Codes;

    public static bool IsUnitScoped(string role) => role is UnitOfficer or UnitLeader;

    public static string DisplayName(string role) => Labels.Label(role);

    /// <summary>
    /// Roles whose account must sign in with a second factor (outside demo mode): the admin holds every setting and
    /// device token, the director reopens closed months and sees every file.
    /// </summary>
    public static bool RequiresTwoFactor(string role) => role is Admin or Director;
}

public sealed record UserRole(string Role, int? UnitId, string? UnitName);

public sealed record AppUser(int Id, int CenterId, string Login, string DisplayName, Guid SecurityStamp, IReadOnlyList<UserRole> Roles)
{
    public bool MustChangePassword { get; init; }

    public bool TwoFactorEnabled { get; init; }

    public bool RequiresTwoFactor => Roles.Any(r => Accounts.Roles.RequiresTwoFactor(r.Role));
}
