using Dapper;
using Npgsql;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Audit;
using OpsBoard.Data.Live;
using OpsBoard.Data.Reception;

namespace OpsBoard.Data.Matters;

/// <summary>
/// The life of a petition matter (README "Matters and their clocks"): each step checks the permission and the status
/// it starts from against <see cref="MatterSteps"/>, moves the matter, starts and stops its clocks, and writes the
/// transition, an audit row and a live event — in one transaction. A refused step changes nothing and says why.
/// </summary>
public sealed class MatterLifecycle(NpgsqlDataSource dataSource, MatterClocks clocks, Supervisions supervisions, TimeProvider time)
{
    sealed record PendingExtension(long Id, int Days, string Reason, int RequestedBy);

    sealed record MatterState(long Id, int CenterId, string Code, string Status, int? UnitId, DateTime ReceivedAt, DateTime? AcceptedAt, string Source)
    {
        public string LocalRule => ClockKind.LocalHandlingFor(Source);
    }

    public static string StatusName(string status) => MatterStatus.Label(status);

    /// <summary>Runs a step as a page posts it: the step and the fields its form asked for.</summary>
    public Task<string> RunAsync(Actor actor, long matterId, MatterStep step, StepArguments args) => step switch
    {
        MatterStep.Accept => AcceptAsync(actor, matterId, true, null, true),
        MatterStep.AcceptNoticePending => AcceptAsync(actor, matterId, true, null, false),
        MatterStep.Reject => AcceptAsync(actor, matterId, false, args.Text, true),
        MatterStep.NotifyAcceptance => NotifyAcceptanceAsync(actor, matterId),
        MatterStep.Assign => AssignAsync(actor, matterId, args.UnitId),
        MatterStep.Receive => ReceiveAsync(actor, matterId),
        MatterStep.Return => ReturnAsync(actor, matterId, args.Text ?? ""),
        MatterStep.FirstContact => FirstContactAsync(actor, matterId, args.Text ?? ""),
        MatterStep.Reply => ReplyAsync(actor, matterId, args.RepliedOn, args.Outcome ?? "", args.Rating, args.Channel),
        MatterStep.Close => CloseAsync(actor, matterId),
        MatterStep.RequestReview => RequestReviewAsync(actor, matterId),
        MatterStep.DecideReview => DecideReviewAsync(actor, matterId),
        MatterStep.RequestReReview => RequestReReviewAsync(actor, matterId),
        MatterStep.HearingStart => HearingAsync(actor, matterId, true),
        MatterStep.HearingEnd => HearingAsync(actor, matterId, false),
        MatterStep.DecideReReview => DecideReReviewAsync(actor, matterId),
        MatterStep.RequestExtension => RequestExtensionAsync(actor, matterId, args.Days, args.Text ?? ""),
        MatterStep.ApproveExtension => DecideExtensionAsync(actor, matterId, true, args.PetitionerNotified),
        MatterStep.DenyExtension => DecideExtensionAsync(actor, matterId, false, false),
        MatterStep.Supervise => IssueSupervisionAsync(actor, matterId, args),
        _ => throw new MatterException("未知的办理步骤。"),
    };

    /// <summary>受理 or 不予受理; the written notice stops the 15-day notice clock (条例 第二十三条).</summary>
    public Task<string> AcceptAsync(Actor actor, long matterId, bool accepted, string? reason, bool noticeGiven) =>
        StepAsync(actor, matterId, accepted ? MatterStep.Accept : MatterStep.Reject, async (c, t, m, now) =>
        {
            if (!accepted && string.IsNullOrWhiteSpace(reason))
            {
                throw new MatterException("不予受理须写明理由。");
            }

            reason = accepted ? null : TextLimits.Check(reason, "不予受理理由", TextLimits.Reason);

            var to = accepted ? MatterStatus.Accepted : MatterStatus.NotAccepted;
            await c.ExecuteAsync("""
                UPDATE matter SET status = @to, accepted_at = CASE WHEN @accepted THEN @now END, acceptance_reason = @reason,
                                  acceptance_notice_at = CASE WHEN @noticeGiven THEN @now END,
                                  closed_at = CASE WHEN @accepted THEN NULL ELSE @now END
                WHERE id = @Id
                """, new { to, accepted, now, reason = reason?.Trim(), noticeGiven, m.Id }, t);
            if (noticeGiven)
            {
                await clocks.StopAsync(c, t, m.Id, ClockKind.AcceptanceNotice, now);
            }

            if (accepted)
            {
                await clocks.StartAsync(c, t, m.Id, ClockKind.Handling, now);
                await clocks.StartAsync(c, t, m.Id, m.LocalRule, now);
            }
            else
            {
                await clocks.StopAsync(c, t, m.Id, ClockKind.Transfer, now);
            }

            return (to, accepted ? "予以受理" : $"不予受理：{reason}");
        });

