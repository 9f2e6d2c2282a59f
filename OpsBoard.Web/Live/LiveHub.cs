using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Audit;
using OpsBoard.Data.Live;
using OpsBoard.Data.Screens;
using OpsBoard.Web.Accounts;

namespace OpsBoard.Web.Live;

/// <summary>
/// <c>/hubs/live</c>. The endpoint admits anyone so that unattended screens can connect with a device token instead
/// of a login; membership is decided here: a signed-in role joins its center or its units, a valid device token joins
/// its center's screen group, anything else is refused, logged and disconnected.
/// </summary>
[AllowAnonymous]
public sealed class LiveHub(LiveListener listener, Npgsql.NpgsqlDataSource dataSource, ILogger<LiveHub> logger) : Hub
{
    public const string Path = "/hubs/live";

    public override async Task OnConnectedAsync()
    {
        var groups = await GroupsForAsync(Context.User, Context.GetHttpContext());
        if (groups.Count == 0)
        {
            var http = Context.GetHttpContext();
            logger.LogWarning("Refused a live connection without a role or a valid device token from {Ip}", http?.Connection.RemoteIpAddress);
            await AuditLog.WriteAsync(dataSource, new AuditEntry("live.connect", Outcome: "refused", RemoteIp: http?.Connection.RemoteIpAddress));
            Context.Abort();
            return;
        }

        foreach (var group in groups)
        {
            await Groups.AddToGroupAsync(Context.ConnectionId, group);
        }

        await base.OnConnectedAsync();
    }

    /// <summary>
    /// Called by a screen after (re)connecting with the last event id it applied. The answer is the newest id this
    /// node has read; when it is larger, the screen missed something and refreshes every region.
    /// </summary>
    public long Resume(long lastEventId) => Math.Max(listener.HighWaterMark, 0);

    /// <summary>
    /// A screen page (<c>?screen=1</c>, or a device token, with <c>kind=wall|hall</c>) joins its center's screen group — pushed regions, or with
    /// <c>push=0</c> the names to fetch — and nothing else; a staff page joins its center (center roles) or its units.
    /// </summary>
    async Task<IReadOnlyList<string>> GroupsForAsync(ClaimsPrincipal? user, HttpContext? http)
    {
        var query = http?.Request.Query;
        var token = query?["device"].ToString();
        var screen = !string.IsNullOrEmpty(token) || query?["screen"].ToString() == "1";
        var push = query?["push"].ToString() != "0";
        // Which screen the page is; a token opens only its own kind, and a hall screen is pushed only the hall's region.
        var kind = query?["kind"].ToString() is { Length: > 0 } asked ? asked : ScreenKinds.Wall;
        if (screen)
        {
            if (http is null || !ScreenKinds.All.Contains(kind) || await ScreenAccess.ViewerAsync(http, kind) is not { } viewer)
            {
                return [];
            }

            var group = push ? LiveGroups.PushedScreen(viewer.CenterId, kind) : LiveGroups.Screen(viewer.CenterId);
            // A device also joins its own group, so a revocation reaches exactly the screens that hold its token.
            return viewer.DeviceId is { } deviceId ? [group, LiveGroups.Device(deviceId)] : [group];
        }

        if (user?.Identity?.IsAuthenticated != true)
        {
            return [];
        }

        var actor = UserPrincipal.Actor(user);
        // Its session's and its account's own groups: signing out or an admin's change closes exactly these connections.
        var groups = new List<string> { LiveGroups.User(actor.UserId) };
        if (UserPrincipal.SessionId(user) is { } sessionId)
        {
            groups.Add(LiveGroups.Session(sessionId));
        }

        if (actor.Roles.Any(r => r.UnitId is null))
        {
            groups.Add(LiveGroups.Center(actor.CenterId));
        }

        groups.AddRange(actor.Units.Select(LiveGroups.Unit));
        return groups;
    }
}
