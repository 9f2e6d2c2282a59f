namespace OpsBoard.Data.Screens;

/// <summary>The kinds of unattended screen a device token opens, one kind per token, with the label the admin sees.</summary>
public static class ScreenKinds
{
    public const string Wall = "wall";
    public const string Hall = "hall";

    public static readonly IReadOnlyList<string> All = [Wall, Hall];

    public static string Label(string kind) => kind switch
    {
        Wall => "大屏",
        Hall => "叫号屏",
        _ => kind,
    };

    /// <summary>The page the token opens.</summary>
    public static string Path(string kind) => "/" + kind;
}
