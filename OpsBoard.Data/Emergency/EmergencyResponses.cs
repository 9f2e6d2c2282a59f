using Npgsql;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Audit;

namespace OpsBoard.Data.Emergency;

/// <summary>
/// The life of a response as people take it: the duty leader launches, responders say 收到, the center records arrivals,
/// the duty leader reports upward, records measures and closes. Each call checks the matrix, runs its step in one
/// transaction and commits; a refusal changes nothing.
/// </summary>
public sealed class EmergencyResponses(NpgsqlDataSource dataSource, TimeProvider time)
{
    public async Task<Launched> LaunchAsync(Actor actor, LaunchEmergency launch)
    {
        await PermissionGuard.RequireAsync(dataSource, actor, Permission.LaunchEmergency, null, "emergency", null, "应急处置");
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var launched = await EmergencySteps.LaunchAsync(connection, transaction, actor.CenterId, actor.UserId, launch, time.GetUtcNow());
        await transaction.CommitAsync();
        return launched;
    }

    /// <summary>收到: only a responder listed on this response, once. Anyone else is refused and the refusal audited.</summary>
    public async Task AcknowledgeAsync(Actor actor, long emergencyId)
    {
        await PermissionGuard.RequireAsync(dataSource, actor, Permission.RespondEmergency, actor.Units.FirstOrDefault(), "emergency", emergencyId, "应急处置");
        try
        {
            await StepAsync(actor, emergencyId, (c, t, row, now) => EmergencySteps.AcknowledgeAsync(c, t, row, actor.UserId, now));
        }
        catch (ForbiddenException)
        {
            await AuditLog.WriteAsync(dataSource, new AuditEntry("emergency.acknowledge", actor.CenterId, actor.UserId, SubjectKind: "emergency",
                SubjectId: emergencyId, Outcome: "refused", Detail: new { reason = "not a responder" }));
            throw;
        }
    }

    public async Task RecordArrivalAsync(Actor actor, long emergencyId, long responderId)
    {
        await PermissionGuard.RequireAsync(dataSource, actor, Permission.RecordArrival, null, "emergency", emergencyId, "应急处置");
        await StepAsync(actor, emergencyId, (c, t, row, now) => EmergencySteps.RecordArrivalAsync(c, t, row, actor.UserId, responderId, now));
    }

    public async Task ReportAsync(Actor actor, long emergencyId, UpwardReport report)
    {
        await PermissionGuard.RequireAsync(dataSource, actor, Permission.ReportUpward, null, "emergency", emergencyId, "应急处置");
        await StepAsync(actor, emergencyId, (c, t, row, now) => EmergencySteps.ReportAsync(c, t, row, actor.UserId, report, now));
    }

    public async Task RecordMeasureAsync(Actor actor, long emergencyId, string? measure)
    {
        await PermissionGuard.RequireAsync(dataSource, actor, Permission.LaunchEmergency, null, "emergency", emergencyId, "应急处置");
        await StepAsync(actor, emergencyId, (c, t, row, now) => EmergencySteps.RecordMeasureAsync(c, t, row, actor.UserId, measure, now));
    }

    public async Task CloseAsync(Actor actor, long emergencyId, EmergencyClosing closing)
    {
        await PermissionGuard.RequireAsync(dataSource, actor, Permission.CloseEmergency, null, "emergency", emergencyId, "应急处置");
        await StepAsync(actor, emergencyId, (c, t, row, now) => EmergencySteps.CloseAsync(c, t, row, actor.UserId, closing, now));
    }

    async Task StepAsync(Actor actor, long emergencyId, Func<NpgsqlConnection, NpgsqlTransaction, EmergencyRow, DateTimeOffset, Task> step)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var row = await EmergencySteps.LockAsync(connection, transaction, actor.CenterId, emergencyId);
        await step(connection, transaction, row, time.GetUtcNow());
        await transaction.CommitAsync();
    }
}
