namespace OpsBoard.Data;

/// <summary>
/// Any request the domain refuses. The message is for the person who tried, in Chinese, and says what to do;
/// pages show it through one component, and nothing has changed.
/// </summary>
public class RefusedException(string message) : Exception(message);

/// <summary>The user's role or unit does not allow the action; the refusal is audited and answered with 403.</summary>
public sealed class ForbiddenException(string message) : RefusedException(message);
