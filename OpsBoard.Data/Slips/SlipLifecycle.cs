using Dapper;
using Npgsql;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Audit;
using OpsBoard.Data.Live;

namespace OpsBoard.Data.Slips;

/// <summary>The unit's answer to a slip (《沥海街道信访工作意见》二(二)): every part required, with when and by whom it was carried out.</summary>
public sealed record SlipAnswer(string? Investigation, string? CauseAnalysis, string? Resolution, string? Stabilisation,
    DateOnly? CarriedOutOn, string? CarriedOutBy);

/// <summary>A slip as a step reads it, locked for the step's transaction.</summary>
public sealed record SlipRow(long Id, int CenterId, int UnitId, long MatterId, string State, string Trigger, int? AnsweredBy, DateTime IssuedAt);

/// <summary>
/// The life of a slip: the unit 签收 and answers, the leader in charge (the unit's leader, not the person who answered)
/// signs or sends it back, the petition office closes it or sends it back. Each step checks the matrix against the
/// slip's unit (another unit's slip: 403 and an audit row) and the state it starts from, and writes the step, the
/// audit row and the live event in one transaction.
/// </summary>
public sealed class SlipLifecycle(NpgsqlDataSource dataSource, TimeProvider time)
{
    public Task AcknowledgeAsync(Actor actor, long slipId) =>
        StepAsync(actor, slipId, Permission.AcknowledgeSlip, (c, t, slip, now) => SlipSteps.AcknowledgeAsync(c, t, actor, slip, now));

    public Task AnswerAsync(Actor actor, long slipId, SlipAnswer answer) =>
        StepAsync(actor, slipId, Permission.AnswerSlip, (c, t, slip, now) => SlipSteps.AnswerAsync(c, t, actor, slip, answer, now));

    public Task SignAsync(Actor actor, long slipId) =>
        StepAsync(actor, slipId, Permission.SignSlip, (c, t, slip, now) => SlipSteps.SignAsync(c, t, actor, slip, now));

    public Task SendBackAsync(Actor actor, long slipId, string? reason) =>
        StepAsync(actor, slipId, Permission.SignSlip, (c, t, slip, now) => SlipSteps.SendBackAsync(c, t, actor, slip, reason, now));

    public Task CloseAsync(Actor actor, long slipId) =>
        StepAsync(actor, slipId, Permission.CloseSlip, (c, t, slip, now) => SlipSteps.CloseAsync(c, t, actor, slip, now));

    public Task ReopenAsync(Actor actor, long slipId, string? reason) =>
        StepAsync(actor, slipId, Permission.CloseSlip, (c, t, slip, now) => SlipSteps.ReopenAsync(c, t, actor, slip, reason, now));

    async Task StepAsync(Actor actor, long slipId, Permission permission,
        Func<NpgsqlConnection, NpgsqlTransaction, SlipRow, DateTimeOffset, Task> step)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var slip = await SlipSteps.LockAsync(connection, transaction, actor.CenterId, slipId);
        // The refusal's audit row is written on its own connection: this transaction is rolled back.
        await PermissionGuard.RequireAsync(dataSource, actor, permission, slip.UnitId, "warning_slip", slipId, "预警提醒单");
        await step(connection, transaction, slip, time.GetUtcNow());
        await transaction.CommitAsync();
    }
}

