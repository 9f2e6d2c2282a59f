namespace OpsBoard.Data.Matters;

/// <summary>A lifecycle step refused; the message says why, in Chinese, for the person who tried it.</summary>
public sealed class MatterException(string message) : RefusedException(message);
