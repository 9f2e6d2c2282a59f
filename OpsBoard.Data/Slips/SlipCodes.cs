using OpsBoard.Data.Reception;

namespace OpsBoard.Data.Slips;

/// <summary>
/// What raises a slip (《沥海街道信访工作意见》二(二)): 多次重复访（3次以上）、越级访（到绍赴省进京）、集体访、极端信访行为;
/// <c>warning_slip.trigger</c>, <c>slip_trigger_rule.trigger</c>.
/// </summary>
public static class SlipTrigger
{
    public const string Repeat = "repeat";
    public const string Escalated = "escalated";
    public const string Collective = "collective";
    public const string Extreme = "extreme";

    public static CodeSet Labels { get; } = new((Repeat, "重复访"), (Escalated, "越级访"), (Collective, "集体访"), (Extreme, "极端信访行为"));

    /// <summary>What the threshold of a trigger counts, for the rules form: "来访次数" …</summary>
    public static CodeSet ThresholdLabels { get; } = new(
        (Repeat, "同一事项来访次数达到"), (Escalated, "到达层级不低于（2 市、3 省、4 进京）"), (Collective, "来访人数达到"), (Extreme, "记录的极端行为种数达到"));

    /// <summary>The level a visit reached as a number the escalated threshold compares with: 县 1, 市 2, 省 3, 进京 4.</summary>
    public static IReadOnlyList<string> LevelOrder { get; } = [VisitLevel.County, VisitLevel.City, VisitLevel.Province, VisitLevel.National];

    public static string Label(string trigger) => Labels.Label(trigger);
}

/// <summary>
/// Where a slip is in its life: issued to the unit → 签收 → answered → the leader in charge signs (the materials return
/// to the petition office) → the office closes it; the leader or the office may send it back. <c>warning_slip.state</c>.
/// </summary>
public static class SlipState
{
    public const string Issued = "issued";
    public const string Acknowledged = "acknowledged";
    public const string Answered = "answered";
    public const string Signed = "signed";
    public const string SentBack = "sent_back";
    public const string Closed = "closed";

    public static CodeSet Labels { get; } = new(
        (Issued, "待签收"), (Acknowledged, "已签收待答复"), (Answered, "待领导审签"), (Signed, "已报回信访办"), (SentBack, "被退回"), (Closed, "已办结"));

    /// <summary>States still counted as open (the unique key's <c>closed_at IS NULL</c>).</summary>
    public static IReadOnlyList<string> Open { get; } = [Issued, Acknowledged, Answered, Signed, SentBack];

    public static string Label(string state) => Labels.Label(state);
}

/// <summary>The steps of a slip, as recorded in <c>warning_slip_step</c> and announced as <c>slip.*</c> live events.</summary>
public static class SlipStep
{
    public const string Issue = "issue";
    public const string Acknowledge = "acknowledge";
    public const string Answer = "answer";
    public const string Sign = "sign";
    public const string SendBack = "send_back";
    public const string Close = "close";
    public const string Reopen = "reopen";

    public static CodeSet Labels { get; } = new(
        (Issue, "下发"), (Acknowledge, "签收"), (Answer, "答复"), (Sign, "领导审签"), (SendBack, "领导退回"), (Close, "办结"), (Reopen, "信访办退回"));
}

/// <summary>The slip's number: YJ, the Beijing day it was issued, and its id (YJ20261123-00042).</summary>
public static class SlipCode
{
    public static string For(DateTimeOffset issuedAt, long id) => $"YJ{ChinaTime.DayOf(issuedAt):yyyyMMdd}-{id:00000}";
}

public sealed class SlipException(string message) : RefusedException(message);
