using OpsBoard.Data.Matters;

namespace OpsBoard.Data.Demo;

/// <summary>
/// The steps a planned matter goes through, in the statuses and order of <see cref="MatterLifecycle"/>: who took each
/// step, for which unit, with the note the file shows. The writer keeps those that have happened by now, so a matter's
/// status is always the last status its own transitions reached.
/// </summary>
static class DemoSteps
{
    const string ExtensionReason = "案情复杂，需进一步调查核实";

    public static string ExtensionReasonOf(MatterRow m) => $"{ExtensionReason}，经单位负责人批准延期 {m.ExtensionDays} 日";

    /// <summary>Every planned step of <paramref name="m"/>, in time order (steps at the same moment keep lifecycle order).</summary>
    public static List<PlannedStep> Of(MatterRow m, DemoIds ids)
    {
        var steps = new List<PlannedStep>(12)
        {
            new(m.Received, MatterStatus.Registered, m.RegisteredBy, null, MatterSource.RegistrationNote(m.Source)),
        };
        if (m.NotAccepted)
        {
            steps.Add(new(m.Decided!.Value, MatterStatus.NotAccepted, m.DecidedBy, null, m.AcceptanceReason!));
            return steps;
        }

        var unit = m.ResponsibleUnitId;
        var unitName = ids.UnitNames[unit];
        var center = m.DecidedBy;
        var desk = m.RegisteredBy;
        steps.Add(new(m.Decided!.Value, MatterStatus.Accepted, center, null,
            m.OnSpot ? "当场受理" : m.Notice == m.Decided ? "予以受理，已告知信访人" : "予以受理"));
        if (m.Notice is { } notice && notice != m.Decided)
        {
            steps.Add(new(notice, null, desk, null, "书面告知信访人受理情况"));
        }

        if (m.FirstAssigned is { } first)
        {
            var wrongUnit = m.FirstUnitId!.Value;
            steps.Add(new(first, MatterStatus.Assigned, center, wrongUnit, $"交办{ids.UnitNames[wrongUnit]}"));
            steps.Add(new(m.Returned!.Value, MatterStatus.Returned, m.FirstUnitUser, wrongUnit, $"退回中心：{m.ReturnReason}"));
        }

        steps.Add(new(m.Assigned!.Value, MatterStatus.Assigned, center, unit, m.OnSpot ? $"{unitName}现场接谈" : $"交办{unitName}"));
        Add(steps, m.UnitReceived, MatterStatus.Received, m.UnitUser, unit, "责任单位签收");
        Add(steps, m.FirstContact, MatterStatus.Handling, m.UnitUser, unit, m.OnSpot ? "当面核实情况" : "电话联系信访人，核实诉求");
        if (m.ExtensionRequested is { } requested)
        {
            steps.Add(new(requested, null, m.UnitUser, unit, $"申请延期 {m.ExtensionDays} 日：{ExtensionReason}"));
            Add(steps, m.ExtensionDecided, null, m.ExtensionApprover, unit, $"批准延期 {m.ExtensionDays} 日，已告知信访人延期理由");
        }

        var reply = m.ReplyOutcome switch
        {
            ReplyOutcome.Supported => "书面答复：诉求予以支持",
            ReplyOutcome.PartlySupported => "书面答复：诉求部分支持",
            ReplyOutcome.NotSupported => "书面答复：诉求不予支持，告知复查途径",
            _ => "书面答复：解释说明政策依据",
        };
        if (m.ReplyRating is { } rating)
        {
            reply += "；" + MatterLifecycle.ReplyRatingNote(m.ReplyRatingChannel!, rating);
        }

        Add(steps, m.Replied, MatterStatus.Replied, m.UnitUser, unit, m.OnSpot ? "当场答复" : reply);
        Add(steps, m.Closed, MatterStatus.Closed, center, unit, m.OnSpot ? "当场化解，签订息访承诺书" : "办结归档");
        Add(steps, m.ReviewRequested, MatterStatus.Review, desk, unit, "信访人申请复查");
        Add(steps, m.ReviewDecided, MatterStatus.Reviewed, center, unit, "出具复查意见");
        Add(steps, m.ReReviewRequested, MatterStatus.ReReview, desk, unit, "信访人申请复核");
        Add(steps, m.HearingStarted, null, center, unit, "举行听证，复核期限暂停");
        Add(steps, m.HearingEnded, null, center, unit, "听证结束，复核期限恢复");
        Add(steps, m.ReReviewDecided, MatterStatus.Finalized, center, unit, "出具复核意见，信访终结");

        // A letter's written notice may follow the assignment by a day: a stable insertion sort puts it in place.
        for (var i = 1; i < steps.Count; i++)
        {
            var step = steps[i];
            var j = i - 1;
            while (j >= 0 && steps[j].At > step.At)
            {
                steps[j + 1] = steps[j];
                j--;
            }

            steps[j + 1] = step;
        }

        return steps;
    }

    static void Add(List<PlannedStep> steps, DateTime? at, string? to, int? userId, int? unitId, string note)
    {
        if (at is { } moment)
        {
            steps.Add(new(moment, to, userId, unitId, note));
        }
    }
}
