namespace OpsBoard.Data.Audit;

/// <summary>
/// The Chinese name of each operation-log action, for the auditor's page and exports. A code not named here shows as
/// itself (a newer build wrote it); a refusal (<c>may.…</c>) names the permission that was missing.
/// </summary>
public static class AuditActions
{
    public static CodeSet Labels { get; } = new(
        ("account.sign_in", "登录"), ("account.sign_out", "退出登录"), ("account.session_idle", "会话超时退出"),
        ("account.password_changed", "修改密码"), ("account.two_factor", "双因素验证"), ("account.two_factor_enabled", "启用双因素验证"),
        ("user.created", "新建用户"), ("user.first_admin_created", "创建首个管理员"), ("user.disabled", "停用用户"),
        ("user.enabled", "启用用户"), ("user.password_reset", "重置密码"), ("user.role_granted", "授予角色"),
        ("user.role_withdrawn", "收回角色"), ("user.two_factor_reset", "重置双因素验证"),
        ("visit.register", "来访登记"), ("desk.search", "登记台查询来访人"), ("petitioner.rename", "来访人更名"),
        ("petitioner.reveal_id_number", "显示完整证件号"),
        ("window.sign_in", "窗口签到"), ("window.sign_out", "窗口签退"), ("window.taken_over", "接替窗口"),
        ("ticket.called", "叫号"), ("ticket.recalled", "重新叫号"), ("ticket.requeued", "未到，重新排队"),
        ("ticket.no_show", "未到，关闭"), ("ticket.serving", "开始接谈"), ("ticket.on_hold", "暂停接谈"),
        ("ticket.transferred", "转窗口"), ("ticket.done", "接待完毕"), ("evaluation.recorded", "评价"),
        ("floor.people_left", "登记离开候访区"), ("roster.joint_window", "联合接访窗口排班"),
        ("matter.register", "登记信访事项"), ("matter.step", "信访事项办理"), ("supervision.issue", "督办"),
        ("supervision.feedback", "督办反馈"),
        ("slip.issue", "生成预警提醒单"), ("package.assign", "包案交办"), ("package.record", "记录包案落实"),
        ("emergency.launch", "发起应急处置"), ("emergency.acknowledge", "应急响应收到"), ("emergency.arrival", "响应人到场"),
        ("emergency.report", "向上报告"), ("emergency.close", "结束应急处置"), ("emergency.measure", "应急处置措施"),
        ("emergency.escalate", "应急响应升级"), ("emergency.late", "应急响应缓报"),
        ("emergency.kind_saved", "修改应急处置类型"), ("emergency.contact_added", "新增应急联络人"),
        ("emergency.contact_enabled", "启用应急联络人"), ("emergency.contact_disabled", "停用应急联络人"),
        ("rule.revise", "修改期限规则"), ("rule.withdraw", "撤回期限规则"), ("calendar.load", "载入节假日安排"),
        ("calendar.correct", "更正节假日安排"), ("slip_rule.revise", "修改预警触发条件"),
        ("device.create", "生成设备令牌"), ("device.revoke", "吊销设备令牌"), ("device.refused", "设备令牌被拒绝"),
        ("duty.assigned", "排定带班领导"), ("reception.added", "新增领导接访安排"), ("reception.removed", "删除领导接访安排"),
        ("period.added", "设定敏感时期"), ("period.removed", "删除敏感时期"),
        ("job.run_now", "立即运行后台任务"), ("job.pause", "暂停后台任务"), ("job.resume", "恢复后台任务"),
        ("metrics.export_requested", "导出考核指标"), ("metrics.month_closed", "月度关账"), ("metrics.month_reopened", "重新打开已关账月份"),
        ("live.connect", "实时连接"), ("page.denied", "访问页面被拒绝"),
        ("audit.search", "查询审计日志"), ("audit.export", "导出审计日志"), ("audit.retention_set", "设定审计日志留存期限"),
        ("audit.purged", "清理过期审计日志"), ("demo.seeded", "生成演示数据"));

    public static CodeSet Outcomes { get; } = new(("ok", "成功"), ("refused", "拒绝"), ("failed", "失败"));

    public static string Label(string action) =>
        Labels.Contains(action) ? Labels.Label(action)
        : action.StartsWith("may.", StringComparison.Ordinal) ? "无权操作被拒绝"
        : action.StartsWith("slip.", StringComparison.Ordinal) ? "预警提醒单办理"
        : action;
}
