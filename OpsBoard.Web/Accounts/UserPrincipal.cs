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

    public static ClaimsPrincipal Create(AppUser user)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, user.Id.ToString(CultureInfo.InvariantCulture)),
            new(ClaimTypes.Name, user.DisplayName),
            new(CenterClaim, user.CenterId.ToString(CultureInfo.InvariantCulture)),
            new(StampClaim, user.SecurityStamp.ToString()),
        };
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
