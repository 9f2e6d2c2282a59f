using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Caching.Memory;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Postgres;
using OpsBoard.Web.Accounts;

namespace OpsBoard.Web.Security;

/// <summary>
/// Roles and unit scope come from the database, not from the cookie: a cookie only says who the user is. Anyone able to
/// mint a cookie (a stolen key ring) could write any role into it; and a role taken away applies within
/// <see cref="CacheFor"/>, not at the next sign-in. Read once per user per few seconds, so a page's burst of requests
/// (page, fragments, hub) costs one query.
/// </summary>
public sealed class CurrentRoles(UserStore users, IMemoryCache cache, ILogger<CurrentRoles> logger) : IClaimsTransformation
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(15);

    public async Task<ClaimsPrincipal> TransformAsync(ClaimsPrincipal principal)
    {
        if (principal.Identity?.IsAuthenticated != true || UserPrincipal.UserId(principal) is not { } id || principal.HasClaim(FromDatabase, "1"))
        {
            return principal;
        }

        AppUser? user;
        try
        {
            user = await cache.GetOrCreateAsync(("roles", id), entry =>
            {
                entry.AbsoluteExpirationRelativeToNow = CacheFor;
                return users.FindAsync(id);
            });
        }
        catch (Exception e) when (DatabaseOutage.Is(e))
        {
            // Nothing can be read or changed without the database anyway; the request fails on its own query.
            return principal;
        }

        var identity = new ClaimsIdentity(
            principal.Claims.Where(c => c.Type is not (ClaimTypes.Role or UserPrincipal.UnitClaim or UserPrincipal.CenterClaim)),
            principal.Identity.AuthenticationType);
        identity.AddClaim(new Claim(FromDatabase, "1"));
        if (user is null)
        {
            logger.LogInformation("User {Id} has a session but no active account: no roles", id);
            return new ClaimsPrincipal(identity);
        }

        identity.AddClaim(new Claim(UserPrincipal.CenterClaim, user.CenterId.ToString(CultureInfo.InvariantCulture)));
        var fresh = UserPrincipal.Create(user, sessionId: Guid.Empty, twoFactorRequired: false); // only its role and unit claims are taken
        identity.AddClaims(fresh.Claims.Where(c => c.Type is ClaimTypes.Role or UserPrincipal.UnitClaim));
        return new ClaimsPrincipal(identity);
    }

    /// <summary>Marks a principal already read from the database: the transformation may run more than once per request.</summary>
    const string FromDatabase = "opsboard:roles-from-db";
}
