using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

namespace OpsBoard.Web.Health;

/// <summary><c>GET /healthz</c>: every component's real state (see <see cref="HealthChecks"/>); 503 when any cannot work.</summary>
public static class HealthEndpoint
{
    // Chinese details stay readable for an operator reading the answer with curl.
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.Create(UnicodeRanges.All) };

    public static WebApplicationBuilder AddOpsBoardHealth(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<HealthChecks>();
        return builder;
    }

    public static IEndpointRouteBuilder MapOpsBoardHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/healthz", CheckAsync).AllowAnonymous();
        return endpoints;
    }

    static async Task<IResult> CheckAsync(HealthChecks checks, CancellationToken cancellationToken)
    {
        var report = await checks.CheckAsync(cancellationToken);
        return Results.Json(report, Json, statusCode: report.Up ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }
}
