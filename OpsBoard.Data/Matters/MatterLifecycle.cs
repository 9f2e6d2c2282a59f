using Dapper;
using Npgsql;
using OpsBoard.Data.Audit;
using OpsBoard.Data.Live;

namespace OpsBoard.Data.Matters;

/// <summary>Who is acting: a center role acts on any matter of the center; a unit role only on its units' matters.</summary>
public sealed record Actor(int UserId, int CenterId, bool CenterWide, IReadOnlyList<int> Units, IReadOnlyList<int> LeaderOf);

/// <summary>
/// The life of a petition matter (DOMAIN.md "Matters and their clocks"): each step checks the state it starts from,
/// moves the matter, starts and stops its clocks, and writes the transition, an audit row and a live event — in one
/// transaction. A step from the wrong state changes nothing and says why.
/// </summary>
public sealed class MatterLifecycle(NpgsqlDataSource dataSource, MatterClocks clocks, TimeProvider time)
{
    sealed record PendingExtension(long Id, int Days, string Reason);

    sealed record MatterState(long Id, int CenterId, string Code, string Status, int? UnitId, DateTime ReceivedAt, DateTime? AcceptedAt, string Source)
    {
        /// <summary>004 §一(五): a week for phone and online matters, 15 working days for letters and visits.</summary>
        public string LocalRule => Source is "phone" or "online" ? "local_handling_remote" : "local_handling";
    }

    static readonly Dictionary<string, string> StatusNames = new()
    {
        ["registered"] = "已登记", ["not_accepted"] = "不予受理", ["accepted"] = "已受理", ["assigned"] = "已交办",
        ["returned"] = "已退回", ["received"] = "单位已签收", ["handling"] = "办理中", ["replied"] = "已答复",
        ["closed"] = "已办结", ["review"] = "复查中", ["reviewed"] = "已复查", ["re_review"] = "复核中", ["finalized"] = "复核终结",
    };

    public static string StatusName(string status) => StatusNames.GetValueOrDefault(status, status);

    /// <summary>受理 or 不予受理; the written notice stops the 15-day notice clock (条例 第二十三条).</summary>
    public Task AcceptAsync(Actor actor, long matterId, bool accepted, string? reason, bool noticeGiven) =>
        StepAsync(actor, matterId, ["registered"], centerOnly: true, async (c, t, m, now) =>
        {
            if (!accepted && string.IsNullOrWhiteSpace(reason))
            {
                throw new MatterException("不予受理须写明理由。");
            }

            var to = accepted ? "accepted" : "not_accepted";
            await c.ExecuteAsync("""
                UPDATE matter SET status = @to, accepted_at = CASE WHEN @accepted THEN @now END, acceptance_reason = @reason,
                                  acceptance_notice_at = CASE WHEN @noticeGiven THEN @now END,
                                  closed_at = CASE WHEN @accepted THEN NULL ELSE @now END
                WHERE id = @Id
                """, new { to, accepted, now, reason = reason?.Trim(), noticeGiven, m.Id }, t);
            if (noticeGiven)
            {
                await clocks.StopAsync(c, t, m.Id, "acceptance_notice", now);
            }

            if (accepted)
            {
                await clocks.StartAsync(c, t, m.Id, "handling", now);
                await clocks.StartAsync(c, t, m.Id, m.LocalRule, now);
            }
            else
            {
                await clocks.StopAsync(c, t, m.Id, "transfer", now);
            }

            return (to, accepted ? "予以受理" : $"不予受理：{reason}");
        });

    public Task NotifyAcceptanceAsync(Actor actor, long matterId) =>
        StepAsync(actor, matterId, ["accepted", "not_accepted", "assigned", "received", "handling"], centerOnly: true, async (c, t, m, now) =>
        {
            await c.ExecuteAsync("UPDATE matter SET acceptance_notice_at = coalesce(acceptance_notice_at, @now) WHERE id = @Id", new { now, m.Id }, t);
            await clocks.StopAsync(c, t, m.Id, "acceptance_notice", now);
            return (m.Status, "书面告知信访人受理情况");
        });

