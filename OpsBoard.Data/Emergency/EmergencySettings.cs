using Dapper;
using Npgsql;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Audit;

namespace OpsBoard.Data.Emergency;

public sealed record KindSetting(string Code, int AckWithinMinutes, bool MustReport, int ReportWithinMinutes, string Source, string RoleList)
{
    public string[] Roles => RoleList.Split(',', StringSplitOptions.RemoveEmptyEntries);
}

public sealed record ContactView(int Id, int UserId, string Name, string Login, string Role, int? UnitId, string? UnitName, string Title, string Phone,
    int? EscalateTo, string? EscalateToName, bool Active);

public sealed record NewContact(int? UserId, string? Role, int? UnitId, string? Title, string? Phone, int? EscalateTo);

/// <summary>
/// What the admin maintains: each kind's responder roles, its 收到 time before escalation and its upward-report time;
/// and the contacts — staff accounts with their work phones — who answer for a role, for a unit or for the whole center.
/// </summary>
public sealed class EmergencySettings(NpgsqlDataSource dataSource, TimeProvider time)
{
    public async Task<IReadOnlyList<KindSetting>> KindsAsync()
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        var kinds = await connection.QueryAsync<KindSetting>("""
            SELECT k.code, k.ack_within_minutes AS AckWithinMinutes, k.must_report AS MustReport, k.report_within_minutes AS ReportWithinMinutes, k.source,
                   coalesce(string_agg(r.role, ',' ORDER BY r.position, r.role), '') AS RoleList
            FROM emergency_kind k
            LEFT JOIN emergency_kind_role r ON r.kind = k.code
            GROUP BY k.code
            """);
        return [.. kinds.OrderBy(k => EmergencyKind.Labels.Codes.ToList().IndexOf(k.Code))];
    }

    public async Task SaveKindAsync(Actor actor, string code, int ackMinutes, bool mustReport, int reportMinutes, IReadOnlyList<string> roles)
    {
        await PermissionGuard.RequireAsync(dataSource, actor, Permission.ManageEmergencySettings, null, "emergency_kind", null, "应急处置设置");
        if (!EmergencyKind.Labels.Contains(code))
        {
            throw new EmergencyException("处置类型不存在。");
        }

        if (ackMinutes is < 1 or > 240)
        {
            throw new EmergencyException("确认收到时限应为 1–240 分钟。");
        }

        if (reportMinutes is < 1 or > 1440)
        {
            throw new EmergencyException("向上报告时限应为 1–1440 分钟。");
        }

        if (roles.Count == 0 || roles.Any(r => !ResponderRole.Labels.Contains(r)))
        {
            throw new EmergencyException("请至少选择一类响应人。");
        }

        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await connection.ExecuteAsync("""
            UPDATE emergency_kind
            SET ack_within_minutes = @ackMinutes, must_report = @mustReport, report_within_minutes = @reportMinutes, updated_at = @now, updated_by = @UserId
            WHERE code = @code
            """, new { ackMinutes, mustReport, reportMinutes, now = time.GetUtcNow().UtcDateTime, actor.UserId, code }, transaction);
        await connection.ExecuteAsync("DELETE FROM emergency_kind_role WHERE kind = @code", new { code }, transaction);
        var ordered = ResponderRole.Labels.Codes.Where(roles.Contains).ToList();
        for (var i = 0; i < ordered.Count; i++)
        {
            await connection.ExecuteAsync("INSERT INTO emergency_kind_role (kind, role, position) VALUES (@code, @role, @i)",
                new { code, role = ordered[i], i = i + 1 }, transaction);
        }

        await AuditLog.WriteAsync(connection, transaction, new AuditEntry("emergency.kind_saved", actor.CenterId, actor.UserId,
            SubjectKind: "emergency_kind", Detail: new { code, ackMinutes, mustReport, reportMinutes, roles = ordered }));
        await transaction.CommitAsync();
    }

    public async Task<IReadOnlyList<ContactView>> ContactsAsync(int centerId)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        return [.. await connection.QueryAsync<ContactView>("""
            SELECT c.id, c.user_id AS UserId, a.display_name AS Name, a.login, c.role, c.unit_id AS UnitId, u.name AS UnitName, c.title, c.phone,
                   c.escalate_to AS EscalateTo, ea.display_name AS EscalateToName, c.active
            FROM emergency_contact c
            JOIN app_user a ON a.id = c.user_id
            LEFT JOIN unit u ON u.id = c.unit_id
            LEFT JOIN emergency_contact e ON e.id = c.escalate_to
            LEFT JOIN app_user ea ON ea.id = e.user_id
            WHERE c.center_id = @centerId
            ORDER BY c.active DESC, u.name NULLS FIRST, c.role, a.display_name
            """, new { centerId })];
    }

    public async Task<int> AddContactAsync(Actor actor, NewContact contact)
    {
        await PermissionGuard.RequireAsync(dataSource, actor, Permission.ManageEmergencySettings, null, "emergency_contact", null, "应急处置设置");
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var id = await AddContactAsync(connection, transaction, actor.CenterId, contact);
        await AuditLog.WriteAsync(connection, transaction, new AuditEntry("emergency.contact_added", actor.CenterId, actor.UserId,
            SubjectKind: "emergency_contact", SubjectId: id, UnitId: contact.UnitId));
        await transaction.CommitAsync();
        return id;
    }

    /// <summary>Adds a contact inside the caller's transaction (the demo seeder uses it too), after checking every field.</summary>
    public static async Task<int> AddContactAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int centerId, NewContact contact)
    {
        if (!ResponderRole.Labels.Contains(contact.Role))
        {
            throw new EmergencyException("请选择响应人类别。");
        }

        var title = TextLimits.Check(contact.Title, "职务", TextLimits.Name);
        var phone = TextLimits.Check(contact.Phone, "工作电话", 20).Replace(" ", "");
        if (!System.Text.RegularExpressions.Regex.IsMatch(phone, "^[0-9][0-9-]{6,19}$"))
        {
            throw new EmergencyException("工作电话只能由数字和“-”组成，7–20 位。");
        }

        if (contact.UserId is not { } userId || !await connection.ExecuteScalarAsync<bool>(
                "SELECT EXISTS (SELECT 1 FROM app_user WHERE id = @userId AND center_id = @centerId AND active)", new { userId, centerId }, transaction))
        {
            throw new EmergencyException("请选择本中心的在用账号。");
        }

        if (contact.UnitId is { } unitId && !await connection.ExecuteScalarAsync<bool>(
                "SELECT EXISTS (SELECT 1 FROM unit WHERE id = @unitId AND center_id = @centerId)", new { unitId, centerId }, transaction))
        {
            throw new EmergencyException("所选单位不存在。");
        }

        if (contact.EscalateTo is { } to && !await connection.ExecuteScalarAsync<bool>(
                "SELECT EXISTS (SELECT 1 FROM emergency_contact WHERE id = @to AND center_id = @centerId)", new { to, centerId }, transaction))
        {
            throw new EmergencyException("所选上一级联络人不存在。");
        }

        var id = await connection.ExecuteScalarAsync<int?>("""
            INSERT INTO emergency_contact (center_id, user_id, role, unit_id, title, phone, escalate_to)
            VALUES (@centerId, @UserId, @Role, @UnitId, @title, @phone, @EscalateTo)
            ON CONFLICT DO NOTHING
            RETURNING id
            """, new { centerId, contact.UserId, contact.Role, contact.UnitId, title, phone, contact.EscalateTo }, transaction);
        return id ?? throw new EmergencyException("该账号已是此单位的同类联络人。");
    }

    public async Task SetActiveAsync(Actor actor, int contactId, bool active)
    {
        await PermissionGuard.RequireAsync(dataSource, actor, Permission.ManageEmergencySettings, null, "emergency_contact", contactId, "应急处置设置");
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var changed = await connection.ExecuteAsync("UPDATE emergency_contact SET active = @active WHERE id = @contactId AND center_id = @CenterId",
            new { active, contactId, actor.CenterId }, transaction);
        if (changed == 0)
        {
            throw new EmergencyException("联络人不存在。");
        }

        await AuditLog.WriteAsync(connection, transaction, new AuditEntry(active ? "emergency.contact_enabled" : "emergency.contact_disabled", actor.CenterId,
            actor.UserId, SubjectKind: "emergency_contact", SubjectId: contactId));
        await transaction.CommitAsync();
    }
}
