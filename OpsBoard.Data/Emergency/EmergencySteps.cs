using Dapper;
using Npgsql;
using OpsBoard.Data.Audit;
using OpsBoard.Data.Live;
using OpsBoard.Data.Notifications;

namespace OpsBoard.Data.Emergency;

/// <summary>What the duty leader fills in to launch a response; prefilled from a visit when there is one.</summary>
public sealed record LaunchEmergency
{
    /// <summary>The form's one-time key: a double click or a resubmission finds the response the first one made.</summary>
    public required Guid RequestKey { get; init; }
    public required string? Kind { get; init; }
    public long? VisitId { get; init; }
    public int? UnitId { get; init; }
    public string? Place { get; init; }
    public int? Headcount { get; init; }
    public string? Summary { get; init; }
}

public sealed record Launched(long EmergencyId, bool Repeated);

public sealed record UpwardReport(string? Channel, string? Recipients, string? Content);

/// <summary>How a response ended: the outcome is required; follow-up, an appointment (约访) and a linked slip or matter are not.</summary>
public sealed record EmergencyClosing(string? Outcome, string? FollowUp, DateOnly? AppointmentOn = null, long? SlipId = null, long? MatterId = null);

/// <summary>A response as a step reads it, locked for the step's transaction.</summary>
public sealed record EmergencyRow(long Id, int CenterId, string Kind, int? UnitId, string State, DateTime? ReportDueAt, DateTime? ReportedAt,
    DateTime? LateAt, bool MustReport);

/// <summary>
/// The steps of a response inside the caller's transaction, after the matrix was checked: each locks the response,
/// checks the state it starts from, and writes its timeline row, audit row, outbox rows and live event with the change.
/// The demo seeder takes its history's response through them. A user id of 0 is the system (the watcher).
/// </summary>
public static class EmergencySteps
{
    public const string LiveKind = "emergency.changed";

