namespace OpsBoard.Data.Reception;

/// <summary>A request the floor refuses; the message is for the person at the desk or window, in Chinese.</summary>
public class FloorException(string message) : RefusedException(message);

/// <summary>The window is held by someone else: signing in there takes it over, which the user must confirm.</summary>
public sealed class WindowHeldException(string windowName, string holder)
    : FloorException($"{windowName}现由{holder}签到。接替后{holder}将被签退，窗口上正在办理的号由您继续办理。确认接替请再点“确认接替”。")
{
    public string Holder { get; } = holder;
}
