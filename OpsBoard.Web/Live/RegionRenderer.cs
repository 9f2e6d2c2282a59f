using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using OpsBoard.Web.Components.Floor;

namespace OpsBoard.Web.Live;

/// <summary>
/// Renders screen regions to HTML outside any request, with the very components the wall and hall pages are made of,
/// so a pushed region is identical to a fetched or reloaded one. Counts its renders, so tests and the bench can show
/// that the work per event does not grow with the number of screens.
/// </summary>
public sealed class RegionRenderer(IServiceScopeFactory scopes, ILoggerFactory loggers)
{
    long renders;

    public long Renders => Interlocked.Read(ref renders);

    /// <summary>The screen regions among <paramref name="regions"/>, each rendered once for the center's screens.</summary>
    public async Task<IReadOnlyDictionary<string, string>> RenderScreenRegionsAsync(int centerId, IEnumerable<string> regions,
        CancellationToken cancellationToken = default)
    {
        var wanted = regions.Where(IsScreenRegion).Distinct().ToList();
        if (wanted.Count == 0)
        {
            return new Dictionary<string, string>();
        }

        await using var scope = scopes.CreateAsyncScope();
        await using var renderer = new HtmlRenderer(scope.ServiceProvider, loggers);
        var html = new Dictionary<string, string>();
        foreach (var region in wanted)
        {
            cancellationToken.ThrowIfCancellationRequested();
            html[region] = await renderer.Dispatcher.InvokeAsync(async () =>
            {
                var output = region == LiveRegions.Hall
                    ? await renderer.RenderComponentAsync<HallBoard>(ParameterView.FromDictionary(new Dictionary<string, object?> { ["CenterId"] = centerId }))
                    : await renderer.RenderComponentAsync<WallRegion>(ParameterView.FromDictionary(
                        new Dictionary<string, object?> { ["Region"] = region, ["CenterId"] = centerId }));
                return output.ToHtmlString();
            });
            Interlocked.Increment(ref renders);
        }

        return html;
    }

    public static bool IsScreenRegion(string region) => region == LiveRegions.Hall || WallRegion.Names.Contains(region);
}
