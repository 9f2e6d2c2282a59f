using OpsBoard.Data;

namespace OpsBoard.Web.Components.Shared;

/// <summary>What became of a form's action: done, or refused with the domain's reason. Shown by <see cref="ActionMessage"/>.</summary>
public sealed record ActionOutcome(string Message, bool Refused)
{
    /// <summary>
    /// The one way a page runs an action: a refusal (<see cref="RefusedException"/>) becomes the message the user
    /// reads — with 403 when it was a permission — and anything else is a real fault for the error page.
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
    }
}
