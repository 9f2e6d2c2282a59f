namespace OpsBoard.Data.Reception;

/// <summary>A request the floor refuses; the message is for the person at the desk or window, in Chinese.</summary>
public sealed class FloorException(string message) : RefusedException(message);
