using System.Globalization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using OpsBoard.Data;
using OpsBoard.Data.Accounts;

namespace OpsBoard.Web.Accounts;

/// <summary>
/// The steps of signing in after the password: the second factor when the account has one (a short-lived protected
/// ticket carries the user between the two forms, nothing is signed in before the code), then the session row and the
/// cookie, and the page the person must see first (a forced password change, a forced two-factor enrolment).
/// </summary>
public sealed class SignInFlow(SessionStore sessions, UserStore users, IDataProtectionProvider protection, IOptions<OpsBoardOptions> options, TimeProvider time)
{
    public static readonly TimeSpan CodeStepLifetime = TimeSpan.FromMinutes(5);

    readonly ITimeLimitedDataProtector tickets = protection.CreateProtector("OpsBoard.Accounts.SecondFactor.v1").ToTimeLimitedDataProtector();

    /// <summary>Two-factor sign-in is required of admins and directors, except in demo mode, whose accounts are public anyway.</summary>
    public bool TwoFactorRequired => !options.Value.SeedDemo;

    public bool DemoMode => options.Value.SeedDemo;

    public string TicketFor(AppUser user) =>
        tickets.Protect(string.Create(CultureInfo.InvariantCulture, $"{user.Id}:{user.SecurityStamp}"), time.GetUtcNow() + CodeStepLifetime);

    /// <summary>The account a ticket names, if the ticket is genuine, young, and the account unchanged since.</summary>
    public async Task<AppUser?> UserOfTicketAsync(string? ticket, CancellationToken cancellationToken)
    {
        string text;
        try
        {
            text = tickets.Unprotect(ticket ?? "", out _);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }

        var parts = text.Split(':');
        if (parts.Length != 2 || !int.TryParse(parts[0], CultureInfo.InvariantCulture, out var id))
        {
            return null;
        }

        var user = await users.FindAsync(id, cancellationToken);
        return user is not null && user.SecurityStamp.ToString() == parts[1] ? user : null;
    }

    /// <summary>Starts the session and sets the cookie; returns where the person must go first, or null for their page.</summary>
    public async Task<string?> CompleteAsync(HttpContext http, AppUser user)
    {
        var sessionId = await sessions.StartAsync(user, http.Connection.RemoteIpAddress, http.RequestAborted);
        var principal = UserPrincipal.Create(user, sessionId, TwoFactorRequired);
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, principal);
        return PendingPage(UserPrincipal.Pending(principal));
    }

    /// <summary>After the person's own change (password, enrolment): the same session, the account's fresh state.</summary>
    public async Task RefreshAsync(HttpContext http)
    {
        var id = UserPrincipal.UserId(http.User)!.Value;
        var sessionId = UserPrincipal.SessionId(http.User)!.Value;
        var user = await users.FindAsync(id, http.RequestAborted) ?? throw new InvalidOperationException("The account is gone");
        sessions.Forget(sessionId);
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, UserPrincipal.Create(user, sessionId, TwoFactorRequired));
    }

    public static string? PendingPage(string? pending) => pending switch
    {
        UserPrincipal.PendingPassword => "/account/password",
        UserPrincipal.PendingTwoFactor => "/account/two-factor",
        _ => null,
    };
}