    public Task<string> NotifyAcceptanceAsync(Actor actor, long matterId) =>
        StepAsync(actor, matterId, MatterStep.NotifyAcceptance, async (c, t, m, now) =>
        {
            var updated = await c.ExecuteAsync("UPDATE matter SET acceptance_notice_at = @now WHERE id = @Id AND acceptance_notice_at IS NULL",
                new { now, m.Id }, t);
            if (updated == 0)
            {
                throw new MatterException("已书面告知过信访人受理情况，无需重复告知。");
            }

            await clocks.StopAsync(c, t, m.Id, ClockKind.AcceptanceNotice, now);
            return (m.Status, "书面告知信访人受理情况");
        });

    /// <summary>转送/交办 to the responsible unit, which then has 5 working days to object (条例 第二十三条).</summary>
    public Task<string> AssignAsync(Actor actor, long matterId, int unitId) =>
        StepAsync(actor, matterId, MatterStep.Assign, async (c, t, m, now) =>
        {
            if (unitId <= 0)
            {
                throw new MatterException("请选择责任单位。");
            }

            var unit = await c.ExecuteScalarAsync<string?>(
                "SELECT name FROM unit WHERE id = @unitId AND center_id = @CenterId AND active", new { unitId, m.CenterId }, t)
                ?? throw new MatterException("责任单位无效。");
            await Accusations.RefuseConflictAsync(dataSource, c, t, actor, m.Id, unitId, "交办、转送给该单位");
            await c.ExecuteAsync("UPDATE matter SET status = @status, responsible_unit_id = @unitId, assigned_at = @now WHERE id = @Id",
                new { status = MatterStatus.Assigned, unitId, now, m.Id }, t);
            await clocks.StopAsync(c, t, m.Id, ClockKind.Transfer, now);
            await clocks.StartAsync(c, t, m.Id, ClockKind.Objection, now);
            return (MatterStatus.Assigned, $"交办{unit}");
        }, unitAfter: unitId);

    public Task<string> ReceiveAsync(Actor actor, long matterId) =>
        StepAsync(actor, matterId, MatterStep.Receive, async (c, t, m, now) =>
        {
            await c.ExecuteAsync("UPDATE matter SET status = @status WHERE id = @Id", new { status = MatterStatus.Received, m.Id }, t);
            await clocks.StopAsync(c, t, m.Id, ClockKind.Objection, now);
            await clocks.StartAsync(c, t, m.Id, ClockKind.FirstContact, now);
            return (MatterStatus.Received, "责任单位签收");
        });

    /// <summary>A wrongly routed matter goes back to the center, with the unit's reason.</summary>
    public Task<string> ReturnAsync(Actor actor, long matterId, string reason) =>
        StepAsync(actor, matterId, MatterStep.Return, async (c, t, m, now) =>
        {
            if (string.IsNullOrWhiteSpace(reason))
            {
                throw new MatterException("退回须写明理由（非本单位职责的依据）。");
            }

            reason = TextLimits.Check(reason, "退回理由", TextLimits.Reason);

            await c.ExecuteAsync("UPDATE matter SET status = @status WHERE id = @Id", new { status = MatterStatus.Returned, m.Id }, t);
            await clocks.StopAsync(c, t, m.Id, ClockKind.Objection, now);
            return (MatterStatus.Returned, $"退回中心：{reason.Trim()}");
        });

    /// <summary>一问一核实: the first contact with the petitioner, within one working day (《沥海街道信访工作意见》一(二)).</summary>
    public Task<string> FirstContactAsync(Actor actor, long matterId, string note) =>
        StepAsync(actor, matterId, MatterStep.FirstContact, async (c, t, m, now) =>
        {
            // 一问一核实 is a record of what the petitioner was asked and said: an empty one records nothing.
            var record = TextLimits.Check(note, "联系情况（何时以何方式联系、核实了什么）", TextLimits.Reason);
            await c.ExecuteAsync("UPDATE matter SET status = @status, first_contact_at = @now WHERE id = @Id", new { status = MatterStatus.Handling, now, m.Id }, t);
            await clocks.StopAsync(c, t, m.Id, ClockKind.FirstContact, now);
            return (MatterStatus.Handling, $"首次联系信访人：{record}");
        });