    public static async Task<Launched> LaunchAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int centerId, int userId,
        LaunchEmergency launch, DateTimeOffset at)
    {
        at = at.ToUniversalTime();
        var existing = await connection.QuerySingleOrDefaultAsync<KeyHolder>(
            "SELECT id, center_id AS CenterId FROM emergency WHERE request_key = @RequestKey", new { launch.RequestKey }, transaction);
        if (existing is { } found)
        {
            return found.CenterId == centerId ? new Launched(found.Id, true) : throw new EmergencyException("该表单已提交过，请刷新页面后重新填写。");
        }

        if (!EmergencyKind.Labels.Contains(launch.Kind))
        {
            throw new EmergencyException("请选择处置类型（集体访、极端信访行为或劝返）。");
        }

        var visit = launch.VisitId is { } visitId ? await VisitAsync(connection, transaction, centerId, visitId) : null;
        var headcount = launch.Headcount ?? visit?.Headcount;
        if (headcount is not (>= 1 and <= 500))
        {
            throw new EmergencyException("请填写在场人数（1–500 人）。");
        }

        var place = TextLimits.Check(launch.Place, "地点", TextLimits.Reason);
        var summary = TextLimits.Check(launch.Summary, "情况简述", TextLimits.Summary);
        var unitId = launch.UnitId ?? visit?.UnitId;
        if (unitId is { } u && !await connection.ExecuteScalarAsync<bool>(
                "SELECT EXISTS (SELECT 1 FROM unit WHERE id = @u AND center_id = @centerId)", new { u, centerId }, transaction))
        {
            throw new EmergencyException("所选责任单位不存在。");
        }

        var kind = await connection.QuerySingleAsync<(int AckMinutes, bool MustReport, int ReportMinutes)>("""
            SELECT ack_within_minutes, must_report, report_within_minutes
            FROM emergency_kind
            WHERE code = @Kind
            """, new { launch.Kind }, transaction);
        DateTime? reportDue = kind.MustReport ? at.AddMinutes(kind.ReportMinutes).UtcDateTime : null;
        // ON CONFLICT: two clicks racing each other both reach here; the second finds the first's row.
        var id = await connection.ExecuteScalarAsync<long?>("""
            INSERT INTO emergency (center_id, kind, visit_id, unit_id, place, headcount, summary, state, launched_at, launched_by, report_due_at, request_key)
            VALUES (@centerId, @Kind, @VisitId, @unitId, @place, @headcount, @summary, 'active', @at, NULLIF(@userId, 0), @reportDue, @RequestKey)
            ON CONFLICT (request_key) DO NOTHING
            RETURNING id
            """, new { centerId, launch.Kind, launch.VisitId, unitId, place, headcount, summary, at, userId, reportDue, launch.RequestKey }, transaction);
        if (id is null)
        {
            return new Launched(await connection.ExecuteScalarAsync<long>("SELECT id FROM emergency WHERE request_key = @RequestKey", new { launch.RequestKey }, transaction), true);
        }

        var row = await LockAsync(connection, transaction, centerId, id.Value);
        var unitName = unitId is null ? null : await connection.ExecuteScalarAsync<string>("SELECT name FROM unit WHERE id = @unitId", new { unitId }, transaction);
        await TimelineAsync(connection, transaction, row, userId, EmergencyStep.Launched,
            $"{EmergencyKind.Label(launch.Kind!)}，{place}，{headcount} 人{(unitName is null ? "" : $"，责任单位 {unitName}")}：{summary}", at);
        foreach (var role in await connection.QueryAsync<string>(
                     "SELECT role FROM emergency_kind_role WHERE kind = @Kind ORDER BY position, role", new { launch.Kind }, transaction))
        {
            var contacts = (await ContactsAsync(connection, transaction, centerId, role, unitId)).ToList();
            if (contacts.Count == 0)
            {
                await TimelineAsync(connection, transaction, row, 0, EmergencyStep.NoContact, $"未配置{ResponderRole.Label(role)}联络人，请带班领导电话通知", at);
            }

            foreach (var contact in contacts)
            {
                await NotifyAsync(connection, transaction, row, contact, null, kind.AckMinutes, at);
            }
        }

        await AuditLog.WriteAsync(connection, transaction, new AuditEntry("emergency.launch", centerId, userId == 0 ? null : userId,
            SubjectKind: "emergency", SubjectId: row.Id, UnitId: unitId, Detail: new { launch.Kind, launch.VisitId, headcount }));
        await LiveAsync(connection, transaction, row);
        return new Launched(row.Id, false);
    }

    public static async Task AcknowledgeAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, EmergencyRow row, int userId, DateTimeOffset at)
    {
        RequireActive(row, "确认收到");
        var responder = await connection.QuerySingleOrDefaultAsync<AckRow>("""
            SELECT id, acknowledged_at AS AcknowledgedAt, role
            FROM emergency_responder
            WHERE emergency_id = @Id AND user_id = @userId
            """, new { row.Id, userId }, transaction);
        if (responder is not { } r)
        {
            throw new ForbiddenException("您不是本次应急处置的响应人，不能确认收到。");
        }

        if (r.AcknowledgedAt is { } when)
        {
            throw new EmergencyException($"您已于 {ChinaTime.Format(when, "HH:mm:ss")} 确认收到，无需重复确认。");
        }

        await connection.ExecuteAsync("UPDATE emergency_responder SET acknowledged_at = @at WHERE id = @Id",
            new { at = at.UtcDateTime, r.Id }, transaction);
        await TimelineAsync(connection, transaction, row, userId, EmergencyStep.Acknowledged, $"{ResponderRole.Label(r.Role)}确认收到", at);
        await AuditLog.WriteAsync(connection, transaction, new AuditEntry("emergency.acknowledge", row.CenterId, userId,
            SubjectKind: "emergency", SubjectId: row.Id, UnitId: row.UnitId));
        await LiveAsync(connection, transaction, row);
    }

    public static async Task RecordArrivalAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, EmergencyRow row, int userId, long responderId,
        DateTimeOffset at)
    {
        RequireActive(row, "登记到场");
        var responder = await connection.QuerySingleOrDefaultAsync<ArrivalRow>("""
            SELECT r.id, r.arrived_at AS ArrivedAt, a.display_name AS Name, r.role
            FROM emergency_responder r
            JOIN app_user a ON a.id = r.user_id
            WHERE r.emergency_id = @Id AND r.id = @responderId
            """, new { row.Id, responderId }, transaction) ?? throw new EmergencyException("该响应人不在本次处置的名单上。");
        if (responder.ArrivedAt is { } when)
        {
            throw new EmergencyException($"{responder.Name} 已于 {ChinaTime.Format(when, "HH:mm:ss")} 登记到场。");
        }

        await connection.ExecuteAsync("UPDATE emergency_responder SET arrived_at = @at, arrival_recorded_by = NULLIF(@userId, 0) WHERE id = @responderId",
            new { at = at.UtcDateTime, userId, responderId }, transaction);
        await TimelineAsync(connection, transaction, row, userId, EmergencyStep.Arrived, $"{ResponderRole.Label(responder.Role)} {responder.Name} 到场", at);
        await AuditLog.WriteAsync(connection, transaction, new AuditEntry("emergency.arrival", row.CenterId, userId == 0 ? null : userId,
            SubjectKind: "emergency", SubjectId: row.Id, UnitId: row.UnitId, Detail: new { responderId }));
        await LiveAsync(connection, transaction, row);
    }

    /// <summary>A report upward (条例 第二十五条); the first one made after the deadline marks the response 缓报 for good.</summary>
    public static async Task ReportAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, EmergencyRow row, int userId, UpwardReport report,
        DateTimeOffset at)
    {
        if (!ReportChannel.Labels.Contains(report.Channel))
        {
            throw new EmergencyException("请选择报告方式。");
        }

        var recipients = TextLimits.Check(report.Recipients, "报告对象", TextLimits.Reason);
        var content = TextLimits.Check(report.Content, "报告内容", TextLimits.Summary);
        await connection.ExecuteAsync("""
            INSERT INTO emergency_report (emergency_id, reported_at, channel, recipients, content, recorded_by)
            VALUES (@Id, @at, @Channel, @recipients, @content, NULLIF(@userId, 0))
            """, new { row.Id, at = at.UtcDateTime, report.Channel, recipients, content, userId }, transaction);
        var late = row.ReportedAt is null && row.ReportDueAt is { } due && at.UtcDateTime > due;
        if (late && row.LateAt is null)
        {
            await MarkLateAsync(connection, transaction, row, at);
        }

        await connection.ExecuteAsync("UPDATE emergency SET reported_at = coalesce(reported_at, @at) WHERE id = @Id", new { row.Id, at = at.UtcDateTime }, transaction);
        await TimelineAsync(connection, transaction, row, userId, EmergencyStep.Reported,
            $"{ReportChannel.Label(report.Channel)}报告{recipients}：{content}{(late ? "（超过报告时限）" : "")}", at);
        await AuditLog.WriteAsync(connection, transaction, new AuditEntry("emergency.report", row.CenterId, userId == 0 ? null : userId,
            SubjectKind: "emergency", SubjectId: row.Id, UnitId: row.UnitId, Detail: new { report.Channel, late }));
        await LiveAsync(connection, transaction, row);
    }

    public static async Task RecordMeasureAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, EmergencyRow row, int userId, string? measure,
        DateTimeOffset at)
    {
        RequireActive(row, "记录处置措施");
        var text = TextLimits.Check(measure, "处置措施", TextLimits.Summary);
        await TimelineAsync(connection, transaction, row, userId, EmergencyStep.Measure, text, at);
        await AuditLog.WriteAsync(connection, transaction, new AuditEntry("emergency.measure", row.CenterId, userId == 0 ? null : userId,
            SubjectKind: "emergency", SubjectId: row.Id, UnitId: row.UnitId));
        await LiveAsync(connection, transaction, row);
    }

    public static async Task CloseAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, EmergencyRow row, int userId, EmergencyClosing closing,
        DateTimeOffset at)
    {
        RequireActive(row, "结束处置");
        var outcome = TextLimits.Check(closing.Outcome, "处置结果", TextLimits.Summary);
        var followUp = TextLimits.Check(closing.FollowUp, "后续工作", TextLimits.Summary, required: false);
        if (row.MustReport && row.ReportedAt is null)
        {
            throw new EmergencyException($"{EmergencyKind.Label(row.Kind)}须向县委、县政府和上级信访部门报告（《信访工作条例》第二十五条），请先登记向上报告。");
        }

        if (closing.AppointmentOn is { } on && on < ChinaTime.DayOf(at))
        {
            throw new EmergencyException("约访日期不能早于今天。");
        }

        if (closing.SlipId is { } slipId && !await connection.ExecuteScalarAsync<bool>(
                "SELECT EXISTS (SELECT 1 FROM warning_slip WHERE id = @slipId AND center_id = @CenterId)", new { slipId, row.CenterId }, transaction))
        {
            throw new EmergencyException($"预警提醒单 {slipId} 不存在。");
        }

        if (closing.MatterId is { } matterId && !await connection.ExecuteScalarAsync<bool>(
                "SELECT EXISTS (SELECT 1 FROM matter WHERE id = @matterId AND center_id = @CenterId)", new { matterId, row.CenterId }, transaction))
        {
            throw new EmergencyException($"信访事项 {matterId} 不存在。");
        }

        await connection.ExecuteAsync("""
            UPDATE emergency
            SET state = 'closed', closed_at = @at, closed_by = NULLIF(@userId, 0), outcome = @outcome, follow_up = NULLIF(@followUp, ''),
                appointment_on = @AppointmentOn, slip_id = @SlipId, matter_id = coalesce(@MatterId, matter_id)
            WHERE id = @Id
            """, new { at = at.UtcDateTime, userId, outcome, followUp, closing.AppointmentOn, closing.SlipId, closing.MatterId, row.Id }, transaction);
        var extras = new List<string>();
        if (followUp != "") extras.Add($"后续：{followUp}");
        if (closing.AppointmentOn is { } day) extras.Add($"约访 {day:yyyy-MM-dd}");
        if (closing.SlipId is { } s) extras.Add($"关联预警提醒单 {s}");
        if (closing.MatterId is { } m) extras.Add($"关联信访事项 {m}");
        await TimelineAsync(connection, transaction, row, userId, EmergencyStep.Closed,
            $"结果：{outcome.TrimEnd('。', '；')}{(extras.Count > 0 ? "；" + string.Join("；", extras) : "")}", at);
        await AuditLog.WriteAsync(connection, transaction, new AuditEntry("emergency.close", row.CenterId, userId == 0 ? null : userId,
            SubjectKind: "emergency", SubjectId: row.Id, UnitId: row.UnitId));
        await LiveAsync(connection, transaction, row);
    }

    /// <summary>A responder who did not say 收到 in time: the next level (分管领导 → 主要领导) is called, or the timeline says there is none.</summary>
    public static async Task EscalateAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, EmergencyRow row, long responderId, DateTimeOffset at)
    {
        var late = await connection.QuerySingleAsync<(int ContactId, int? EscalateTo, string Name, string Role, DateTime NotifiedAt)>("""
            SELECT r.contact_id, c.escalate_to, a.display_name, r.role, r.notified_at
            FROM emergency_responder r
            JOIN emergency_contact c ON c.id = r.contact_id
            JOIN app_user a ON a.id = r.user_id
            WHERE r.id = @responderId
            """, new { responderId }, transaction);
        await connection.ExecuteAsync("UPDATE emergency_responder SET escalated_at = @at WHERE id = @responderId",
            new { at = at.UtcDateTime, responderId }, transaction);
        var minutes = (int)Math.Round((at.UtcDateTime - late.NotifiedAt).TotalMinutes);
        var next = late.EscalateTo is { } to
            ? (await connection.QueryAsync<Contact>(ContactSql + " AND c.id = @to", new { centerId = row.CenterId, to }, transaction)).SingleOrDefault()
            : null;
        var already = next is not null && await connection.ExecuteScalarAsync<bool>(
            "SELECT EXISTS (SELECT 1 FROM emergency_responder WHERE emergency_id = @Id AND user_id = @UserId)", new { row.Id, next.UserId }, transaction);
        if (next is null || already)
        {
            await TimelineAsync(connection, transaction, row, 0, EmergencyStep.Escalated,
                $"{ResponderRole.Label(late.Role)} {late.Name} {minutes} 分钟未确认收到，{(already ? "上一级已在响应名单上" : "无上一级联络人")}，请带班领导电话督促", at);
        }
        else
        {
            var ackMinutes = await connection.ExecuteScalarAsync<int>("SELECT ack_within_minutes FROM emergency_kind WHERE code = @Kind", new { row.Kind }, transaction);
            await TimelineAsync(connection, transaction, row, 0, EmergencyStep.Escalated,
                $"{ResponderRole.Label(late.Role)} {late.Name} {minutes} 分钟未确认收到，升级通知{ResponderRole.Label(next.Role)} {next.Name}", at);
            await NotifyAsync(connection, transaction, row, next, responderId, ackMinutes, at);
        }

        await AuditLog.WriteAsync(connection, transaction, new AuditEntry("emergency.escalate", row.CenterId,
            SubjectKind: "emergency", SubjectId: row.Id, UnitId: row.UnitId, Detail: new { responderId, next = next?.UserId }));
        await LiveAsync(connection, transaction, row);
    }

    /// <summary>The report deadline passed without a report: 缓报 (条例 第四十六条), flagged once on the console and the wall.</summary>
    public static async Task MarkLateAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, EmergencyRow row, DateTimeOffset at)
    {
        await connection.ExecuteAsync("UPDATE emergency SET late_at = @at WHERE id = @Id AND late_at IS NULL", new { row.Id, at = at.UtcDateTime }, transaction);
        await TimelineAsync(connection, transaction, row, 0, EmergencyStep.Late,
            $"超过报告时限（{ChinaTime.Format(row.ReportDueAt!.Value, "HH:mm")}）未向上报告，记为缓报", at);
        await AuditLog.WriteAsync(connection, transaction, new AuditEntry("emergency.late", row.CenterId,
            SubjectKind: "emergency", SubjectId: row.Id, UnitId: row.UnitId));
        await LiveAsync(connection, transaction, row);
    }

    public static async Task<EmergencyRow> LockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int centerId, long id) =>
        await connection.QuerySingleOrDefaultAsync<EmergencyRow>("""
            SELECT e.id, e.center_id AS CenterId, e.kind, e.unit_id AS UnitId, e.state, e.report_due_at AS ReportDueAt,
                   e.reported_at AS ReportedAt, e.late_at AS LateAt, k.must_report AS MustReport
            FROM emergency e
            JOIN emergency_kind k ON k.code = e.kind
            WHERE e.id = @id AND e.center_id = @centerId
            FOR UPDATE OF e
            """, new { id, centerId }, transaction) ?? throw new EmergencyException("该应急处置不存在。");

    static void RequireActive(EmergencyRow row, string what)
    {
        if (row.State != EmergencyState.Active)
        {
            throw new EmergencyException($"该应急处置已结束，不能{what}。");
        }
    }

    sealed record KeyHolder(long Id, int CenterId);

    sealed record AckRow(long Id, DateTime? AcknowledgedAt, string Role);

    sealed record ArrivalRow(long Id, DateTime? ArrivedAt, string Name, string Role);

    sealed record VisitFacts(int Headcount, int? UnitId);

    static async Task<VisitFacts> VisitAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int centerId, long visitId) =>
        // The matter's responsible unit, else the petitioner's street or town (属地): a village answers through its parent.
        await connection.QuerySingleOrDefaultAsync<VisitFacts>("""
            SELECT v.headcount, coalesce(m.responsible_unit_id, CASE WHEN l.kind IN ('village', 'work_team') THEN l.parent_id ELSE l.id END) AS UnitId
            FROM visit v
            LEFT JOIN matter m ON m.id = v.matter_id
            LEFT JOIN unit l ON l.id = v.locality_id
            WHERE v.id = @visitId AND v.center_id = @centerId
            """, new { visitId, centerId }, transaction) ?? throw new EmergencyException("该来访登记不存在。");

    sealed record Contact(int Id, int UserId, string Name, string Role, int? UnitId, string Phone, string Title);

    const string ContactSql = """
        SELECT c.id, c.user_id AS UserId, a.display_name AS Name, c.role, c.unit_id AS UnitId, c.phone, c.title
        FROM emergency_contact c
        JOIN app_user a ON a.id = c.user_id AND a.active
        WHERE c.center_id = @centerId AND c.active
        """;

    /// <summary>The unit's contacts for a role, or the center-wide ones (the police post) when the unit has none.</summary>
    static async Task<IEnumerable<Contact>> ContactsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int centerId, string role, int? unitId)
    {
        var all = (await connection.QueryAsync<Contact>(ContactSql + " AND c.role = @role AND (c.unit_id = @unitId OR c.unit_id IS NULL) ORDER BY c.id",
            new { centerId, role, unitId }, transaction)).ToList();
        var own = all.Where(c => c.UnitId is not null).ToList();
        return own.Count > 0 ? own : all;
    }

    static async Task NotifyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, EmergencyRow row, Contact contact, long? escalatedFrom,
        int ackMinutes, DateTimeOffset at)
    {
        // One person answers once, whatever roles they hold on this response.
        var responderId = await connection.ExecuteScalarAsync<long?>("""
            INSERT INTO emergency_responder (emergency_id, contact_id, user_id, role, unit_id, phone, notified_at, ack_due_at, escalated_from)
            VALUES (@Id, @ContactId, @UserId, @Role, @UnitId, @Phone, @at, @due, @escalatedFrom)
            ON CONFLICT (emergency_id, user_id) DO NOTHING
            RETURNING id
            """, new { row.Id, ContactId = contact.Id, contact.UserId, contact.Role, contact.UnitId, contact.Phone, at = at.UtcDateTime,
            due = at.AddMinutes(ackMinutes).UtcDateTime, escalatedFrom }, transaction);
        if (responderId is null)
        {
            return;
        }

        var facts = await connection.QuerySingleAsync<(string Place, int Headcount)>("SELECT place, headcount FROM emergency WHERE id = @Id", new { row.Id }, transaction);
        var text = $"【应急处置】{EmergencyKind.Label(row.Kind)}，{facts.Place}，{facts.Headcount} 人。请{contact.Title}{contact.Name}立即赶到现场（同步接访），并在系统中点“收到”。";
        await NotificationOutbox.EnqueueAsync(connection, transaction, row.CenterId, "emergency.notify", contact.UserId, contact.Phone,
            new { emergencyId = row.Id, responderId, role = contact.Role, text }, at);
        await TimelineAsync(connection, transaction, row, 0, EmergencyStep.Notified,
            $"通知{ResponderRole.Label(contact.Role)} {contact.Name}（{contact.Title}，{contact.Phone}）", at);
        if (contact.UnitId is { } unit && unit != row.UnitId)
        {
            await LiveJournal.AppendAsync(connection, transaction, LiveKind, row.CenterId, unit, new { emergencyId = row.Id });
        }
    }

    static async Task TimelineAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, EmergencyRow row, int userId, string step, string detail,
        DateTimeOffset at)
    {
        // The sequence number and the hash are the database's (trigger emergency_timeline_chain).
        await connection.ExecuteAsync("""
            INSERT INTO emergency_timeline (emergency_id, seq, at, actor_id, actor_name, step, detail, hash)
            SELECT @Id, 0, @at, NULLIF(@userId, 0), coalesce((SELECT display_name FROM app_user WHERE id = @userId), '系统'), @step, @detail, '\x'::bytea
            """, new { row.Id, at = at.UtcDateTime, userId, step, detail }, transaction);
    }

    static Task LiveAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, EmergencyRow row) =>
        LiveJournal.AppendAsync(connection, transaction, LiveKind, row.CenterId, row.UnitId, new { emergencyId = row.Id });
}
