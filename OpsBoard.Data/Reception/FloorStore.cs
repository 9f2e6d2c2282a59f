using Dapper;
using Npgsql;
using OpsBoard.Data.Audit;
using OpsBoard.Data.Live;

namespace OpsBoard.Data.Reception;

public sealed record RosterEntry(int WindowId, string WindowName, int? UnitId, string? UnitName, string? StaffName);

/// <summary>The joint-window roster and the waiting area's departures: small edits the floor staff make all day.</summary>
public sealed class FloorStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    public async Task<IReadOnlyList<RosterEntry>> RosterAsync(int centerId, DateOnly day)
    {
        const string sql = """
            SELECT w.id AS WindowId, w.name AS WindowName, r.unit_id AS UnitId, u.name AS UnitName, r.staff_name AS StaffName
            FROM service_window w
            LEFT JOIN joint_roster r ON r.window_id = w.id AND r.day = @day
            LEFT JOIN unit u ON u.id = r.unit_id
            WHERE w.center_id = @centerId AND w.kind = 'joint' AND w.active
            ORDER BY w.code
            """;
        await using var connection = await dataSource.OpenConnectionAsync();
        return [.. await connection.QueryAsync<RosterEntry>(sql, new { centerId, day })];
    }

    public async Task<IReadOnlyList<Choice>> DepartmentsAsync(int centerId)
    {
        const string sql = """
            SELECT id::text AS Value, name AS Text, NULL::text AS GroupName
            FROM unit
            WHERE center_id = @centerId AND kind = 'department' AND active
            ORDER BY code
            """;
        await using var connection = await dataSource.OpenConnectionAsync();
        return [.. await connection.QueryAsync<Choice>(sql, new { centerId })];
    }

    /// <summary>Puts a department at a joint window for a day (the rota changes with volume, 《泗县联合接访工作方案》三).</summary>
    public async Task SetJointWindowAsync(int centerId, int windowId, DateOnly day, int unitId, string? staffName, int userId)
    {
        staffName = TextLimits.Check(staffName, "值班人员姓名", TextLimits.Name, required: false);
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        if (unitId == 0)
        {
            await ClearJointWindowAsync(connection, transaction, centerId, windowId, day, userId);
            await transaction.CommitAsync();
            return;
        }

        const string checkSql = """
            SELECT EXISTS (SELECT 1 FROM service_window WHERE id = @windowId AND center_id = @centerId AND kind = 'joint' AND active)
               AND EXISTS (SELECT 1 FROM unit WHERE id = @unitId AND center_id = @centerId AND kind = 'department' AND active)
            """;
        if (!await connection.ExecuteScalarAsync<bool>(checkSql, new { windowId, unitId, centerId }, transaction))
        {
            throw new FloorException("窗口或单位无效：只有联合接访窗口可以安排县直部门。");
        }

        const string sql = """
            INSERT INTO joint_roster (window_id, day, unit_id, staff_name)
            VALUES (@windowId, @day, @unitId, @staffName)
            ON CONFLICT (window_id, day) DO UPDATE SET unit_id = excluded.unit_id, staff_name = excluded.staff_name
            """;
        await connection.ExecuteAsync(sql, new { windowId, day, unitId, staffName = string.IsNullOrWhiteSpace(staffName) ? null : staffName.Trim() }, transaction);
        await AuditLog.WriteAsync(connection, transaction, new AuditEntry("roster.joint_window", centerId, userId, SubjectKind: "service_window", SubjectId: windowId, Detail: new { day, unitId }));
        await LiveJournal.AppendAsync(connection, transaction, "roster.changed", centerId, payload: new { windowId, day });
        await transaction.CommitAsync();
    }

    /// <summary>未安排: a joint window with no department for the day (never a silent default).</summary>
    static async Task ClearJointWindowAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int centerId, int windowId, DateOnly day, int userId)
    {
        var cleared = await connection.ExecuteAsync("""
            DELETE FROM joint_roster r
            USING service_window w
            WHERE r.window_id = w.id AND w.id = @windowId AND w.center_id = @centerId AND r.day = @day
            """, new { windowId, centerId, day }, transaction);
        if (cleared > 0)
        {
            await AuditLog.WriteAsync(connection, transaction, new AuditEntry("roster.joint_window", centerId, userId, SubjectKind: "service_window",
                SubjectId: windowId, Detail: new { day, unitId = (int?)null }));
            await LiveJournal.AppendAsync(connection, transaction, "roster.changed", centerId, payload: new { windowId, day });
        }
    }

    /// <summary>Records people leaving a waiting area; more than are present is refused.</summary>
    public async Task RecordLeavingAsync(int centerId, int areaId, int people, int userId)
    {
        if (people is < 1 or > 500)
        {
            throw new FloorException("离开人数应在 1 到 500 之间。");
        }

        var day = ChinaTime.Today(time);
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        // Lock the area so two desks recording departures at once cannot drive the count below zero.
        const string presentSql = """
            SELECT coalesce((SELECT sum(people) FROM waiting_movement WHERE area_id = a.id AND day = @day), 0)::int
            FROM waiting_area a
            WHERE a.id = @areaId AND a.center_id = @centerId
            FOR UPDATE
            """;
        var present = await connection.ExecuteScalarAsync<int?>(presentSql, new { areaId, centerId, day }, transaction)
            ?? throw new FloorException("候访区不存在。");
        if (people > present)
        {
            throw new FloorException($"候访区当前只有 {present} 人，不能登记 {people} 人离开。");
        }

        await connection.ExecuteAsync("""
            INSERT INTO waiting_movement (area_id, people, at, day, user_id)
            VALUES (@areaId, @negative, @now, @day, @userId)
            """, new { areaId, negative = -people, now = time.GetUtcNow(), day, userId }, transaction);
        await AuditLog.WriteAsync(connection, transaction, new AuditEntry("floor.people_left", centerId, userId, SubjectKind: "waiting_area",
            SubjectId: areaId, Detail: new { people }));
        await LiveJournal.AppendAsync(connection, transaction, "waiting.left", centerId, payload: new { areaId, people });
        await transaction.CommitAsync();
    }
}
