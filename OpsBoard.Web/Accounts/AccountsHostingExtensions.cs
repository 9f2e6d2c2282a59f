using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Postgres;

namespace OpsBoard.Web.Accounts;

public static class AccountsHostingExtensions
{
    public static WebApplicationBuilder AddOpsBoardAccounts(this WebApplicationBuilder builder)
    {
        builder.Services.AddDataProtection().SetApplicationName("OpsBoard");
        builder.Services.AddOptions<KeyManagementOptions>()
            .Configure<IServiceProvider>((options, services) => options.XmlRepository = new DatabaseKeyRepository(services.GetRequiredService<Npgsql.NpgsqlDataSource>()));

        builder.Services
            .AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(options =>
            {
                options.Cookie.Name = "opsboard.auth";
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Lax;
                options.LoginPath = "/account/login";
                options.LogoutPath = "/account/logout";
                options.AccessDeniedPath = "/account/denied";
                options.ExpireTimeSpan = TimeSpan.FromHours(10);
                options.SlidingExpiration = true;
                options.Events.OnValidatePrincipal = RevalidateAsync;
            });

        // Every page needs a signed-in user with a role; pages narrow it further with [May(Permission.…)], one policy
        // per row of the permission matrix, so a page and the data layer read the same row.
        var authorization = builder.Services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireRole(Roles.All).Build());
        foreach (var grant in Permissions.Matrix)
        {
            authorization.AddPolicy(Permissions.Policy(grant.Permission), policy => policy.RequireRole(grant.Roles));
        }

        builder.Services.AddCascadingAuthenticationState();
        return builder;
    }

    /// <summary>
    /// A disabled account, or one whose password or roles changed, loses its sessions at the next request.
    /// While the database is down the session is kept unchecked for that request: nothing can be read or changed
    /// without the database anyway, and signing everyone out would throw away the forms they are about to resubmit.
    /// </summary>
    static async Task RevalidateAsync(CookieValidatePrincipalContext context)
    {
        var users = context.HttpContext.RequestServices.GetRequiredService<UserStore>();
        var id = UserPrincipal.UserId(context.Principal);
        AppUser? user;
        try
        {
            user = id is null ? null : await users.FindAsync(id.Value, context.HttpContext.RequestAborted);
        }
        catch (Exception e) when (DatabaseOutage.Is(e))
        {
            return;
        }

        if (user is null || user.SecurityStamp.ToString() != context.Principal?.FindFirstValue(UserPrincipal.StampClaim))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        }
    }
}
