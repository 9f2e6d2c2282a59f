using OpsBoard.Data.Accounts;
using OpsBoard.Data.Audit;
using OpsBoard.Data.Screens;
using OpsBoard.Web.Accounts;

namespace OpsBoard.Web.Live;

/// <summary>
/// Who may look at a screen page (wall display, hall screen) and its fragments: a device token in the query string,
/// or a signed-in user the permission matrix lets view the wall. Unit roles never see the whole center.
/// </summary>
public static class ScreenAccess
{
    public static async Task<int?> CenterIdAsync(HttpContext http)
    {
        var user = http.User;
        if (user.Identity?.IsAuthenticated == true && UserPrincipal.Actor(user).Holds(Permission.ViewWall))
        {
            return UserPrincipal.CenterId(user);
        }

        var token = http.Request.Query["device"].ToString();
        if (token.Length == 0)
        {
            return null;
        }

        var device = await http.RequestServices.GetRequiredService<DeviceTokens>().ValidateAsync(token, http.RequestAborted);
        if (device is null)
        {
            await AuditLog.WriteAsync(http.RequestServices.GetRequiredService<Npgsql.NpgsqlDataSource>(),
                new AuditEntry("device.refused", Outcome: "refused", Detail: new { path = http.Request.Path.Value }, RemoteIp: http.Connection.RemoteIpAddress));
        }

        return device?.CenterId;
    }
}
