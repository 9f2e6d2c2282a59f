namespace OpsBoard.Data.Notices;

/// <summary>The state of one part of a node (database, embedded server, scheduler, live listener) as /healthz and the system page report it.</summary>
public static class ComponentState
{
    public const string Up = "up";
    public const string Restarting = "restarting";
    public const string Down = "down";
    public const string Unknown = "unknown";

    public static CodeSet Labels { get; } = new((Up, "正常"), (Restarting, "重启中"), (Down, "不可用"), (Unknown, "未知"));

    public static CodeSet Components { get; } = new(
        ("database", "数据库连接"), ("migrations", "数据库结构"), ("server", "内置数据库服务"), ("scheduler", "后台任务调度"), ("live", "实时推送监听"));
}
