using Dapper;
using Npgsql;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Audit;

namespace OpsBoard.Data.Slips;

/// <summary>One version of a trigger's threshold, in force from its date (<c>slip_trigger_rule</c>).</summary>
public sealed record SlipTriggerRule(int Id, string Trigger, int Version, int Threshold, string Source, DateOnly EffectiveFrom)
{
    public string Label => SlipTrigger.Label(Trigger);

    /// <summary>"同一事项来访次数达到 3" …, as the rules page and the slip read it.</summary>
    public string Condition => $"{SlipTrigger.ThresholdLabels.Label(Trigger)} {Threshold}";
}

/// <summary>
/// The triggers as data, versioned like deadline rules: a change is a new version from an effective date, visits are
/// judged by the version in force on their day, and slips already issued keep theirs.
/// </summary>
public sealed class SlipRules(NpgsqlDataSource dataSource, TimeProvider time)
{
    public async Task<IReadOnlyList<SlipTriggerRule>> AllAsync()
    {
        const string sql = """
            SELECT id, trigger, version, threshold, source, effective_from AS EffectiveFrom
            FROM slip_trigger_rule
            ORDER BY trigger, effective_from DESC
            """;
        await using var connection = await dataSource.OpenConnectionAsync();
        return [.. await connection.QueryAsync<SlipTriggerRule>(sql)];
    }

    public async Task<SlipTriggerRule> ReviseAsync(Actor actor, string trigger, int threshold, string? source, DateOnly effectiveFrom)
    {
        await PermissionGuard.RequireAsync(dataSource, actor, Permission.ReviseSlipRules, null, "slip_trigger_rule", null);
        if (!SlipTrigger.Labels.Contains(trigger))
        {
            throw new SlipException("没有这种预警触发条件。");
        }

        var (min, max) = trigger == SlipTrigger.Escalated ? (2, 4) : (1, 500);
        if (threshold < min || threshold > max)
        {
            throw new SlipException($"“{SlipTrigger.Label(trigger)}”的阈值应在 {min} 到 {max} 之间。");
        }

        var cited = TextLimits.Check(source, "依据", TextLimits.Reason);
        if (effectiveFrom < ChinaTime.Today(time))
        {
            throw new SlipException("生效日期不能早于今天：已下发的提醒单不受影响，但历史不能改写。");
        }

        const string sql = """
            INSERT INTO slip_trigger_rule (trigger, version, threshold, source, effective_from, created_by)
            SELECT @trigger, coalesce(max(version), 0) + 1, @threshold, @cited, @effectiveFrom, @UserId
            FROM slip_trigger_rule
            WHERE trigger = @trigger
            RETURNING id, trigger, version, threshold, source, effective_from AS EffectiveFrom
            """;
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        SlipTriggerRule rule;
        try
        {
            rule = await connection.QuerySingleAsync<SlipTriggerRule>(sql, new { trigger, threshold, cited, effectiveFrom, actor.UserId }, transaction);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new SlipException("该触发条件在这一天已有一个版本生效，请选择其他生效日期。");
        }

        await AuditLog.WriteAsync(connection, transaction, new AuditEntry("slip_rule.revise", actor.CenterId, actor.UserId, SubjectKind: "slip_trigger_rule",
            SubjectId: rule.Id, Detail: new { trigger, threshold, effectiveFrom }));
        await transaction.CommitAsync();
        return rule;
    }
}
