using Npgsql;
using OpsBoard.Data.Audit;

namespace OpsBoard.Data.Accounts;

/// <summary>The data layer's check of the matrix: a refusal writes its audit row and says, in Chinese, who may do it.</summary>
public static class PermissionGuard
{
    public static async Task RequireAsync(NpgsqlDataSource dataSource, Actor actor, Permission permission, int? unitId,
        string subjectKind, long? subjectId, string subjectName = "信访事项")
    {
        if (actor.May(permission, unitId))
        {
            return;
        }

        await AuditLog.WriteAsync(dataSource, new AuditEntry(AuditAction(permission), actor.CenterId, actor.UserId, SubjectKind: subjectKind,
            SubjectId: subjectId, UnitId: unitId, Outcome: "refused", Detail: new { permission = permission.ToString() }));
        throw new ForbiddenException(Explain(actor, permission, unitId, subjectName));
    }

    /// <summary>The audit action of a refusal: <c>may.accept_matter</c> with outcome <c>refused</c>.</summary>
    public static string AuditAction(Permission permission) =>
        "may." + string.Concat(permission.ToString().Select((c, i) => char.IsUpper(c) && i > 0 ? $"_{char.ToLowerInvariant(c)}" : $"{char.ToLowerInvariant(c)}"));

    /// <summary>"“交办责任单位”由中心主任、带班领导办理。" — or, for a unit role, that the matter is not the unit's.</summary>
    public static string Explain(Actor actor, Permission permission, int? unitId, string subjectName = "信访事项")
    {
        var grant = Permissions.Of(permission);
        var verb = permission is Permission.ViewMatters or Permission.ViewSlips ? "查看" : "操作";
        if (actor.Holds(permission) && actor.Roles.All(r => r.UnitId is not null))
        {
            return unitId is null ? $"该{subjectName}尚未交办到您的单位，无权{verb}。" : $"该{subjectName}不属于您的单位，无权{verb}。";
        }

        return $"“{grant.Label}”由{string.Join("、", grant.Roles.Select(Roles.DisplayName))}办理，您无权{verb}。";
    }
}
