namespace OpsBoard.Data.Emergency;

/// <summary>
/// The kinds of on-site response (《沥海街道信访工作意见》一(三), 二(五)): a collective visit of five or more, extreme
/// behaviour at the center, and 劝返 — bringing back a petitioner reported at the city, province or Beijing.
/// <c>emergency.kind</c>, <c>emergency_kind.code</c>.
/// </summary>
public static class EmergencyKind
{
    public const string Collective = "collective";
    public const string Extreme = "extreme";
    public const string Quanfan = "quanfan";

    public static CodeSet Labels { get; } = new((Collective, "集体访"), (Extreme, "极端信访行为"), (Quanfan, "劝返"));

    public static string Label(string kind) => Labels.Label(kind);
}

/// <summary>
/// Who a kind calls: the responsible unit's head and its leader in charge at the same time (同步接访), the police post for
/// 滞留/滋事; for 劝返 the 片长 with the village team, village cadres, the line office and the police post; the principal
/// leader is the level a leader in charge is escalated to. <c>emergency_kind_role.role</c>, <c>emergency_contact.role</c>.
/// </summary>
public static class ResponderRole
{
    public const string UnitHead = "unit_head";
    public const string UnitLeader = "unit_leader";
    public const string Principal = "principal";
    public const string Police = "police";
    public const string PianZhang = "pian_zhang";
    public const string VillageTeam = "village_team";
    public const string VillageCadre = "village_cadre";
    public const string LineOffice = "line_office";

    public static CodeSet Labels { get; } = new(
        (UnitHead, "责任单位负责人"), (UnitLeader, "分管领导"), (Principal, "主要领导"), (Police, "派出所"), (PianZhang, "片长"),
        (VillageTeam, "联村工作组"), (VillageCadre, "村干部"), (LineOffice, "责任线办"));

    public static string Label(string role) => Labels.Label(role);
}

public static class EmergencyState
{
    public const string Active = "active";
    public const string Closed = "closed";

    public static CodeSet Labels { get; } = new((Active, "处置中"), (Closed, "已结束"));

    public static string Label(string state) => Labels.Label(state);
}

/// <summary>The steps of a response as its timeline records them; <c>emergency_timeline.step</c>.</summary>
public static class EmergencyStep
{
    public const string Launched = "launched";
    public const string Notified = "notified";
    public const string NoContact = "no_contact";
    public const string Acknowledged = "acknowledged";
    public const string Arrived = "arrived";
    public const string Escalated = "escalated";
    public const string Reported = "reported";
    public const string Late = "late";
    public const string Measure = "measure";
    public const string Closed = "closed";

    public static CodeSet Labels { get; } = new(
        (Launched, "发起处置"), (Notified, "通知"), (NoContact, "无联络人"), (Acknowledged, "收到"), (Arrived, "到场"),
        (Escalated, "升级通知"), (Reported, "向上报告"), (Late, "缓报"), (Measure, "处置措施"), (Closed, "处置结束"));

    public static string Label(string step) => Labels.Label(step);
}

/// <summary>How a report went upward (条例 第二十五条); <c>emergency_report.channel</c>.</summary>
public static class ReportChannel
{
    public const string Phone = "phone";
    public const string Document = "document";
    public const string Fax = "fax";
    public const string System = "system";
    public const string InPerson = "in_person";

    public static CodeSet Labels { get; } = new(
        (Phone, "电话"), (Document, "书面报告"), (Fax, "传真"), (System, "信访信息系统"), (InPerson, "当面报告"));

    public static string Label(string? channel) => Labels.Label(channel);
}

public sealed class EmergencyException(string message) : RefusedException(message);
