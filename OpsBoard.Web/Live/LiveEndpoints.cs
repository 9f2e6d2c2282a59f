using OpsBoard.Data.Screens;
using Microsoft.AspNetCore.Http.HttpResults;
using OpsBoard.Data.Live;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Reception;
using OpsBoard.Web.Accounts;
using OpsBoard.Web.Components.Floor;
using OpsBoard.Web.Components.Pages.Window;

namespace OpsBoard.Web.Live;

public static class LiveEndpoints
{
    public static WebApplicationBuilder AddOpsBoardLive(this WebApplicationBuilder builder)
    {
        builder.Services.AddSignalR();
        builder.Services.AddSingleton<LiveListener>();
        builder.Services.AddSingleton<RegionRenderer>();
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

            var centerId = await ScreenAccess.CenterIdAsync(http, ScreenKinds.Wall);
            return centerId is null
                ? Refused()
                : new RazorComponentResult<WallRegion>(new { Region = region, CenterId = centerId.Value });
        }).AllowAnonymous();
        app.MapGet("/hall/fragments/board", async Task<Results<RazorComponentResult, ProblemHttpResult>> (HttpContext http) =>
        {
            var centerId = await ScreenAccess.CenterIdAsync(http, ScreenKinds.Hall);
            return centerId is null
                ? Refused()
                : new RazorComponentResult<HallBoard>(new { CenterId = centerId.Value });
        }).AllowAnonymous();
        // A window officer's queue differs per window, so it is fetched, never pushed.
        // 410 when the officer no longer holds a window (signed out elsewhere, or taken over): the console reloads and says so.
        app.MapGet("/window/fragments/queue", async Task<Results<RazorComponentResult, StatusCodeHttpResult>> (HttpContext http, WindowQueries windows) =>
        {
            var session = await windows.SessionOfAsync(UserPrincipal.CenterId(http.User), UserPrincipal.UserId(http.User)!.Value);
            return session is null ? TypedResults.StatusCode(StatusCodes.Status410Gone) : new RazorComponentResult<WindowQueue>(new { WindowId = session.Id });
        }).RequireAuthorization(Permissions.Policy(Permission.ServeAtWindow));
        // A responder's inbox and the duty leader's list of responses differ per user or role, so they are fetched.
        app.MapGet("/emergency/fragments/emergencies", (HttpContext http) =>
            new RazorComponentResult<OpsBoard.Web.Components.Pages.Emergency.InboxRegion>(new { Actor = UserPrincipal.Actor(http.User) }))
            .RequireAuthorization(Permissions.Policy(Permission.RespondEmergency));
        app.MapGet("/duty/fragments/emergencies", (HttpContext http) =>
            new RazorComponentResult<OpsBoard.Web.Components.Pages.Duty.DutyRegion>(new { CenterId = UserPrincipal.CenterId(http.User) }))
            .RequireAuthorization(Permissions.Policy(Permission.ViewDutyConsole));
        app.MapGet("/duty/fragments/floor", (HttpContext http) =>
            new RazorComponentResult<OpsBoard.Web.Components.Pages.Duty.DutyFloor>(new { CenterId = UserPrincipal.CenterId(http.User) }))
            .RequireAuthorization(Permissions.Policy(Permission.ViewDutyConsole));
        // The slips pages' lists differ per reader (a leader's own packages, a unit's own) and per tab and page: fetched
        // with the page's own query string.
        app.MapGet("/slips/fragments/packages", (HttpContext http, string? tab, int? page) =>
            {
                var actor = UserPrincipal.Actor(http.User);
                return new RazorComponentResult<OpsBoard.Web.Components.Pages.Slips.PackagesRegion>(new
                {
                    Actor = actor,
                    Tab = OpsBoard.Web.Components.Pages.Slips.PackageList.TabFor(actor, tab),
                    Page = Math.Max(1, page ?? 1),
                });
            })
            .RequireAuthorization(Permissions.Policy(Permission.ViewSlips));
        app.MapGet("/slips/fragments/watch", (HttpContext http, string? reason, int? page) =>
            new RazorComponentResult<OpsBoard.Web.Components.Pages.Slips.WatchRegion>(new
            {
                Actor = UserPrincipal.Actor(http.User),
                Reason = reason,
                Page = Math.Max(1, page ?? 1),
            }))
            .RequireAuthorization(Permissions.Policy(Permission.ViewWatchList));
        return app;
    }

    static ProblemHttpResult Refused() =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "无权访问", detail: "设备令牌无效或已撤销，请联系系统管理员重新生成。");
}
