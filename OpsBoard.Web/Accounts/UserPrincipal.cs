using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.Cookies;
using OpsBoard.Data.Accounts;

namespace OpsBoard.Web.Accounts;

/// <summary>The claims a signed-in user carries: id, center, roles and the units each unit role is scoped to.</summary>
public static class UserPrincipal
{
    public const string CenterClaim = "opsboard:center";
    public const string StampClaim = "opsboard:stamp";
    public const string UnitClaim = "opsboard:unit";
    public const string SessionClaim = "opsboard:session";

    /// <summary>A step the person must take before anything else: <see cref="PendingPassword"/> or <see cref="PendingTwoFactor"/>.</summary>
    public const string PendingClaim = "opsboard:pending";
    public const string PendingPassword = "password";
    public const string PendingTwoFactor = "two_factor";

    /// <param name="sessionId">The <c>user_session</c> row the cookie stands for.</param>
    /// <param name="twoFactorRequired">Outside demo mode, an admin or director without a second factor must enrol first.</param>
    public static ClaimsPrincipal Create(AppUser user, Guid sessionId, bool twoFactorRequired)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, user.Id.ToString(CultureInfo.InvariantCulture)),
            new(ClaimTypes.Name, user.DisplayName),
            new(CenterClaim, user.CenterId.ToString(CultureInfo.InvariantCulture)),
            new(StampClaim, user.SecurityStamp.ToString()),
            new(SessionClaim, sessionId.ToString()),
        };
        if (user.MustChangePassword)
        {
            claims.Add(new Claim(PendingClaim, PendingPassword));
        }
        else if (twoFactorRequired && user.RequiresTwoFactor && !user.TwoFactorEnabled)
        {
            claims.Add(new Claim(PendingClaim, PendingTwoFactor));
        }

        foreach (var role in user.Roles.Select(r => r.Role).Distinct())
        {
            claims.Add(new Claim(ClaimTypes.Role, role));
        }

        foreach (var scoped in user.Roles.Where(r => r.UnitId is not null))
        {
            claims.Add(new Claim(UnitClaim, $"{scoped.Role}:{scoped.UnitId}"));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, CookieAuthenticationDefaults.AuthenticationScheme));
    }

    public static Guid? SessionId(ClaimsPrincipal? principal) =>
        Guid.TryParse(principal?.FindFirstValue(SessionClaim), out var id) ? id : null;

    public static Guid? Stamp(ClaimsPrincipal? principal) =>
        Guid.TryParse(principal?.FindFirstValue(StampClaim), out var stamp) ? stamp : null;

    public static string? Pending(ClaimsPrincipal? principal) => principal?.FindFirstValue(PendingClaim);

    public static int? UserId(ClaimsPrincipal? principal) =>
        int.TryParse(principal?.FindFirstValue(ClaimTypes.NameIdentifier), CultureInfo.InvariantCulture, out var id) ? id : null;

    public static int CenterId(ClaimsPrincipal principal) =>
        int.Parse(principal.FindFirstValue(CenterClaim) ?? throw new InvalidOperationException("No center claim"), CultureInfo.InvariantCulture);

    /// <summary>The user as the domain sees them: each role, for the whole center or for one unit.</summary>
    public static Actor Actor(ClaimsPrincipal principal)
    {
        var unitRoles = principal.FindAll(UnitClaim)
            .Select(c => c.Value.Split(':'))
            .Select(p => new UserRole(p[0], int.Parse(p[1], CultureInfo.InvariantCulture), null));
        var centerRoles = principal.FindAll(ClaimTypes.Role)
            .Select(c => c.Value)
            .Where(r => !Roles.IsUnitScoped(r))
            .Select(r => new UserRole(r, null, null));
        return new Actor(UserId(principal)!.Value, CenterId(principal), [.. centerRoles, .. unitRoles]);
    }

    /// <summary>Units the user may act for in the given unit role.</summary>
    public static IReadOnlyList<int> UnitsFor(ClaimsPrincipal principal, string role) =>
        [.. principal.FindAll(UnitClaim)
            .Select(c => c.Value.Split(':'))
            .Where(p => p[0] == role)
            .Select(p => int.Parse(p[1], CultureInfo.InvariantCulture))];
}
