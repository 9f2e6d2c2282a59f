namespace OpsBoard.Data.Matters;

/// <summary>A lifecycle step refused; the message says why, in Chinese, for the person who tried it.</summary>
public sealed class MatterException(string message) : Exception(message);

/// <summary>A user tried to open a matter outside their unit.</summary>
public sealed class MatterForbiddenException(string message) : Exception(message);
