using OpsBoard.Data;
using OpsBoard.Data.Postgres;

namespace OpsBoard.Web.Components.Shared;

/// <summary>What became of a form's action: done, or refused with the domain's reason. Shown by <see cref="ActionMessage"/>.</summary>
/// <param name="Unavailable">Not done because the database could not be reached: the form is shown back to submit again.</param>
public sealed record ActionOutcome(string Message, bool Refused, bool Unavailable = false)
{
    /// <summary>
    /// The one way a page runs an action: a refusal (<see cref="RefusedException"/>) becomes the message the user
    /// reads — with 403 when it was a permission — a database outage becomes a plea to submit again later (503, with
    /// the form kept and its request key unchanged, so the second submission cannot double the first), and anything
    /// else is a real fault for the error page.
    /// </summary>
    public static async Task<ActionOutcome> RunAsync(HttpContext http, ILogger logger, Func<Task> action, string success)
    {
        try
        {
            await action();
            return new ActionOutcome(success, false);
        }
        catch (RefusedException e)
        {
            logger.LogInformation("{Path}: refused: {Message}", http.Request.Path, e.Message);
            if (e is ForbiddenException)
            {
                http.SetPageStatus(StatusCodes.Status403Forbidden);
            }

            return new ActionOutcome(e.Message, true);
        }
        catch (Exception e) when (DatabaseOutage.Is(e))
        {
            logger.LogWarning("{Path}: database unavailable, form kept: {Message}", http.Request.Path, e.Message);
            http.SetPageStatus(StatusCodes.Status503ServiceUnavailable);
            http.Response.Headers.RetryAfter = DatabaseOutage.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return new ActionOutcome(DatabaseOutage.Message, Refused: true, Unavailable: true);
        }
    }
}