    /// <summary>转送/交办 to the responsible unit, which then has 5 working days to object (条例 第二十三条).</summary>
    public Task AssignAsync(Actor actor, long matterId, int unitId) =>
        StepAsync(actor, matterId, ["accepted", "returned"], centerOnly: true, async (c, t, m, now) =>
        {
            var unit = await c.ExecuteScalarAsync<string?>(
                "SELECT name FROM unit WHERE id = @unitId AND center_id = @CenterId AND active", new { unitId, m.CenterId }, t)
                ?? throw new MatterException("责任单位无效。");
            await c.ExecuteAsync("UPDATE matter SET status = 'assigned', responsible_unit_id = @unitId, assigned_at = @now WHERE id = @Id",
                new { unitId, now, m.Id }, t);
            await clocks.StopAsync(c, t, m.Id, "transfer", now);
            await clocks.StartAsync(c, t, m.Id, "objection", now);
            return ("assigned", $"交办{unit}");
        }, unitAfter: unitId);

    public Task ReceiveAsync(Actor actor, long matterId) =>
        StepAsync(actor, matterId, ["assigned"], centerOnly: false, async (c, t, m, now) =>
        {
            await c.ExecuteAsync("UPDATE matter SET status = 'received' WHERE id = @Id", new { m.Id }, t);
            await clocks.StopAsync(c, t, m.Id, "objection", now);
            await clocks.StartAsync(c, t, m.Id, "first_contact", now);
            return ("received", "责任单位签收");
        });

    /// <summary>A wrongly routed matter goes back to the center, with the unit's reason.</summary>
    public Task ReturnAsync(Actor actor, long matterId, string reason) =>
        StepAsync(actor, matterId, ["assigned"], centerOnly: false, async (c, t, m, now) =>
        {
            if (string.IsNullOrWhiteSpace(reason))
            {
                throw new MatterException("退回须写明理由（非本单位职责的依据）。");
            }

            await c.ExecuteAsync("UPDATE matter SET status = 'returned' WHERE id = @Id", new { m.Id }, t);
            await clocks.StopAsync(c, t, m.Id, "objection", now);
            return ("returned", $"退回中心：{reason.Trim()}");
        });

    /// <summary>一问一核实: the first contact with the petitioner, within one working day (004 §一(二)).</summary>
    public Task FirstContactAsync(Actor actor, long matterId, string note) =>
        StepAsync(actor, matterId, ["received"], centerOnly: false, async (c, t, m, now) =>
        {
            await c.ExecuteAsync("UPDATE matter SET status = 'handling', first_contact_at = @now WHERE id = @Id", new { now, m.Id }, t);
            await clocks.StopAsync(c, t, m.Id, "first_contact", now);
            return ("handling", string.IsNullOrWhiteSpace(note) ? "首次联系信访人" : note.Trim());
        });

    /// <summary>答复: the reply's date may not precede acceptance, nor lie in the future.</summary>
    public Task ReplyAsync(Actor actor, long matterId, DateOnly repliedOn, string outcome) =>
        StepAsync(actor, matterId, ["handling"], centerOnly: false, async (c, t, m, now) =>
        {
            if (outcome is not ("supported" or "partly_supported" or "not_supported" or "explained"))
            {
                throw new MatterException("请选择答复意见。");
            }

            var today = ChinaTime.Today(time);
            var acceptedOn = DateOnly.FromDateTime(new DateTimeOffset(m.AcceptedAt!.Value, TimeSpan.Zero).ToOffset(ChinaTime.Offset).DateTime);
            if (repliedOn < acceptedOn || repliedOn > today)
            {
                throw new MatterException($"答复日期应在受理日（{acceptedOn:yyyy-MM-dd}）与今天之间。");
            }

            var at = repliedOn == today ? now : ChinaTime.StartOf(repliedOn).AddHours(12).ToUniversalTime();
            await c.ExecuteAsync("UPDATE matter SET status = 'replied', replied_at = @at, reply_outcome = @outcome WHERE id = @Id", new { at, outcome, m.Id }, t);
            await clocks.StopAsync(c, t, m.Id, "handling", at);
            await clocks.StopAsync(c, t, m.Id, m.LocalRule, at);
            return ("replied", "出具答复意见");
        });

