using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Npgsql;
using OpsBoard.Data.Audit;

namespace OpsBoard.Web.Accounts;

/// <summary>
/// A signed-in user refused a page or endpoint by the permission matrix: the refusal is written to the operation log
/// (<c>page.denied</c>, with the path and the policy), then answered as usual. The data layer audits its own refusals.
/// </summary>
public sealed class AuditedRefusals(NpgsqlDataSource dataSource, ILogger<AuditedRefusals> logger) : IAuthorizationMiddlewareResultHandler
{
    readonly AuthorizationMiddlewareResultHandler inner = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Forbidden && UserPrincipal.UserId(context.User) is { } userId)
        {
            var policies = context.GetEndpoint()?.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).Where(p => p is not null);
            try
            {
                await AuditLog.WriteAsync(dataSource, new AuditEntry("page.denied", UserPrincipal.CenterId(context.User), userId,
                    Outcome: "refused", Detail: new { path = context.Request.Path.Value, method = context.Request.Method, policies },
                    RemoteIp: context.Connection.RemoteIpAddress));
            }
            catch (Exception e) when (OpsBoard.Data.Postgres.DatabaseOutage.Is(e))
            {
                logger.LogWarning("A refusal of {Path} could not be audited: the database is unreachable", context.Request.Path.Value);
            }
        }

        await inner.HandleAsync(next, context, policy, authorizeResult);
    }
}