    /// <summary>
    /// 答复: the reply's date may not precede acceptance, nor lie in the future. The satisfaction asked as the reply is given
    /// (见面答复, or by phone) is optional; given, it is an evaluation of the matter counted in the 满意率, written with the step.
    /// </summary>
    public Task<string> ReplyAsync(Actor actor, long matterId, DateOnly repliedOn, string outcome, string? rating = null, string? channel = null) =>
        StepAsync(actor, matterId, MatterStep.Reply, async (c, t, m, now) =>
        {
            if (!ReplyOutcome.Labels.Contains(outcome))
            {
                throw new MatterException("请选择答复意见。");
            }

            rating = string.IsNullOrEmpty(rating) ? null : rating;
            if (rating is not null && !EvaluationRating.Labels.Contains(rating))
            {
                throw new MatterException("满意度选项无效。");
            }

            if (rating is not null && !EvaluationChannel.AtReply.Contains(channel ?? ""))
            {
                throw new MatterException("请选择征询满意度的方式：当面或电话。");
            }

            var today = ChinaTime.Today(time);
            var acceptedOn = ChinaTime.DayOf(m.AcceptedAt!.Value);
            if (repliedOn < acceptedOn || repliedOn > today)
            {
                throw new MatterException($"答复日期应在受理日（{acceptedOn:yyyy-MM-dd}）与今天之间。");
            }

            var at = repliedOn == today ? now : ChinaTime.StartOf(repliedOn).AddHours(12).ToUniversalTime();
            await c.ExecuteAsync("UPDATE matter SET status = @status, replied_at = @at, reply_outcome = @outcome WHERE id = @Id", new { status = MatterStatus.Replied, at, outcome, m.Id }, t);
            await clocks.StopAsync(c, t, m.Id, ClockKind.Handling, at);
            await clocks.StopAsync(c, t, m.Id, m.LocalRule, at);
            await clocks.StartAsync(c, t, m.Id, ClockKind.ReviewRequest, at);
            var note = $"出具答复意见：{ReplyOutcome.Labels.Label(outcome)}";
            if (rating is not null)
            {
                await RecordReplyRatingAsync(c, t, actor, m, rating, channel!, at);
                note += "；" + ReplyRatingNote(channel!, rating);
            }

            return (MatterStatus.Replied, note);
        });

    /// <summary>How the file records the satisfaction asked at the reply: 当面征询满意度：满意.</summary>
    public static string ReplyRatingNote(string channel, string rating) =>
        $"{EvaluationChannel.Labels.Label(channel)}征询满意度：{EvaluationRating.Labels.Label(rating)}";

    /// <summary>The rating asked at the reply, dated with it: an evaluation of the matter, audited, and announced so the wall's KPIs refresh.</summary>
    static async Task RecordReplyRatingAsync(NpgsqlConnection c, NpgsqlTransaction t, Actor actor, MatterState m, string rating, string channel,
        DateTimeOffset at)
    {
        const string sql = """
            INSERT INTO evaluation (matter_id, rating, channel, at, recorded_by)
            VALUES (@Id, @rating, @channel, @at, @UserId)
            RETURNING id
            """;
        var id = await c.ExecuteScalarAsync<long>(sql, new { m.Id, rating, channel, at, actor.UserId }, t);
        await AuditLog.WriteAsync(c, t, new AuditEntry("evaluation.recorded", actor.CenterId, actor.UserId, SubjectKind: "evaluation", SubjectId: id,
            UnitId: m.UnitId, Detail: new { matterId = m.Id, rating, channel }));
        await LiveJournal.AppendAsync(c, t, "evaluation.recorded", actor.CenterId, m.UnitId, new { matterId = m.Id });
    }

    public Task<string> CloseAsync(Actor actor, long matterId) =>
        StepAsync(actor, matterId, MatterStep.Close, async (c, t, m, now) =>
        {
            await c.ExecuteAsync("UPDATE matter SET status = @status, closed_at = @now WHERE id = @Id", new { status = MatterStatus.Closed, now, m.Id }, t);
            return (MatterStatus.Closed, "办结");
        });

