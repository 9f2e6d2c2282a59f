using Microsoft.AspNetCore.SignalR;
using System.Text.Json;
using OpsBoard.Data.Calendar;
using OpsBoard.Data.Live;
using OpsBoard.Data.Metrics;
using OpsBoard.Data.Screens;

namespace OpsBoard.Web.Live;

/// <summary>
/// Hands journal events to SignalR groups. The first event after a quiet spell goes out at once; events that arrive
/// while a batch is going out, or within <see cref="BurstWindow"/> after it, are coalesced into the next batch
/// (leading-edge throttling), so a single change is never held back and a burst of fifty registrations costs one
/// render of each region, not fifty. Screen regions are rendered here, once per center, and pushed as HTML to every
/// screen of that center: the work per event does not grow with the number of screens. Staff and unit groups get the
/// names of the changed regions and fetch those that differ per user.
/// </summary>
public sealed class LiveDispatcher(LiveListener listener, IHubContext<LiveHub> hub, RegionRenderer renderer, CalendarStore calendars,
    OpsBoard.Data.Accounts.SessionStore sessions, MetricsQueries metrics, ILogger<LiveDispatcher> logger)
    : BackgroundService
{
    public static readonly TimeSpan BurstWindow = TimeSpan.FromMilliseconds(100);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reader = listener.Events;
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken))
            {
                var batch = new List<LiveEvent>();
                while (reader.TryRead(out var item))
                {
                    batch.Add(item);
                }

                try
                {
                    await DispatchAsync(batch, stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Screens recover by fetching (safety refresh, reconnect); the dispatcher must outlive one bad batch.
                    logger.LogError(e, "Dispatching {Count} live events failed", batch.Count);
                }

                await Task.Delay(BurstWindow, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    async Task DispatchAsync(List<LiveEvent> batch, CancellationToken cancellationToken)
    {
        // A year loaded or corrected on another node: this node's due moments must count the same days.
        if (batch.Any(e => e.Kind is CalendarLoader.LoadedEvent or CalendarLoader.CorrectedEvent))
        {
            await calendars.ReloadAsync(cancellationToken);
        }

        foreach (var revoked in batch.Where(e => e.Kind == DeviceTokens.RevokedEvent))
        {
            if (JsonDocument.Parse(revoked.Payload).RootElement.TryGetProperty("deviceId", out var id))
            {
                await hub.Clients.Group(LiveGroups.Device(id.GetInt32())).SendAsync("revoked", cancellationToken);
            }
        }

        // A session signed out or idle, an account changed by an admin: its open connections are told to go (live.js
        // stops and reloads, which lands on the login page) and this node forgets the cached session.
        foreach (var ended in batch.Where(e => e.Kind is OpsBoard.Data.Accounts.SessionStore.EndedEvent or OpsBoard.Data.Accounts.SessionStore.AccountChangedEvent))
        {
            var payload = JsonDocument.Parse(ended.Payload).RootElement;
            if (payload.TryGetProperty("sessionId", out var sessionId) && sessionId.TryGetGuid(out var sid))
            {
                sessions.Forget(sid);
                await hub.Clients.Group(LiveGroups.Session(sid)).SendAsync("revoked", cancellationToken);
            }
            else if (payload.TryGetProperty("userId", out var userId))
            {
                sessions.ForgetUser(userId.GetInt32());
                await hub.Clients.Group(LiveGroups.User(userId.GetInt32())).SendAsync("revoked", cancellationToken);
            }
        }

        // Everything but the month's KPIs first, so a call never waits on the KPI ledger to reach the hall.
        var routes = Route(batch);
        foreach (var (group, change) in routes)
        {
            var screenCenter = LiveGroups.ScreenCenter(group);
            var first = screenCenter is null ? change : change with { Regions = [.. change.Regions.Where(r => r != LiveRegions.Kpi)] };
            if (screenCenter is null || first.Regions.Count > 0)
            {
                await hub.Clients.Group(group).SendAsync("changed", first, cancellationToken);
            }

            if (screenCenter is { } centerId && first.Regions.Count > 0)
            {
                await PushAsync(centerId, change.LastId, first.Regions, cancellationToken);
            }
        }

        // Then the KPIs: the batch's changes are applied to the KPI ledger once, and only then is the region drawn or
        // fetched, so what the wall shows includes every change of the batch.
        var applied = false;
        foreach (var (group, change) in routes.Where(r => LiveGroups.ScreenCenter(r.Key) is not null && r.Value.Regions.Contains(LiveRegions.Kpi)))
        {
            var centerId = LiveGroups.ScreenCenter(group)!.Value;
            if (!applied)
            {
                await metrics.ApplyChangesAsync(cancellationToken);
                applied = true;
            }

            await hub.Clients.Group(group).SendAsync("changed", change with { Regions = [LiveRegions.Kpi] }, cancellationToken);
            await PushAsync(centerId, change.LastId, [LiveRegions.Kpi], cancellationToken);
        }

        logger.LogDebug("Dispatched {Count} live events", batch.Count);
    }

    /// <summary>Renders regions once for a center and pushes them: the hall its own region, the wall the others.</summary>
    async Task PushAsync(int centerId, long lastId, IReadOnlyList<string> regions, CancellationToken cancellationToken)
    {
        var html = await renderer.RenderScreenRegionsAsync(centerId, regions, cancellationToken);
        foreach (var kind in ScreenKinds.All)
        {
            var part = html.Where(r => (r.Key == LiveRegions.Hall) == (kind == ScreenKinds.Hall)).ToDictionary();
            if (part.Count > 0)
            {
                await hub.Clients.Group(LiveGroups.PushedScreen(centerId, kind)).SendAsync("regions", new LiveRegionsPush(lastId, part), cancellationToken);
            }
        }
    }

    /// <summary>
    /// Staff of the center and its screens hear every center event; a unit hears only events of its own unit.
    /// The message names regions and an id, never personal data, so a screen group can safely receive it.
    /// </summary>
    public static Dictionary<string, LiveChange> Route(IEnumerable<LiveEvent> batch)
    {
        var changes = new Dictionary<string, (long LastId, HashSet<string> Regions, HashSet<string> Kinds)>();
        foreach (var e in batch)
        {
            var groups = new List<string> { LiveGroups.Center(e.CenterId), LiveGroups.Screen(e.CenterId) };
            if (e.UnitId is { } unitId)
            {
                groups.Add(LiveGroups.Unit(unitId));
            }

            foreach (var group in groups)
            {
                if (!changes.TryGetValue(group, out var change))
                {
                    change = (0, [], []);
                }

                // A screen is told only of its own regions; staff pages' regions (the duty console's floor, the
                // watch-list) are names it has no use for.
                change.Regions.UnionWith(LiveGroups.ScreenCenter(group) is null
                    ? LiveRegions.For(e.Kind)
                    : LiveRegions.For(e.Kind).Where(RegionRenderer.IsScreenRegion));
                change.Kinds.Add(e.Kind);
                changes[group] = (Math.Max(change.LastId, e.Id), change.Regions, change.Kinds);
            }
        }

        return changes.ToDictionary(c => c.Key, c => new LiveChange(c.Value.LastId, [.. c.Value.Regions.Order()], [.. c.Value.Kinds.Order()]));
    }
}

public sealed record LiveChange(long LastId, IReadOnlyList<string> Regions, IReadOnlyList<string> Kinds);

/// <summary>Rendered regions for a center's screens: region name → the region's HTML, as its fragment endpoint serves it.</summary>
public sealed record LiveRegionsPush(long LastId, IReadOnlyDictionary<string, string> Regions);

public static class LiveGroups
{
    public static string Center(int id) => $"center:{id}";

    public static string Unit(int id) => $"unit:{id}";

    /// <summary>The connections of one screen device, closed when its token is revoked.</summary>
    public static string Device(int id) => $"device:{id}";

    /// <summary>The connections of one signed-in browser session, closed when it ends.</summary>
    public static string Session(Guid id) => $"session:{id:N}";

    /// <summary>Every connection of one account, closed when an admin changes the account.</summary>
    public static string User(int id) => $"user:{id}";

    /// <summary>Screens that fetch their regions when told which changed (the recovery path, and the bench's baseline).</summary>
    public static string Screen(int centerId) => $"screen:{centerId}";

    /// <summary>Screens of one kind (<see cref="ScreenKinds"/>) that take rendered regions pushed to them.</summary>
    public static string PushedScreen(int centerId, string kind) => $"screen-push:{centerId}:{kind}";

    public static int? ScreenCenter(string group) =>
        group.StartsWith("screen:", StringComparison.Ordinal) && int.TryParse(group.AsSpan("screen:".Length), out var id) ? id : null;
}
