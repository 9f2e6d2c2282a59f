namespace OpsBoard.Data.Accounts;

/// <summary>Everything a user may be allowed or refused. Pages, the data layer and tests all ask <see cref="Permissions"/>.</summary>
public enum Permission
{
    ViewMatters,
    RegisterMatter,
    AcceptMatter,
    NotifyAcceptance,
    AssignMatter,
    Supervise,
    CloseMatter,
    RecordReviewRequest,
    DecideReview,
    Hearing,
    DecideReReview,
    ReceiveMatter,
    ReturnMatter,
    FirstContact,
    ReplyMatter,
    RequestExtension,
    ApproveExtension,
    AnswerSupervision,
    RegisterVisit,
    ServeAtWindow,
    ManageFloor,
    ViewWall,
    ViewMetrics,
    CloseMonth,
    ReopenMonth,
    Administer,
    ManageUsers,
    ViewPetitionerContact,
    RevealIdNumber,
    ViewSlips,
    AcknowledgeSlip,
    AnswerSlip,
    SignSlip,
    CloseSlip,
    ReviseSlipRules,
    AssignPackage,
    RecordPackage,
    ViewWatchList,
    ViewDutyConsole,
    LaunchEmergency,
    RespondEmergency,
    RecordArrival,
    ReportUpward,
    CloseEmergency,
    ManageEmergencySettings,
    ManageDutyRota,
    ManageSensitivePeriods,
    ViewAudit,
}

/// <summary>One row of the matrix: an action, its Chinese name, and the roles that may take it.</summary>
public sealed record Grant(Permission Permission, string Label, IReadOnlyList<string> Roles);

/// <summary>
/// The action × role matrix, the one place that says who may do what. A center role acts on any matter of its
/// center; a unit role only on matters assigned to the unit it holds the role for (so a unit leader approves only
/// their own unit's extensions). The legal decisions on a matter — 受理, 交办, 督办, 办结, review decisions and
/// hearings (《信访工作条例》第二十二条 to 第三十六条) — belong to the director and the duty leader. Clerks register
/// and record (a visit, a letter, a petitioner's request for review, the written acceptance notice) but decide
/// nothing. The statistician reads; the admin keeps settings and screens and takes no case decision.
/// </summary>
public static class Permissions
{
    static readonly string[] Leaders = [Accounts.Roles.Director, Accounts.Roles.DutyLeader];
    static readonly string[] Unit = [Accounts.Roles.UnitOfficer, Accounts.Roles.UnitLeader];