    public Task CloseAsync(Actor actor, long matterId) =>
        StepAsync(actor, matterId, ["replied"], centerOnly: true, async (c, t, m, now) =>
        {
            await c.ExecuteAsync("UPDATE matter SET status = 'closed', closed_at = @now WHERE id = @Id", new { now, m.Id }, t);
            return ("closed", "办结");
        });

    /// <summary>复查 request within 30 days of the reply; the reviewing body decides within 30 days (条例 第三十五条).</summary>
    public Task RequestReviewAsync(Actor actor, long matterId) =>
        StepAsync(actor, matterId, ["replied", "closed"], centerOnly: true, async (c, t, m, now) =>
        {
            await c.ExecuteAsync("UPDATE matter SET status = 'review', closed_at = NULL WHERE id = @Id", new { m.Id }, t);
            await clocks.StartAsync(c, t, m.Id, "review_decision", now);
            return ("review", "信访人申请复查");
        });

    public Task DecideReviewAsync(Actor actor, long matterId) =>
        StepAsync(actor, matterId, ["review"], centerOnly: true, async (c, t, m, now) =>
        {
            await c.ExecuteAsync("UPDATE matter SET status = 'reviewed', closed_at = @now WHERE id = @Id", new { now, m.Id }, t);
            await clocks.StopAsync(c, t, m.Id, "review_decision", now);
            return ("reviewed", "出具复查意见");
        });

    /// <summary>复核 (条例 第三十六条): a hearing pauses its clock; after the decision the matter is never accepted again.</summary>
    public Task RequestReReviewAsync(Actor actor, long matterId) =>
        StepAsync(actor, matterId, ["reviewed"], centerOnly: true, async (c, t, m, now) =>
        {
            await c.ExecuteAsync("UPDATE matter SET status = 're_review', closed_at = NULL WHERE id = @Id", new { m.Id }, t);
            await clocks.StartAsync(c, t, m.Id, "re_review_decision", now);
            return ("re_review", "信访人申请复核");
        });

    public Task HearingAsync(Actor actor, long matterId, bool starts) =>
        StepAsync(actor, matterId, ["re_review"], centerOnly: true, async (c, t, m, now) =>
        {
            if (starts)
            {
                await clocks.PauseAsync(c, t, m.Id, "re_review_decision", "hearing", now);
            }
            else
            {
                await clocks.ResumeAsync(c, t, m.Id, "re_review_decision", now);
            }

            return (m.Status, starts ? "举行听证，复核期限暂停" : "听证结束，复核期限恢复");
        });

    public Task DecideReReviewAsync(Actor actor, long matterId) =>
        StepAsync(actor, matterId, ["re_review"], centerOnly: true, async (c, t, m, now) =>
        {
            await c.ExecuteAsync("UPDATE matter SET status = 'finalized', closed_at = @now WHERE id = @Id", new { now, m.Id }, t);
            await clocks.StopAsync(c, t, m.Id, "re_review_decision", now);
            return ("finalized", "出具复核意见，信访终结");
        });

