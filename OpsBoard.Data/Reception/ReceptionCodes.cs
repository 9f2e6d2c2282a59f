namespace OpsBoard.Data.Reception;

/// <summary>Where a ticket is on the floor; <c>ticket.state</c>. A ticket in a closed state has left the queue.</summary>
public static class TicketState
{
    public const string Waiting = "waiting";
    public const string Called = "called";
    public const string Serving = "serving";
    public const string OnHold = "on_hold";
    public const string Done = "done";
    public const string NoShow = "no_show";
    public const string Transferred = "transferred";

    public static CodeSet Labels { get; } = new(
        (Waiting, "候访中"), (Called, "已叫号"), (Serving, "接谈中"), (OnHold, "暂停"), (Done, "已办结"), (NoShow, "未到"),
        (Transferred, "已转办"));

    public static bool IsClosed(string state) => state is Done or NoShow or Transferred;

    public static string Label(string state) => Labels.Label(state);
}

/// <summary>The highest level a petitioner has gone to with the matter; above the county is 越级 (escalated).</summary>
public static class VisitLevel
{
    public const string County = "county";
    public const string City = "city";
    public const string Province = "province";
    public const string National = "national";

    public static CodeSet Labels { get; } = new((County, "县"), (City, "市（越级）"), (Province, "省（越级）"), (National, "进京（越级）"));

    public static bool IsEscalated(string level) => level is not County;

    public static string Label(string level) => Labels.Label(level);
}

/// <summary>How a visit ended at the window; <c>visit.outcome</c> and <c>ticket.outcome</c>.</summary>
public static class VisitOutcome
{
    public const string ResolvedOnSpot = "resolved_on_spot";
    public const string HandedToUnit = "handed_to_unit";
    public const string MatterRegistered = "matter_registered";

    public static CodeSet Labels { get; } = new((ResolvedOnSpot, "当场解决"), (HandedToUnit, "移交责任单位"), (MatterRegistered, "登记为信访事项"));
}

/// <summary>The petitioner's rating of a first visit (参评, 满意率); <c>evaluation.rating</c>.</summary>
public static class EvaluationRating
{
    public const string Satisfied = "satisfied";
    public const string BasicallySatisfied = "basically_satisfied";
    public const string Dissatisfied = "dissatisfied";

    public static CodeSet Labels { get; } = new((Satisfied, "满意"), (BasicallySatisfied, "基本满意"), (Dissatisfied, "不满意"));
}

/// <summary>What a service line or window is for; <c>service_line.kind</c>, <c>service_window.kind</c>.</summary>
public static class ServiceKind
{
    public const string Registration = "registration";
    public const string Reception = "reception";
    public const string Joint = "joint";
    public const string Legal = "legal";
    public const string Psychological = "psychological";
    public const string Video = "video";
    public const string Mediation = "mediation";

    public static CodeSet Labels { get; } = new(
        (Registration, "登记窗口"), (Reception, "接谈窗口"), (Joint, "联合接访"), (Legal, "法律咨询"), (Psychological, "心理疏导"),
        (Video, "视频接访"), (Mediation, "调处室"));
}
