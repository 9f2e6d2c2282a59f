using Dapper;
using Npgsql;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Audit;
using OpsBoard.Data.Live;

namespace OpsBoard.Data.Matters;

/// <summary>督办 (《泗县联合接访工作方案》四(五)): a sheet to a unit with a 7-day feedback clock; an overdue sheet is an alert like any clock.</summary>
public sealed class Supervisions(NpgsqlDataSource dataSource, MatterClocks clocks, TimeProvider time)
{
    public async Task<long> IssueAsync(Actor actor, long matterId, int unitId, string request)
    {
        await PermissionGuard.RequireAsync(dataSource, actor, Permission.Supervise, null, "matter", matterId);
        if (string.IsNullOrWhiteSpace(request))
        {
            throw new MatterException("请写明督办要求。");
        }

        request = TextLimits.Check(request, "督办要求", TextLimits.Reason);

        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var ok = await connection.ExecuteScalarAsync<bool>("""
            SELECT EXISTS (SELECT 1 FROM matter WHERE id = @matterId AND center_id = @CenterId AND status <> ALL(@closedForGood))
               AND EXISTS (SELECT 1 FROM unit WHERE id = @unitId AND center_id = @CenterId)
            """, new { matterId, unitId, actor.CenterId, closedForGood = new[] { MatterStatus.Finalized, MatterStatus.NotAccepted } }, transaction);
        if (!ok)
        {
            throw new MatterException("信访事项或被督办单位无效，或事项已终结。");
        }

        await Accusations.RefuseConflictAsync(dataSource, connection, transaction, actor, matterId, unitId, "向该单位督办");

        var clockId = await clocks.StartAsync(connection, transaction, matterId, ClockKind.Supervision, now);
        if (clockId == 0)
        {
            throw new MatterException("该事项已有一张督办单等待反馈。");
        }

        var id = await connection.ExecuteScalarAsync<long>("""
            INSERT INTO supervision (matter_id, unit_id, issued_at, issued_by, request, clock_id)
            VALUES (@matterId, @unitId, @now, @UserId, @request, @clockId)
            RETURNING id
            """, new { matterId, unitId, now, actor.UserId, request = request.Trim(), clockId }, transaction);
        await AuditLog.WriteAsync(connection, transaction, new AuditEntry("supervision.issue", actor.CenterId, actor.UserId, SubjectKind: "matter", SubjectId: matterId, UnitId: unitId));
        await LiveJournal.AppendAsync(connection, transaction, "supervision.issued", actor.CenterId, unitId, new { id, matterId });
        await transaction.CommitAsync();
        return id;
    }

    public async Task FeedbackAsync(Actor actor, long supervisionId, string feedback)
    {
        if (string.IsNullOrWhiteSpace(feedback))
        {
            throw new MatterException("请填写反馈内容。");
        }

        feedback = TextLimits.Check(feedback, "反馈内容", TextLimits.Reason);

        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var sheet = await connection.QuerySingleOrDefaultAsync<Sheet>("""
            SELECT s.id, s.matter_id AS MatterId, s.unit_id AS UnitId, s.feedback_at IS NOT NULL AS Answered
            FROM supervision s JOIN matter m ON m.id = s.matter_id
            WHERE s.id = @supervisionId AND m.center_id = @CenterId
            FOR UPDATE OF s
            """, new { supervisionId, actor.CenterId }, transaction) ?? throw new MatterException("督办单不存在。");
        if (!actor.May(Permission.AnswerSupervision, sheet.UnitId))
        {
            await transaction.RollbackAsync();
            await PermissionGuard.RequireAsync(dataSource, actor, Permission.AnswerSupervision, sheet.UnitId, "supervision", supervisionId);
        }

        if (sheet.Answered)
        {
            throw new MatterException("该督办单已反馈。");
        }

        await connection.ExecuteAsync("UPDATE supervision SET feedback = @feedback, feedback_at = @now WHERE id = @Id",
            new { feedback = feedback.Trim(), now, sheet.Id }, transaction);
        await clocks.StopAsync(connection, transaction, sheet.MatterId, ClockKind.Supervision, now);
        await AuditLog.WriteAsync(connection, transaction, new AuditEntry("supervision.feedback", actor.CenterId, actor.UserId, SubjectKind: "matter", SubjectId: sheet.MatterId, UnitId: sheet.UnitId));
        await LiveJournal.AppendAsync(connection, transaction, "supervision.answered", actor.CenterId, sheet.UnitId, new { sheet.Id, sheet.MatterId });
        await transaction.CommitAsync();
    }

    sealed record Sheet(long Id, long MatterId, int UnitId, bool Answered);
}
