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
        (Waiting, "候访中"), (Called, "已叫号"), (Serving, "接谈中"), (OnHold, "暂停"), (Done, "接待完毕"), (NoShow, "未到"),
        (Transferred, "已转窗口"));

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

/// <summary>How a rating was given; <c>evaluation.channel</c>.</summary>
public static class EvaluationChannel
{
    public const string Card = "card";
    public const string Phone = "phone";
    public const string Online = "online";
    public const string Sms = "sms";
    public const string FaceToFace = "face_to_face";

    public static CodeSet Labels { get; } = new(
        (Card, "评价卡"), (Phone, "电话"), (Online, "网上"), (Sms, "短信"), (FaceToFace, "当面"));

    /// <summary>How the unit asks the petitioner's satisfaction as it gives the reply (见面答复, or by phone).</summary>
    public static IReadOnlyList<string> AtReply { get; } = [FaceToFace, Phone];
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

/// <summary>What a window officer can do with the ticket at the window, and from which states.</summary>
public enum TicketAction
{
    Recall,
    NoShow,
    Start,
    Resume,
    Hold,
    Transfer,
    Finish,
}

/// <summary>The one table of which ticket actions each state allows; the store enforces it and the console shows it.</summary>
public static class TicketActions
{
    /// <summary>A ticket in one of these states occupies its window.</summary>
    public static IReadOnlyList<string> AtWindow { get; } = [TicketState.Called, TicketState.Serving, TicketState.OnHold];

    static readonly Dictionary<TicketAction, string[]> From = new()
    {
        [TicketAction.Recall] = [TicketState.Called],
        [TicketAction.NoShow] = [TicketState.Called],
        [TicketAction.Start] = [TicketState.Called],
        [TicketAction.Resume] = [TicketState.OnHold],
        [TicketAction.Hold] = [TicketState.Serving],
        [TicketAction.Transfer] = [.. AtWindow],
        [TicketAction.Finish] = [TicketState.Serving],
    };

    public static bool Allows(TicketAction action, string? state) => state is not null && From[action].Contains(state);
}

/// <summary>Where a transferred visitor joins the new queue.</summary>
public static class PlacementLabels
{
    public static IReadOnlyList<(Placement Placement, string Label)> All { get; } =
        [(Placement.ByWaitingTime, "按原取号时间"), (Placement.Front, "排在最前"), (Placement.Back, "排在最后")];
}

/// <summary>Behaviours seen at registration (现场异常行为); <c>visit.behaviours</c>.</summary>
public static class VisitBehaviour
{
    public const string Noise = "noise";
    public const string SitIn = "sit_in";
    public const string Lingering = "lingering";

    public static CodeSet Labels { get; } = new((Noise, "吵闹"), (SitIn, "静坐"), (Lingering, "滞留"));
}

/// <summary>集体访: five or more people on one matter (《信访工作条例》第二十条: they choose at most five representatives).</summary>
public static class CollectiveVisit
{
    public const int MinHeadcount = 5;

    public static bool Is(int headcount) => headcount >= MinHeadcount;
}

/// <summary>How full a waiting area is: warn at 80 % of its seats, alarm when full.</summary>
public static class OccupancyLevel
{
    public const string Ok = "ok";
    public const string Warn = "warn";
    public const string Alarm = "alarm";

    public static CodeSet Labels { get; } = new((Ok, "正常"), (Warn, "接近饱和"), (Alarm, "已满"));

    public static string Of(double ratio) => ratio >= 1 ? Alarm : ratio >= 0.8 ? Warn : Ok;
}
