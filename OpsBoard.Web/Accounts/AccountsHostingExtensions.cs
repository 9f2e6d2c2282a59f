using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Options;
using OpsBoard.Data;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Postgres;

namespace OpsBoard.Web.Accounts;

public static class AccountsHostingExtensions
{
    public static WebApplicationBuilder AddOpsBoardAccounts(this WebApplicationBuilder builder)
    {
        builder.Services.AddDataProtection().SetApplicationName("OpsBoard");
        builder.Services.AddOptions<KeyManagementOptions>()
            .Configure<IServiceProvider>((options, services) => options.XmlRepository = new DatabaseKeyRepository(services.GetRequiredService<Npgsql.NpgsqlDataSource>()));

        builder.Services
            .AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(options =>
            {
                options.Cookie.Name = "opsboard.auth";
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Lax;
                options.LoginPath = "/account/login";
                options.LogoutPath = "/account/logout";
                options.AccessDeniedPath = "/account/denied";
                options.ExpireTimeSpan = TimeSpan.FromHours(10);
                options.SlidingExpiration = true;
                options.Events.OnValidatePrincipal = RevalidateAsync;
            });

        // Every page needs a signed-in user with a role; pages narrow it further with [May(Permission.…)], one policy
        // per row of the permission matrix, so a page and the data layer read the same row.
        var authorization = builder.Services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireRole(Roles.All).Build());
        foreach (var grant in Permissions.Matrix)
        {
            authorization.AddPolicy(Permissions.Policy(grant.Permission), policy => policy.RequireRole(grant.Roles));
        }

        builder.Services.AddSingleton<IAuthorizationMiddlewareResultHandler, AuditedRefusals>();
        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddSingleton<SignInFlow>();
        // After the database initializer (registered earlier): the first admin, or the refusal of demo passwords.
        builder.Services.AddHostedService<AccountStartup>();
        builder.Services.AddHostedService<IdleSessionSweeper>();
        builder.Services.AddRateLimiter(options =>
        {
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
                IsLoginPost(http.Request)
                    ? RateLimitPartition.GetFixedWindowLimiter(http.Connection.RemoteIpAddress?.ToString() ?? "unknown", _ => new FixedWindowRateLimiterOptions
                    {
                        PermitLimit = http.RequestServices.GetRequiredService<IOptions<OpsBoardOptions>>().Value.LoginAttemptsPerMinute,
                        Window = TimeSpan.FromMinutes(1),
                        QueueLimit = 0,
                    })
                    : RateLimitPartition.GetNoLimiter(""));
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = async (context, cancellationToken) =>
            {
                var response = context.HttpContext.Response;
                response.Headers.RetryAfter = "60";
                response.ContentType = "text/html; charset=utf-8";
                await response.WriteAsync(TooManyAttemptsPage, cancellationToken);
            };
        });
        return builder;
    }

    const string TooManyAttemptsPage = """
        <!DOCTYPE html>
        <html lang="zh-CN"><head><meta charset="utf-8"><title>登录尝试过于频繁</title><link rel="stylesheet" href="/lib/bootstrap/bootstrap.min.css"></head>
        <body class="bg-body-tertiary"><main class="container py-5" style="max-width:32rem">
        <div class="alert alert-warning" role="alert"><h1 class="h5">登录尝试过于频繁</h1>
        <p class="mb-2">本机在一分钟内提交登录的次数过多，请 1 分钟后再试。</p>
        <a href="/account/login">返回登录页</a></div></main></body></html>
        """;

    /// <summary>The login form's POSTs (the password and the second-factor code), limited per client address.</summary>
    static bool IsLoginPost(HttpRequest request) =>
        HttpMethods.IsPost(request.Method) && request.Path.StartsWithSegments("/account/login", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The login rate limit, and the gate of a pending step: a person who must change a one-time password or enrol a
    /// second factor sees that page and nothing else (no page, fragment or live connection) until it is done.
    /// </summary>
    public static WebApplication UseOpsBoardAccounts(this WebApplication app)
    {
        app.UseRateLimiter();
        app.Use(async (http, next) =>
        {
            if (SignInFlow.PendingPage(UserPrincipal.Pending(http.User)) is { } page
                && !http.Request.Path.StartsWithSegments(page, StringComparison.OrdinalIgnoreCase)
                && !http.Request.Path.StartsWithSegments("/account/logout", StringComparison.OrdinalIgnoreCase))
            {
                if (HttpMethods.IsGet(http.Request.Method) && !IsAutomatic(http.Request))
                {
                    http.Response.Redirect(page);
                }
                else
                {
                    http.Response.StatusCode = StatusCodes.Status403Forbidden;
                }

                return;
            }

            await next(http);
        });
        return app;
    }

    /// <summary>A screen refreshing itself (a fragment, the live connection): it neither extends an idle session nor navigates.</summary>
    public static bool IsAutomatic(HttpRequest request) =>
        request.Path.StartsWithSegments("/hubs", StringComparison.OrdinalIgnoreCase)
        || request.Path.Value?.Contains("/fragments/", StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>
    /// A cookie stands for a row of <c>user_session</c> (<see cref="SessionStore"/>): signed out, idle past the timeout,
    /// or an account disabled, or whose password or roles changed, loses its session at the next request.
    /// While the database is down the session is kept unchecked for that request: nothing can be read or changed
    /// without the database anyway, and signing everyone out would throw away the forms they are about to resubmit.
    /// </summary>
    static async Task RevalidateAsync(CookieValidatePrincipalContext context)
    {
        var sessions = context.HttpContext.RequestServices.GetRequiredService<SessionStore>();
        var id = UserPrincipal.UserId(context.Principal);
        var sessionId = UserPrincipal.SessionId(context.Principal);
        var stamp = UserPrincipal.Stamp(context.Principal);
        bool valid;
        try
        {
            valid = id is not null && sessionId is not null && stamp is not null
                && await sessions.CheckAsync(sessionId.Value, id.Value, stamp.Value, !IsAutomatic(context.Request), context.HttpContext.RequestAborted);
        }
        catch (Exception e) when (DatabaseOutage.Is(e))
        {
            return;
        }

        if (!valid)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        }
    }
}
