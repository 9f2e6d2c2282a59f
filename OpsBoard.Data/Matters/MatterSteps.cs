using OpsBoard.Data.Accounts;

namespace OpsBoard.Data.Matters;

/// <summary>Every step a person can take on a matter file.</summary>
public enum MatterStep
{
    Accept,
    AcceptNoticePending,
    Reject,
    NotifyAcceptance,
    Assign,
    Receive,
    Return,
    FirstContact,
    Reply,
    Close,
    RequestReview,
    DecideReview,
    RequestReReview,
    HearingStart,
    HearingEnd,
    DecideReReview,
    RequestExtension,
    ApproveExtension,
    DenyExtension,
    Supervise,
}

/// <summary>What a step's form asks for besides the button.</summary>
public enum StepInput
{
    None,
    Reason,
    Unit,
    Reply,
    Extension,
    PetitionerNotified,
    SupervisionRequest,
}

/// <summary>A step: the permission it needs, the statuses it starts from, its button label, and what its form asks.</summary>
public sealed record StepRule(MatterStep Step, Permission Permission, IReadOnlyList<string> From, string Label, StepInput Input = StepInput.None,
    bool Secondary = false);

/// <summary>
/// What a form posted with a step; each step reads the fields its <see cref="StepInput"/> names. A reply may carry the
/// petitioner's satisfaction asked as it was given (<paramref name="Rating"/>, <paramref name="Channel"/>: 当面 or 电话).
/// </summary>
public sealed record StepArguments(string? Text = null, int UnitId = 0, DateOnly RepliedOn = default, string? Outcome = null, int Days = 0,
    bool PetitionerNotified = false, string? Rating = null, string? Channel = null);

/// <summary>The facts of a matter that decide which steps are open.</summary>
public sealed record StepContext(string Status, int? UnitId, bool ExtensionPending, bool HearingOpen, bool HandlingRunning,
    bool NoticePending = false, int? ExtensionRequestedBy = null);

/// <summary>
/// The step table: the one place that says from which status each step may be taken and with which permission.
/// <see cref="MatterLifecycle"/> enforces it; pages render <see cref="Available"/> and nothing else.
/// </summary>
public static class MatterSteps
{
    static readonly string[] UnitWork = [MatterStatus.Received, MatterStatus.Handling];

    public static IReadOnlyList<StepRule> All { get; } =
    [
        new(MatterStep.Accept, Permission.AcceptMatter, [MatterStatus.Registered], "予以受理（已书面告知）"),
        new(MatterStep.AcceptNoticePending, Permission.AcceptMatter, [MatterStatus.Registered], "予以受理（告知待发）", Secondary: true),
        new(MatterStep.Reject, Permission.AcceptMatter, [MatterStatus.Registered], "不予受理", StepInput.Reason, Secondary: true),
        new(MatterStep.NotifyAcceptance, Permission.NotifyAcceptance,
            [MatterStatus.Accepted, MatterStatus.NotAccepted, MatterStatus.Assigned, MatterStatus.Received, MatterStatus.Handling],
            "已书面告知受理情况", Secondary: true),
        new(MatterStep.Assign, Permission.AssignMatter, [MatterStatus.Accepted, MatterStatus.Returned], "交办", StepInput.Unit),
        new(MatterStep.Receive, Permission.ReceiveMatter, [MatterStatus.Assigned], "签收"),
        new(MatterStep.Return, Permission.ReturnMatter, [MatterStatus.Assigned], "退回中心（非本单位职责）", StepInput.Reason, Secondary: true),
        new(MatterStep.FirstContact, Permission.FirstContact, [MatterStatus.Received], "已首次联系信访人（一问一核实）", StepInput.Reason),
        new(MatterStep.Reply, Permission.ReplyMatter, [MatterStatus.Handling], "答复", StepInput.Reply),
        new(MatterStep.Close, Permission.CloseMatter, [MatterStatus.Replied], "办结"),
        new(MatterStep.RequestReview, Permission.RecordReviewRequest, [MatterStatus.Replied, MatterStatus.Closed], "信访人申请复查", Secondary: true),
        new(MatterStep.DecideReview, Permission.DecideReview, [MatterStatus.Review], "出具复查意见"),
        new(MatterStep.RequestReReview, Permission.RecordReviewRequest, [MatterStatus.Reviewed], "信访人申请复核", Secondary: true),
        new(MatterStep.HearingStart, Permission.Hearing, [MatterStatus.ReReview], "举行听证（暂停计时）", Secondary: true),
        new(MatterStep.HearingEnd, Permission.Hearing, [MatterStatus.ReReview], "听证结束（恢复计时）", Secondary: true),
        new(MatterStep.DecideReReview, Permission.DecideReReview, [MatterStatus.ReReview], "出具复核意见（终结）"),
        new(MatterStep.RequestExtension, Permission.RequestExtension, UnitWork, "提交延期申请", StepInput.Extension, Secondary: true),
        new(MatterStep.ApproveExtension, Permission.ApproveExtension, UnitWork, "批准延期", StepInput.PetitionerNotified),
        new(MatterStep.DenyExtension, Permission.ApproveExtension, UnitWork, "不批准延期", Secondary: true),
        new(MatterStep.Supervise, Permission.Supervise,
            [MatterStatus.Assigned, MatterStatus.Received, MatterStatus.Handling,
             MatterStatus.Replied, MatterStatus.Closed, MatterStatus.Review, MatterStatus.Reviewed, MatterStatus.ReReview],
            "发出督办单（7 日内反馈）", StepInput.SupervisionRequest, Secondary: true),
    ];

    static readonly Dictionary<MatterStep, StepRule> ByStep = All.ToDictionary(s => s.Step);

    public static StepRule Of(MatterStep step) => ByStep[step];

    /// <summary>Whether the step fits the matter as it stands, whoever asks.</summary>
    public static bool Fits(StepRule rule, StepContext matter) =>
        rule.From.Contains(matter.Status) && rule.Step switch
        {
            MatterStep.HearingStart => !matter.HearingOpen,
            MatterStep.HearingEnd => matter.HearingOpen,
            MatterStep.RequestExtension => !matter.ExtensionPending && matter.HandlingRunning,
            MatterStep.ApproveExtension or MatterStep.DenyExtension => matter.ExtensionPending,
            MatterStep.NotifyAcceptance => matter.NoticePending,
            MatterStep.Supervise => matter.UnitId is not null,
            _ => true,
        };

    /// <summary>The steps this person may take on this matter now, in the table's order.</summary>
    public static IReadOnlyList<StepRule> Available(Actor actor, StepContext matter) =>
        [.. All.Where(rule => Fits(rule, matter) && actor.May(rule.Permission, matter.UnitId) && !DecidesOwnRequest(rule, actor, matter))];

    /// <summary>Nobody approves their own extension request: the head of the unit checks the officer's case.</summary>
    static bool DecidesOwnRequest(StepRule rule, Actor actor, StepContext matter) =>
        rule.Step is MatterStep.ApproveExtension or MatterStep.DenyExtension && matter.ExtensionRequestedBy == actor.UserId;
}
