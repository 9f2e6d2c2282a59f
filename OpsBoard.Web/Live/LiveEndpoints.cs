using Microsoft.AspNetCore.Http.HttpResults;
using OpsBoard.Data.Live;
using OpsBoard.Web.Components.Floor;

namespace OpsBoard.Web.Live;

public static class LiveEndpoints
{
    public static WebApplicationBuilder AddOpsBoardLive(this WebApplicationBuilder builder)
    {
        builder.Services.AddSignalR();
        builder.Services.AddSingleton<LiveListener>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LiveListener>());
        builder.Services.AddHostedService<LiveDispatcher>();
        return builder;
    }

    /// <summary>
    /// The hub, and the fragment endpoints screens re-fetch a region from: they render the very components the
    /// full pages are made of, so a refreshed region is identical to a reloaded one.
    /// </summary>
    public static WebApplication MapOpsBoardLive(this WebApplication app)
    {
        app.MapHub<LiveHub>(LiveHub.Path).AllowAnonymous();
        app.MapGet("/wall/fragments/{region}", async Task<Results<RazorComponentResult, NotFound, ProblemHttpResult>> (string region, HttpContext http) =>
        {
            if (!WallRegion.Names.Contains(region))
            {
                return TypedResults.NotFound();
            }

            var centerId = await ScreenAccess.CenterIdAsync(http);
            return centerId is null
                ? Refused()
                : new RazorComponentResult<WallRegion>(new { Region = region, CenterId = centerId.Value });
        }).AllowAnonymous();
        app.MapGet("/hall/fragments/board", async Task<Results<RazorComponentResult, ProblemHttpResult>> (HttpContext http) =>
        {
            var centerId = await ScreenAccess.CenterIdAsync(http);
            return centerId is null
                ? Refused()
                : new RazorComponentResult<HallBoard>(new { CenterId = centerId.Value });
        }).AllowAnonymous();
        return app;
    }

    static ProblemHttpResult Refused() =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "无权访问", detail: "设备令牌无效或已撤销，请联系系统管理员重新生成。");
}
