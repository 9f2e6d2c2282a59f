namespace OpsBoard.Data.Matters;

/// <summary>Where a matter is in its life (《信访工作条例》第二十二条 to 第三十六条); <c>matter.status</c>.</summary>
public static class MatterStatus
{
    public const string Registered = "registered";
    public const string NotAccepted = "not_accepted";
    public const string Accepted = "accepted";
    public const string Assigned = "assigned";
    public const string Returned = "returned";
    public const string Received = "received";
    public const string Handling = "handling";
    public const string Replied = "replied";
    public const string Closed = "closed";
    public const string Review = "review";
    public const string Reviewed = "reviewed";
    public const string ReReview = "re_review";
    public const string Finalized = "finalized";

    public static CodeSet Labels { get; } = new(
        (Registered, "已登记"), (NotAccepted, "不予受理"), (Accepted, "已受理"), (Assigned, "已交办"), (Returned, "已退回"),
        (Received, "单位已签收"), (Handling, "办理中"), (Replied, "已答复"), (Closed, "已办结"), (Review, "复查中"),
        (Reviewed, "已复查"), (ReReview, "复核中"), (Finalized, "复核终结"));


    public static string Label(string status) => Labels.Label(status);
}

/// <summary>How a matter reached the center; <c>matter.source</c>.</summary>
public static class MatterSource
{
    public const string Visit = "visit";
    public const string Letter = "letter";
    public const string Online = "online";
    public const string Phone = "phone";

    public static CodeSet Labels { get; } = new((Visit, "来访"), (Letter, "来信"), (Online, "网上信访"), (Phone, "电话信访"));

    /// <summary>Sources registered on the matter page; visits come from the desk.</summary>
    public static IReadOnlyList<string> NotVisits { get; } = [Letter, Online, Phone];

    /// <summary>The registration note of the first transition: 来访登记, 来信登记 …</summary>
    public static string RegistrationNote(string source) => $"{Labels.Label(source)}登记";

    /// <summary>A matter that came by phone or online is handled within a week (《沥海街道信访工作意见》一(五)).</summary>
    public static bool IsRemote(string source) => source is Phone or Online;
}

/// <summary>The reply's finding on the petitioner's request; <c>matter.reply_outcome</c>.</summary>
public static class ReplyOutcome
{
    public const string Supported = "supported";
    public const string PartlySupported = "partly_supported";
    public const string NotSupported = "not_supported";
    public const string Explained = "explained";

    public static CodeSet Labels { get; } = new((Supported, "支持"), (PartlySupported, "部分支持"), (NotSupported, "不支持"), (Explained, "解释说明"));
}

/// <summary>
/// The statutory clocks, one per deadline rule code (<c>deadline_rule.code</c>). The rule row holds length, kind of
/// day and source as data an admin can revise; the kind and its label are fixed here.
/// </summary>
public static class ClockKind
{
    public const string Transfer = "transfer";
    public const string AcceptanceNotice = "acceptance_notice";
    public const string Objection = "objection";
    public const string Handling = "handling";
    public const string LocalHandling = "local_handling";
    public const string LocalHandlingRemote = "local_handling_remote";
    public const string FirstContact = "first_contact";
    public const string Supervision = "supervision";
    public const string ReviewRequest = "review_request";
    public const string ReviewDecision = "review_decision";
    public const string ReReviewRequest = "re_review_request";
    public const string ReReviewDecision = "re_review_decision";

    /// <summary>A warning slip's 7 working days from issue to its signed return (《沥海街道信访工作意见》二(二)); one clock per slip.</summary>
    public const string WarningSlip = "warning_slip";

    public static CodeSet Labels { get; } = new(
        (Transfer, "登记转送交办"), (AcceptanceNotice, "受理告知"), (Objection, "交办异议"), (Handling, "办理答复"),
        (LocalHandling, "本地限期办理"), (LocalHandlingRemote, "本地限期办理（电话、网上）"), (FirstContact, "一问一核实"),
        (Supervision, "督办反馈"), (ReviewRequest, "复查申请"), (ReviewDecision, "复查意见"), (ReReviewRequest, "复核申请"),
        (ReReviewDecision, "复核意见"), (WarningSlip, "预警提醒单回复"));

    /// <summary>The local handling clock that runs beside 办理答复: a week for phone and online matters, else 15 working days.</summary>
    public static string LocalHandlingFor(string source) => MatterSource.IsRemote(source) ? LocalHandlingRemote : LocalHandling;

    /// <summary>
    /// The petitioner's own windows to ask for 复查/复核 (《信访工作条例》第三十五、三十六条): once past, a request is
    /// refused; they are not the office's deadlines and raise no alert.
    /// </summary>
    public static IReadOnlyList<string> PetitionerWindows { get; } = [ReviewRequest, ReReviewRequest];

    public static string Label(string kind) => Labels.Label(kind);
}

/// <summary>The events that start, stop or pause a clock; <c>deadline_rule.start_event</c>, <c>stop_event</c>, <c>pause_events</c>.</summary>
public static class ClockEvent
{
    /// <summary>A hearing (听证) pauses the 复核 clock (《信访工作条例》第三十六条).</summary>
    public const string Hearing = "hearing";

    public static CodeSet Labels { get; } = new(
        ("received", "登记"), ("accepted", "受理"), ("acceptance_notice", "书面告知"), ("assigned", "交办"),
        ("received_or_returned", "签收或退回"), ("received_by_unit", "单位签收"), ("first_contact", "首次联系"), ("replied", "答复"),
        ("supervision_issued", "发出督办单"), ("supervision_feedback", "督办反馈"), ("review_requested", "申请复查"), ("reviewed", "出具复查意见"),
        ("re_review_requested", "申请复核"), ("finalized", "出具复核意见"), (Hearing, "听证"),
        ("slip_issued", "下发预警提醒单"), ("slip_returned", "审签后报回信访办"));
}

/// <summary>Whether a rule counts calendar or working days; <c>deadline_rule.day_kind</c>.</summary>
public static class RuleDays
{
    public const string Calendar = "calendar";
    public const string Working = "working";

    public static CodeSet Labels { get; } = new((Calendar, "自然日"), (Working, "工作日"));

    /// <summary>"15 日" or "15 个工作日", as a period is read aloud in an office.</summary>
    public static string Days(string kind, int days) => kind == Working ? $"{days} 个工作日" : $"{days} 日";
}

/// <summary>The alert state the clock watcher gives a running clock; <c>matter_clock.alert_state</c>.</summary>
public static class ClockAlertState
{
    public const string Running = "running";
    public const string Approaching = "approaching";
    public const string Overdue = "overdue";
    public const string Stopped = "stopped";

    public static CodeSet Labels { get; } = new((Running, "计时中"), (Approaching, "临期"), (Overdue, "已超期"), (Stopped, "已停止"));
}

/// <summary>How a stopped clock ended; <c>matter_clock.result</c>.</summary>
public static class ClockResult
{
    public const string Met = "met";
    public const string Breached = "breached";

    /// <summary>A petitioner's window that ran out without a request.</summary>
    public const string Lapsed = "lapsed";

    public static CodeSet Labels { get; } = new((Met, "按期"), (Breached, "超期完成"), (Lapsed, "期满未申请"));

    public static string Of(DateTimeOffset stoppedAt, DateTimeOffset dueAt) => stoppedAt <= dueAt ? Met : Breached;
}

/// <summary>The file number of a matter: XF, the Beijing day it was received, and its id (XF20261122-017018).</summary>
public static class MatterCode
{
    public static string For(DateOnly receivedOn, long id) => $"XF{receivedOn:yyyyMMdd}-{id:000000}";
}
