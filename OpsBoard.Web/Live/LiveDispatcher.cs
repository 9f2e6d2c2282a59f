using Microsoft.AspNetCore.SignalR;
using OpsBoard.Data.Live;

namespace OpsBoard.Web.Live;

/// <summary>
/// Hands journal events to SignalR groups. Events arriving within a short window are coalesced, so a burst of
/// fifty registrations costs each screen one refresh of each region it shows, not fifty.
/// </summary>
public sealed class LiveDispatcher(LiveListener listener, IHubContext<LiveHub> hub, ILogger<LiveDispatcher> logger) : BackgroundService
{
    public static readonly TimeSpan CoalesceWindow = TimeSpan.FromMilliseconds(150);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reader = listener.Events;
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken))
            {
                await Task.Delay(CoalesceWindow, stoppingToken);
                var batch = new List<LiveEvent>();
                while (reader.TryRead(out var item))
                {
                    batch.Add(item);
                }

                foreach (var (group, message) in Route(batch))
                {
                    await hub.Clients.Group(group).SendAsync("changed", message, stoppingToken);
                }

                logger.LogDebug("Dispatched {Count} live events", batch.Count);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
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

                change.Regions.UnionWith(LiveRegions.For(e.Kind));
                change.Kinds.Add(e.Kind);
                changes[group] = (Math.Max(change.LastId, e.Id), change.Regions, change.Kinds);
            }
        }

        return changes.ToDictionary(c => c.Key, c => new LiveChange(c.Value.LastId, [.. c.Value.Regions.Order()], [.. c.Value.Kinds.Order()]));
    }
}

public sealed record LiveChange(long LastId, IReadOnlyList<string> Regions, IReadOnlyList<string> Kinds);

public static class LiveGroups
{
    public static string Center(int id) => $"center:{id}";

    public static string Unit(int id) => $"unit:{id}";

    public static string Screen(int centerId) => $"screen:{centerId}";
}