    /// <summary>A unit officer asks for more time on the handling clock; the unit's leader decides.</summary>
    public Task RequestExtensionAsync(Actor actor, long matterId, int days, string reason) =>
        StepAsync(actor, matterId, ["received", "handling"], centerOnly: false, async (c, t, m, now) =>
        {
            var clock = await MatterClocks.RunningAsync(c, t, m.Id, "handling") ?? throw new MatterException("办理期限未在计时。");
            if (clock.ExtensionDays + days > 30 || days < 1)
            {
                throw new MatterException($"延期合计不得超过 30 日（条例第三十四条）；已延期 {clock.ExtensionDays} 日。");
            }

            if (string.IsNullOrWhiteSpace(reason))
            {
                throw new MatterException("请写明延期理由。");
            }

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
    public Task DecideExtensionAsync(Actor actor, long matterId, bool approve, bool petitionerNotified) =>
        StepAsync(actor, matterId, ["received", "handling"], centerOnly: false, async (c, t, m, now) =>
        {
            var request = await c.QuerySingleOrDefaultAsync<PendingExtension>("""
                SELECT e.id, e.days, e.reason
                FROM extension_request e
                JOIN matter_clock k ON k.id = e.clock_id
                WHERE k.matter_id = @Id AND e.decided_at IS NULL
                FOR UPDATE OF e
                """, new { m.Id }, t) ?? throw new MatterException("没有待审批的延期申请。");
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
                await clocks.ExtendAsync(c, t, m.Id, "handling", request.Days, request.Reason, actor.UserId, petitionerNotified);
            }

            return (m.Status, approve ? $"批准延期 {request.Days} 日" : "不批准延期");
        }, leaderOnly: true);

    async Task StepAsync(Actor actor, long matterId, string[] from, bool centerOnly,
        Func<NpgsqlConnection, NpgsqlTransaction, MatterState, DateTimeOffset, Task<(string To, string Note)>> step,
        int? unitAfter = null, bool leaderOnly = false)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var matter = await connection.QuerySingleOrDefaultAsync<MatterState>("""
            SELECT id, center_id AS CenterId, code, status, responsible_unit_id AS UnitId, received_at AS ReceivedAt, accepted_at AS AcceptedAt, source
            FROM matter
            WHERE id = @matterId AND center_id = @CenterId
            FOR UPDATE
            """, new { matterId, actor.CenterId }, transaction) ?? throw new MatterException("信访事项不存在。");

        var inUnit = matter.UnitId is { } u && actor.Units.Contains(u);
        var allowed = leaderOnly
            ? matter.UnitId is { } led && actor.LeaderOf.Contains(led)   // the unit's own head approves, nobody else
            : centerOnly ? actor.CenterWide : actor.CenterWide || inUnit;
        if (!allowed)
        {
            await transaction.RollbackAsync();
            await AuditLog.WriteAsync(dataSource, new AuditEntry("matter.step", actor.CenterId, actor.UserId, SubjectKind: "matter",
                SubjectId: matterId, UnitId: matter.UnitId, Outcome: "refused", Detail: new { reason = "scope" }));
            throw new MatterForbiddenException("该信访事项不属于您的单位，无权操作。");
        }

        if (!from.Contains(matter.Status))
        {
            throw new MatterException($"信访事项 {matter.Code} 当前为“{StatusName(matter.Status)}”，不能执行此操作。");
        }

        var now = time.GetUtcNow();
        var (to, note) = await step(connection, transaction, matter, now);
        await connection.ExecuteAsync("""
            INSERT INTO matter_transition (matter_id, from_status, to_status, at, user_id, unit_id, note)
            VALUES (@Id, @Status, @to, @now, @UserId, @unit, @note)
            """, new { matter.Id, matter.Status, to, now, actor.UserId, unit = unitAfter ?? matter.UnitId, note }, transaction);
        await AuditLog.WriteAsync(connection, transaction, new AuditEntry("matter.step", actor.CenterId, actor.UserId, SubjectKind: "matter",
            SubjectId: matter.Id, UnitId: unitAfter ?? matter.UnitId, Detail: new { from = matter.Status, to, note }));
        await LiveJournal.AppendAsync(connection, transaction, $"matter.{to}", actor.CenterId, unitAfter ?? matter.UnitId,
            new { matter.Id, matter.Code, to });
        await transaction.CommitAsync();
    }
}