    /// <summary>复查 request within 30 days of the reply; the reviewing body decides within 30 days (条例 第三十五条).</summary>
    public Task<string> RequestReviewAsync(Actor actor, long matterId) =>
        StepAsync(actor, matterId, MatterStep.RequestReview, async (c, t, m, now) =>
        {
            await c.ExecuteAsync("UPDATE matter SET status = @status, closed_at = NULL WHERE id = @Id", new { status = MatterStatus.Review, m.Id }, t);
            await clocks.StopWindowAsync(c, t, m.Id, ClockKind.ReviewRequest, now);
            await clocks.StartAsync(c, t, m.Id, ClockKind.ReviewDecision, now);
            return (MatterStatus.Review, "信访人申请复查");
        });

    public Task<string> DecideReviewAsync(Actor actor, long matterId) =>
        StepAsync(actor, matterId, MatterStep.DecideReview, async (c, t, m, now) =>
        {
            await c.ExecuteAsync("UPDATE matter SET status = @status, closed_at = @now WHERE id = @Id", new { status = MatterStatus.Reviewed, now, m.Id }, t);
            await clocks.StopAsync(c, t, m.Id, ClockKind.ReviewDecision, now);
            await clocks.StartAsync(c, t, m.Id, ClockKind.ReReviewRequest, now);
            return (MatterStatus.Reviewed, "出具复查意见");
        });

    /// <summary>复核 (条例 第三十六条): a hearing pauses its clock; after the decision the matter is never accepted again.</summary>
    public Task<string> RequestReReviewAsync(Actor actor, long matterId) =>
        StepAsync(actor, matterId, MatterStep.RequestReReview, async (c, t, m, now) =>
        {
            await c.ExecuteAsync("UPDATE matter SET status = @status, closed_at = NULL WHERE id = @Id", new { status = MatterStatus.ReReview, m.Id }, t);
            await clocks.StopWindowAsync(c, t, m.Id, ClockKind.ReReviewRequest, now);
            await clocks.StartAsync(c, t, m.Id, ClockKind.ReReviewDecision, now);
            return (MatterStatus.ReReview, "信访人申请复核");
        });

    public Task<string> HearingAsync(Actor actor, long matterId, bool starts) =>
        StepAsync(actor, matterId, starts ? MatterStep.HearingStart : MatterStep.HearingEnd, async (c, t, m, now) =>
        {
            if (starts)
            {
                await clocks.PauseAsync(c, t, m.Id, ClockKind.ReReviewDecision, ClockEvent.Hearing, now);
            }
            else
            {
                await clocks.ResumeAsync(c, t, m.Id, ClockKind.ReReviewDecision, now);
            }

            return (m.Status, starts ? "举行听证，复核期限暂停" : "听证结束，复核期限恢复");
        });

    public Task<string> DecideReReviewAsync(Actor actor, long matterId) =>
        StepAsync(actor, matterId, MatterStep.DecideReReview, async (c, t, m, now) =>
        {
            await c.ExecuteAsync("UPDATE matter SET status = @status, closed_at = @now WHERE id = @Id", new { status = MatterStatus.Finalized, now, m.Id }, t);
            await clocks.StopAsync(c, t, m.Id, ClockKind.ReReviewDecision, now);
            return (MatterStatus.Finalized, "出具复核意见，信访终结");
        });

    /// <summary>A unit officer asks for more time on the handling clock; the unit's leader decides.</summary>
    public Task<string> RequestExtensionAsync(Actor actor, long matterId, int days, string reason) =>
        StepAsync(actor, matterId, MatterStep.RequestExtension, async (c, t, m, now) =>
        {
            var (clock, _) = await MatterClocks.ExtensibleAsync(c, t, m.Id, ClockKind.Handling, days);
            if (string.IsNullOrWhiteSpace(reason))
            {
                throw new MatterException("请写明延期理由。");
            }

            reason = TextLimits.Check(reason, "延期理由", TextLimits.Reason);

            try
            {
                await c.ExecuteAsync("""
                    INSERT INTO extension_request (clock_id, days, reason, requested_by, requested_at)
                    VALUES (@Id, @days, @reason, @UserId, @now)
                    """, new { clock.Id, days, reason = reason.Trim(), actor.UserId, now }, t);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                throw new MatterException("已有一项延期申请待审批。");
            }

            return (m.Status, $"申请延期 {days} 日：{reason.Trim()}");
        });