/// <summary>
/// The steps themselves inside the caller's transaction, after the matrix was checked; the demo seeder takes its
/// history's slips through them. A user id of 0 is a simulated step of the demo history by a unit with no account.
/// </summary>
public static class SlipSteps
{
    public static async Task<SlipRow> LockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int centerId, long slipId)
    {
        const string sql = """
            SELECT id, center_id AS CenterId, unit_id AS UnitId, matter_id AS MatterId, state, trigger, answered_by AS AnsweredBy, issued_at AS IssuedAt
            FROM warning_slip
            WHERE id = @slipId AND center_id = @centerId
            FOR UPDATE
            """;
        return await connection.QuerySingleOrDefaultAsync<SlipRow>(sql, new { slipId, centerId }, transaction)
            ?? throw new SlipException("预警提醒单不存在。");
    }

    public static async Task AcknowledgeAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Actor actor, SlipRow slip, DateTimeOffset at)
    {
        Require(slip, SlipStep.Acknowledge, SlipState.Issued);
        await connection.ExecuteAsync("""
            UPDATE warning_slip
            SET state = 'acknowledged', acknowledged_at = @at, acknowledged_by = NULLIF(@UserId, 0)
            WHERE id = @Id
            """, new { at = at.ToUniversalTime(), actor.UserId, slip.Id }, transaction);
        await RecordAsync(connection, transaction, actor, slip, SlipStep.Acknowledge, SlipState.Acknowledged, null, at);
    }

    public static async Task AnswerAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Actor actor, SlipRow slip, SlipAnswer answer, DateTimeOffset at)
    {
        Require(slip, SlipStep.Answer, SlipState.Acknowledged, SlipState.SentBack);
        var investigation = TextLimits.Check(answer.Investigation, "调查核实情况", TextLimits.Summary);
        var cause = TextLimits.Check(answer.CauseAnalysis, "原因分析", TextLimits.Summary);
        var resolution = TextLimits.Check(answer.Resolution, "化解措施", TextLimits.Summary);
        var stabilisation = TextLimits.Check(answer.Stabilisation, "稳控措施", TextLimits.Summary);
        var by = TextLimits.Check(answer.CarriedOutBy, "落实人员", TextLimits.Reason);
        if (answer.CarriedOutOn is not { } on)
        {
            throw new SlipException("请填写措施落实日期。");
        }

        if (on < ChinaTime.DayOf(slip.IssuedAt) || on > ChinaTime.DayOf(at))
        {
            throw new SlipException($"落实日期应在下发日（{ChinaTime.DayOf(slip.IssuedAt):yyyy-MM-dd}）到今天之间。");
        }

        await connection.ExecuteAsync("""
            UPDATE warning_slip
            SET state = 'answered', investigation = @investigation, cause_analysis = @cause, resolution_measures = @resolution,
                stabilisation_measures = @stabilisation, carried_out_on = @on, carried_out_by = @by,
                answered_at = @at, answered_by = NULLIF(@UserId, 0)
            WHERE id = @Id
            """, new { investigation, cause, resolution, stabilisation, on, by, at = at.ToUniversalTime(), actor.UserId, slip.Id }, transaction);
        await RecordAsync(connection, transaction, actor, slip, SlipStep.Answer, SlipState.Answered, null, at);
    }

    /// <summary>The leader in charge signs: the materials return to the petition office and the 7-working-day clock stops.</summary>
    public static async Task SignAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Actor actor, SlipRow slip, DateTimeOffset at)
    {
        Require(slip, SlipStep.Sign, SlipState.Answered);
        if (actor.UserId != 0 && slip.AnsweredBy == actor.UserId)
        {
            throw new SlipException("答复人不能审签自己的答复，请由分管领导（片长）审签。");
        }

        at = at.ToUniversalTime();
        await connection.ExecuteAsync("""
            UPDATE warning_slip
            SET state = 'signed', signed_at = @at, signed_by = NULLIF(@UserId, 0)
            WHERE id = @Id
            """, new { at, actor.UserId, slip.Id }, transaction);
        long[] running = [.. await connection.QueryAsync<long>(
            "SELECT id FROM matter_clock WHERE slip_id = @Id AND stopped_at IS NULL", new { slip.Id }, transaction)];
        await Matters.ClockWatcher.MarkBeforeStopAsync(connection, transaction, at, running);
        await connection.ExecuteAsync("""
            UPDATE matter_clock
            SET stopped_at = @at,
                result = CASE WHEN @at <= due_at THEN 'met' ELSE 'breached' END,
                overdue_seconds = greatest(0, extract(epoch FROM @at - due_at))::bigint,
                alert_state = 'stopped'
            WHERE slip_id = @Id AND stopped_at IS NULL
            """, new { at, slip.Id }, transaction);
        await RecordAsync(connection, transaction, actor, slip, SlipStep.Sign, SlipState.Signed, null, at);
    }

    public static async Task SendBackAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Actor actor, SlipRow slip, string? reason, DateTimeOffset at)
    {
        Require(slip, SlipStep.SendBack, SlipState.Answered);
        await ToSentBackAsync(connection, transaction, actor, slip, SlipStep.SendBack, reason, at);
    }

    public static async Task CloseAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Actor actor, SlipRow slip, DateTimeOffset at)
    {
        Require(slip, SlipStep.Close, SlipState.Signed);
        await connection.ExecuteAsync("""
            UPDATE warning_slip
            SET state = 'closed', closed_at = @at, closed_by = NULLIF(@UserId, 0)
            WHERE id = @Id
            """, new { at = at.ToUniversalTime(), actor.UserId, slip.Id }, transaction);
        await RecordAsync(connection, transaction, actor, slip, SlipStep.Close, SlipState.Closed, null, at);
    }

    /// <summary>The petition office sends signed materials back to the unit; the clock stays as it stopped at the first return.</summary>
    public static async Task ReopenAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Actor actor, SlipRow slip, string? reason, DateTimeOffset at)
    {
        Require(slip, SlipStep.Reopen, SlipState.Signed);
        await ToSentBackAsync(connection, transaction, actor, slip, SlipStep.Reopen, reason, at);
    }

    static async Task ToSentBackAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Actor actor, SlipRow slip, string step, string? reason, DateTimeOffset at)
    {
        var why = TextLimits.Check(reason, "退回理由", TextLimits.Reason);
        await connection.ExecuteAsync("""
            UPDATE warning_slip
            SET state = 'sent_back', sent_back_at = @at, sent_back_reason = @why
            WHERE id = @Id
            """, new { at = at.ToUniversalTime(), why, slip.Id }, transaction);
        await RecordAsync(connection, transaction, actor, slip, step, SlipState.SentBack, why, at);
    }

    /// <summary>Which states each step starts from, so pages offer only the steps that can succeed.</summary>
    public static IReadOnlyDictionary<string, string[]> From { get; } = new Dictionary<string, string[]>
    {
        [SlipStep.Acknowledge] = [SlipState.Issued],
        [SlipStep.Answer] = [SlipState.Acknowledged, SlipState.SentBack],
        [SlipStep.Sign] = [SlipState.Answered],
        [SlipStep.SendBack] = [SlipState.Answered],
        [SlipStep.Close] = [SlipState.Signed],
        [SlipStep.Reopen] = [SlipState.Signed],
    };

    static void Require(SlipRow slip, string step, params string[] from)
    {
        if (!from.Contains(slip.State))
        {
            throw new SlipException($"预警提醒单当前为“{SlipState.Label(slip.State)}”，不能{SlipStep.Labels.Label(step)}。");
        }
    }

    static async Task RecordAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Actor actor, SlipRow slip, string step, string to,
        string? note, DateTimeOffset at)
    {
        await connection.ExecuteAsync("""
            INSERT INTO warning_slip_step (slip_id, from_state, to_state, at, user_id, note)
            VALUES (@Id, @State, @to, @at, NULLIF(@UserId, 0), @note)
            """, new { slip.Id, slip.State, to, at = at.ToUniversalTime(), actor.UserId, note }, transaction);
        await AuditLog.WriteAsync(connection, transaction, new AuditEntry($"slip.{step}", slip.CenterId, actor.UserId == 0 ? null : actor.UserId,
            SubjectKind: "warning_slip", SubjectId: slip.Id, UnitId: slip.UnitId, Detail: new { from = slip.State, to, note }));
        await LiveJournal.AppendAsync(connection, transaction, $"slip.{step}", slip.CenterId, slip.UnitId,
            new { id = slip.Id, slip.MatterId, slip.Trigger, state = to });
    }
}
