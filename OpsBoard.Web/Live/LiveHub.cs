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
public sealed class LiveHub(DeviceTokens devices, LiveListener listener, Npgsql.NpgsqlDataSource dataSource, ILogger<LiveHub> logger) : Hub
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

    async Task<IReadOnlyList<string>> GroupsForAsync(ClaimsPrincipal? user, HttpContext? http)
    {
        if (user?.Identity?.IsAuthenticated == true)
        {
            var centerId = UserPrincipal.CenterId(user);
            var groups = new List<string>();
            if (Roles.All.Any(r => !Roles.IsUnitScoped(r) && user.IsInRole(r)))
            {
                groups.Add(LiveGroups.Center(centerId));
            }

            groups.AddRange(UserPrincipal.UnitsFor(user, Roles.UnitOfficer)
                .Concat(UserPrincipal.UnitsFor(user, Roles.UnitLeader))
                .Distinct()
                .Select(LiveGroups.Unit));
            return groups;
        }

        var token = http?.Request.Query["device"].ToString();
        if (string.IsNullOrEmpty(token))
        {
            return [];
        }

        var device = await devices.ValidateAsync(token);
        return device is null ? [] : [LiveGroups.Screen(device.CenterId)];
    }
}