    /// <summary>The unit leader's decision; approval extends the clock, and the petitioner must be told why.</summary>
    public Task<string> DecideExtensionAsync(Actor actor, long matterId, bool approve, bool petitionerNotified) =>
        StepAsync(actor, matterId, approve ? MatterStep.ApproveExtension : MatterStep.DenyExtension, async (c, t, m, now) =>
        {
            var request = await c.QuerySingleOrDefaultAsync<PendingExtension>("""
                SELECT e.id, e.days, e.reason, e.requested_by AS RequestedBy
                FROM extension_request e
                JOIN matter_clock k ON k.id = e.clock_id
                WHERE k.matter_id = @Id AND e.decided_at IS NULL
                FOR UPDATE OF e
                """, new { m.Id }, t) ?? throw new MatterException("没有待审批的延期申请。");
            if (request.RequestedBy == actor.UserId)
            {
                throw new MatterException("不能审批本人提出的延期申请，请由本单位其他负责人审批。");
            }

            if (approve && !petitionerNotified)
            {
                throw new MatterException("批准延期须同时告知信访人延期理由（条例第三十四条）。");
            }

            await c.ExecuteAsync("""
                UPDATE extension_request SET decided_by = @UserId, decided_at = @now, approved = @approve, petitioner_notified = @petitionerNotified
                WHERE id = @Id
                """, new { actor.UserId, now, approve, petitionerNotified, request.Id }, t);
            if (approve)
            {
                await clocks.ExtendAsync(c, t, m.Id, ClockKind.Handling, request.Days, request.Reason, actor.UserId, petitionerNotified);
            }

            return (m.Status, approve ? $"批准延期 {request.Days} 日，已告知信访人延期理由" : "不批准延期");
        });

    async Task<string> IssueSupervisionAsync(Actor actor, long matterId, StepArguments args)
    {
        await supervisions.IssueAsync(actor, matterId, args.UnitId, args.Text ?? "");
        return "发出督办单，7 日内反馈";
    }

    /// <summary>Runs one step and answers the note it wrote in the file, which is also what the user is told.</summary>
    async Task<string> StepAsync(Actor actor, long matterId, MatterStep step,
        Func<NpgsqlConnection, NpgsqlTransaction, MatterState, DateTimeOffset, Task<(string To, string Note)>> body, int? unitAfter = null)
    {
        var rule = MatterSteps.Of(step);
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var matter = await connection.QuerySingleOrDefaultAsync<MatterState>("""
            SELECT id, center_id AS CenterId, code, status, responsible_unit_id AS UnitId, received_at AS ReceivedAt, accepted_at AS AcceptedAt, source
            FROM matter
            WHERE id = @matterId AND center_id = @CenterId
            FOR UPDATE
            """, new { matterId, actor.CenterId }, transaction) ?? throw new MatterException("信访事项不存在。");

        if (!actor.May(rule.Permission, matter.UnitId))
        {
            await transaction.RollbackAsync();
            await PermissionGuard.RequireAsync(dataSource, actor, rule.Permission, matter.UnitId, "matter", matterId);
        }

        if (!rule.From.Contains(matter.Status))
        {
            throw new MatterException($"信访事项 {matter.Code} 当前为“{MatterStatus.Label(matter.Status)}”，不能“{rule.Label}”。");
        }

        var now = time.GetUtcNow();
        var (to, note) = await body(connection, transaction, matter, now);
        await connection.ExecuteAsync("""
            INSERT INTO matter_transition (matter_id, from_status, to_status, at, user_id, unit_id, note)
            VALUES (@Id, @Status, @to, @now, @UserId, @unit, @note)
            """, new { matter.Id, matter.Status, to, now, actor.UserId, unit = unitAfter ?? matter.UnitId, note }, transaction);
        await AuditLog.WriteAsync(connection, transaction, new AuditEntry("matter.step", actor.CenterId, actor.UserId, SubjectKind: "matter",
            SubjectId: matter.Id, UnitId: unitAfter ?? matter.UnitId, Detail: new { step = step.ToString(), from = matter.Status, to, note }));
        await LiveJournal.AppendAsync(connection, transaction, $"matter.{to}", actor.CenterId, unitAfter ?? matter.UnitId,
            new { matter.Id, matter.Code, to });
        await transaction.CommitAsync();
        return note;
    }
}
