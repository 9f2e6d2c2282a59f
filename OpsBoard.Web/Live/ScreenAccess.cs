using OpsBoard.Data.Accounts;
using OpsBoard.Data.Audit;
using OpsBoard.Data.Screens;
using OpsBoard.Web.Accounts;

namespace OpsBoard.Web.Live;

/// <summary>Who is looking at a screen: its center, and the device whose token opened it (none for a signed-in user).</summary>
public sealed record ScreenViewer(int CenterId, int? DeviceId);

/// <summary>
/// Who may look at a screen page (wall display, hall screen), its fragments and its live connection: a device token in
/// the query string, or a signed-in user the permission matrix lets view the wall. Unit roles never see the whole center.
/// </summary>
public static class ScreenAccess
{
    /// <summary>The viewer, or null when neither a valid token nor a permitted sign-in is presented.</summary>
    /// <param name="screen">The kind of screen asked for (<see cref="ScreenKinds"/>): a token opens only its own kind.</param>
    public static async Task<ScreenViewer?> ViewerAsync(HttpContext http, string screen)
    {
        var token = http.Request.Query["device"].ToString();
        if (token.Length > 0)
        {
            var device = await http.RequestServices.GetRequiredService<DeviceTokens>().ValidateAsync(token, screen, http.RequestAborted);
            return device is null ? null : new ScreenViewer(device.CenterId, device.Id);
        }

        var user = http.User;
        return user.Identity?.IsAuthenticated == true && UserPrincipal.Actor(user).Holds(Permission.ViewWall)
            ? new ScreenViewer(UserPrincipal.CenterId(user), null)
            : null;
    }

    /// <summary>The center a screen page or fragment shows; a refused token is audited.</summary>
    public static async Task<int?> CenterIdAsync(HttpContext http, string screen)
    {
        var viewer = await ViewerAsync(http, screen);
        if (viewer is null && http.Request.Query["device"].ToString().Length > 0)
        {
            await AuditLog.WriteAsync(http.RequestServices.GetRequiredService<Npgsql.NpgsqlDataSource>(),
                new AuditEntry("device.refused", Outcome: "refused", Detail: new { path = http.Request.Path.Value, screen }, RemoteIp: http.Connection.RemoteIpAddress));
        }

        return viewer?.CenterId;
    }
}
