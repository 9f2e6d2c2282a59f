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

    /// <summary>The user as the matter lifecycle sees them: center-wide, or scoped to units (and leading some).</summary>
    public static OpsBoard.Data.Matters.Actor Actor(ClaimsPrincipal principal)
    {
        var officer = UnitsFor(principal, Roles.UnitOfficer);
        var leader = UnitsFor(principal, Roles.UnitLeader);
        var centerWide = Roles.All.Any(r => !Roles.IsUnitScoped(r) && principal.IsInRole(r));
        return new OpsBoard.Data.Matters.Actor(UserId(principal)!.Value, CenterId(principal), centerWide, [.. officer.Union(leader)], leader);
    }

    /// <summary>Units the user may act for in the given unit role.</summary>
    public static IReadOnlyList<int> UnitsFor(ClaimsPrincipal principal, string role) =>
        [.. principal.FindAll(UnitClaim)
            .Select(c => c.Value.Split(':'))
            .Where(p => p[0] == role)
            .Select(p => int.Parse(p[1], CultureInfo.InvariantCulture))];
}
