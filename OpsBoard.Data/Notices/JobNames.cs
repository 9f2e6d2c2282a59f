namespace OpsBoard.Data.Notices;

/// <summary>The background jobs and their triggers as an administrator reads them on the system page.</summary>
public static class JobNames
{
    public static CodeSet Jobs { get; } = new(
        ("calendar/calendar-coverage", "节假日安排载入检查"), ("matters/clock-watcher", "法定期限临期与超期标记"),
        ("slips/detector", "预警提醒单触发检测"), ("emergency/watcher", "应急响应升级与缓报标记"),
        ("notifications/outbox", "通知发送（发件箱）"),
        ("audit/retention", "审计日志过期清理（至少留存六个月）"));

    public static CodeSet Triggers { get; } = new(
        ("calendar/calendar-coverage-hourly", "每小时"), ("matters/clock-watcher-every-minute", "每分钟"),
        ("slips/detector-every-minute", "每分钟（增量）"), ("slips/detector-nightly", "每晚 2:30（全量核对）"),
        ("emergency/watcher-every-15s", "每 15 秒"), ("notifications/outbox-every-5s", "每 5 秒"),
        ("audit/retention-nightly", "每晚 3:15"));
}