    public static IReadOnlyList<Grant> Matrix { get; } =
    [
        new(Permission.ViewMatters, "查看信访事项", [.. Leaders, Accounts.Roles.Clerk, Accounts.Roles.Statistician, .. Unit]),
        new(Permission.RegisterMatter, "登记信访事项", [.. Leaders, Accounts.Roles.Clerk]),
        new(Permission.AcceptMatter, "受理 / 不予受理", Leaders),
        new(Permission.NotifyAcceptance, "书面告知受理情况", [.. Leaders, Accounts.Roles.Clerk]),
        new(Permission.AssignMatter, "交办责任单位", Leaders),
        new(Permission.Supervise, "督办", Leaders),
        new(Permission.CloseMatter, "办结", Leaders),
        new(Permission.RecordReviewRequest, "登记复查 / 复核申请", [.. Leaders, Accounts.Roles.Clerk]),
        new(Permission.DecideReview, "出具复查意见", Leaders),
        new(Permission.Hearing, "举行听证", Leaders),
        new(Permission.DecideReReview, "出具复核意见", Leaders),
        new(Permission.ReceiveMatter, "签收", Unit),
        new(Permission.ReturnMatter, "退回", Unit),
        new(Permission.FirstContact, "一问一核实", Unit),
        new(Permission.ReplyMatter, "答复", Unit),
        new(Permission.RequestExtension, "申请延期", Unit),
        new(Permission.ApproveExtension, "审批延期", [Accounts.Roles.UnitLeader]),
        new(Permission.AnswerSupervision, "督办反馈", Unit),
        new(Permission.RegisterVisit, "来访登记", [Accounts.Roles.Clerk, Accounts.Roles.DutyLeader]),
        new(Permission.ServeAtWindow, "窗口叫号接谈", [Accounts.Roles.Clerk]),
        new(Permission.ManageFloor, "现场管理", [Accounts.Roles.Clerk, Accounts.Roles.DutyLeader]),
        new(Permission.ViewWall, "查看大屏", [.. Leaders, Accounts.Roles.Admin]),
        // A unit leader sees the figures of their own unit only (the data layer filters by unit).
        new(Permission.ViewMetrics, "查看、导出考核指标", [.. Leaders, Accounts.Roles.Statistician, Accounts.Roles.UnitLeader]),
        new(Permission.CloseMonth, "月度关账", [Accounts.Roles.Statistician]),
        new(Permission.ReopenMonth, "重新打开已关账月份", [Accounts.Roles.Director]),
        new(Permission.Administer, "系统设置", [Accounts.Roles.Admin]),
        // Accounts: create, disable, roles and unit scope, password and two-factor resets — every change audited and
        // ending the account's sessions.
        new(Permission.ManageUsers, "管理用户账号", [Accounts.Roles.Admin]),

        // Personal data (条例 第三十条 and the office's confidentiality rule): the people who register, receive, decide
        // on or handle a petitioner's matter see who the petitioner is and how to reach them — the unit's officer needs
        // the phone for 一问一核实 — a unit only for its own matters. The statistician and the admin see masked values.
        // A full ID number is shown to the same people only on request, one audited reveal at a time.
        new(Permission.ViewPetitionerContact, "查看信访人姓名、电话", [.. Leaders, Accounts.Roles.Clerk, .. Unit]),
        new(Permission.RevealIdNumber, "显示完整证件号", [.. Leaders, Accounts.Roles.Clerk, .. Unit]),

        // 预警提醒单 (《沥海街道信访工作意见》二(二)): the petition office issues and closes them (the detector issues on its
        // behalf); the unit's head or work-team leader acknowledges and answers; the leader in charge signs. A unit sees
        // only its own; the clerk sees them beside a petitioner's history at the desk.
        new(Permission.ViewSlips, "查看预警提醒单", [.. Leaders, Accounts.Roles.Clerk, .. Unit]),
        new(Permission.AcknowledgeSlip, "签收预警提醒单", Unit),
        new(Permission.AnswerSlip, "答复预警提醒单", Unit),
        new(Permission.SignSlip, "审签预警提醒单", [Accounts.Roles.UnitLeader]),
        new(Permission.CloseSlip, "预警提醒单办结或退回", Leaders),
        new(Permission.ReviseSlipRules, "修改预警触发条件", [Accounts.Roles.Admin]),

        // 包案 (五包责任制, 《沥海街道信访工作意见》二(四)): the petition office — whoever closes slips — hands a slip's matter to a leader of the unit
        // (分管领导 or 片长), and that leader, in person, records the five duties, the 专题分析会 and the 约访; the data
        // layer also checks that the one recording is the leader the matter was handed to.
        new(Permission.AssignPackage, "包案交办（五包责任制）", Leaders),
        new(Permission.RecordPackage, "记录包案落实情况", [Accounts.Roles.UnitLeader]),
        // 风险研判 (事前预警: "超前掌握情报、联合研判访情", 区县信访“人民满意窗口”实施方案): the petition office.
        new(Permission.ViewWatchList, "查看风险研判清单", Leaders),
        // 应急处置 (《沥海街道信访工作意见》一(三), 二(五)–(六)): the duty leader (and the director) launch, report upward
        // (条例 第二十五条) and close; the center's desk records arrivals; a responder says 收到 — the data layer admits only
        // the responders listed on that response. The admin keeps the kinds and the contacts.
        new(Permission.ViewDutyConsole, "带班工作台", Leaders),
        new(Permission.LaunchEmergency, "发起应急处置", Leaders),
        new(Permission.RespondEmergency, "应急响应（收到）", [.. Leaders, .. Unit]),
        new(Permission.RecordArrival, "登记响应人到场", [.. Leaders, Accounts.Roles.Clerk]),
        new(Permission.ReportUpward, "向上报告", Leaders),
        new(Permission.CloseEmergency, "结束应急处置", Leaders),
        new(Permission.ManageEmergencySettings, "维护应急处置类型和联络人", [Accounts.Roles.Admin]),
        // The week's 带班领导 (《沥海街道信访工作意见》二(六)) and the county leaders' reception days are the center's
        // schedule: its director keeps them, the admin on their behalf. So are the sensitive periods that change both.
        new(Permission.ManageDutyRota, "维护值班表和领导接访安排", [Accounts.Roles.Director, Accounts.Roles.Admin]),
        new(Permission.ManageSensitivePeriods, "设定敏感时期", [Accounts.Roles.Director, Accounts.Roles.Admin]),
        // The operation log (网络安全法 第二十一条) is read, exported and kept by the auditor alone — not by the admin whose
        // actions it records (separation of duties); the auditor in turn administers nothing.
        new(Permission.ViewAudit, "查询、导出审计日志，设定留存期限", [Accounts.Roles.Auditor]),
    ];

    static readonly Dictionary<Permission, Grant> ByPermission = Matrix.ToDictionary(g => g.Permission);

    public static Grant Of(Permission permission) => ByPermission[permission];

    public static IReadOnlyList<string> RolesFor(Permission permission) => Of(permission).Roles;

    public static bool Allows(string role, Permission permission) => Of(permission).Roles.Contains(role);

    /// <summary>The policy name pages use in <c>[Authorize(Policy = …)]</c>.</summary>
    public static string Policy(Permission permission) => $"may:{permission}";
}

/// <summary>
/// Who is acting, with the roles they hold: a center role for the whole center, a unit role for one unit.
/// </summary>
public sealed record Actor(int UserId, int CenterId, IReadOnlyList<UserRole> Roles)
{
    /// <summary>Units the user works for, in any unit role.</summary>
    public IReadOnlyList<int> Units { get; } = [.. Roles.Where(r => r.UnitId is not null).Select(r => r.UnitId!.Value).Distinct()];

    /// <summary>Holds some role that allows the action somewhere (a page may show it; the matter's unit decides).</summary>
    public bool Holds(Permission permission) => Roles.Any(r => Permissions.Allows(r.Role, permission));

    /// <summary>May take the action on a matter of this unit (null: not assigned to any unit yet).</summary>
    public bool May(Permission permission, int? unitId) =>
        Roles.Any(r => Permissions.Allows(r.Role, permission) && (r.UnitId is null || r.UnitId == unitId));

    /// <summary>Sees every matter of the center, not just those of their units.</summary>
    public bool SeesWholeCenter => Roles.Any(r => r.UnitId is null && Permissions.Allows(r.Role, Permission.ViewMatters));

    public static Actor Center(int userId, int centerId, params string[] roles) =>
        new(userId, centerId, [.. roles.Select(r => new UserRole(r, null, null))]);

    public static Actor OfUnit(int userId, int centerId, int unitId, params string[] roles) =>
        new(userId, centerId, [.. roles.Select(r => new UserRole(r, unitId, null))]);
}
