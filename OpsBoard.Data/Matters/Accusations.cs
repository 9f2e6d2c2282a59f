using Dapper;
using Npgsql;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Audit;
using OpsBoard.Data.Live;

namespace OpsBoard.Data.Matters;

/// <summary>A person an accusation names: a name and, where given, a post (职务). Free text, limited in length.</summary>
public sealed record AccusedPerson(string Name, string? Post);

/// <summary>Who an accusation matter names, as a reader allowed to know it sees them.</summary>
public sealed record AccusedParties(IReadOnlyList<string> Units, IReadOnlyList<AccusedPerson> People);

/// <summary>
/// How a reader sees an accusation matter's file: <see cref="Redacted"/> hides the petitioner, the content and the
/// accused people; <see cref="Accused"/> is null then.
/// </summary>
public sealed record AccusationView(bool Redacted, AccusedParties? Accused);

/// <summary>
/// 检举控告 (《信访工作条例》第三十条): "不得将检举、揭发、控告材料及有关情况透露或者转送给被检举、揭发、控告的人员和单位".
/// The one place of the rule: the conflict set of a matter is each accused unit, its parent and its children
/// (the SQL function <c>accusation_conflict</c> of sql/0031, which list queries call as <see cref="NotHiddenSql"/>);
/// a unit in it is never given the matter (交办/转送, 督办, 预警提醒单, 包案) and never sees it. Any other reader who is
/// not of the petition office's deciding and registering roles, nor of the discipline unit (纪工委/监察办), sees the file
/// redacted. Every opening of an accusation file is written to the operation log.
/// </summary>
public static class Accusations
{
    public const int MaxUnits = 5;
    public const int MaxPeople = 5;
    public const int PostLimit = 60;

    /// <summary>What a redacted reader sees in place of the content, the petitioner and the accused.</summary>
    public const string RedactedMark = "检举控告事项，内容已隐去";

    public const string Statute = "《信访工作条例》第三十条：不得将检举、揭发、控告材料及有关情况透露或者转送给被检举、揭发、控告的人员和单位";

    /// <summary>
    /// The condition every query that lists matters for a reader adds (alias <c>m</c>, parameter <c>@hiddenFrom</c> =
    /// <see cref="HiddenFrom"/>): with a null array nothing is hidden, and a matter not marked is never looked at further.
    /// </summary>
    public const string NotHiddenSql = "NOT (m.is_accusation AND accusation_conflict(m.id, @hiddenFrom::int[]))";

    /// <summary>The units whose conflict hides a matter from this reader: their own, unless a center role lets them see the whole center.</summary>
    public static int[]? HiddenFrom(Actor actor) => actor.SeesWholeCenter ? null : [.. actor.Units];

    /// <summary>
    /// Center roles that register, decide on and handle a petitioner's matters read an accusation in full; the
    /// statistician and the admin do not.
    /// </summary>
    static bool ReadsInFullAtCenter(Actor actor) =>
        actor.Roles.Any(r => r.UnitId is null && Permissions.Allows(r.Role, Permission.ViewPetitionerContact));

    /// <summary>Whether this reader, allowed to see an accusation matter, sees it redacted.</summary>
    public static bool RedactedFor(Actor actor, int? disciplineUnitId) =>
        !ReadsInFullAtCenter(actor) && !(disciplineUnitId is { } d && actor.Units.Contains(d));

    /// <summary>What is wrong with the accusation fields a form posts, in words the clerk can act on; null when they are fine.</summary>
    public static string? Problem(bool isAccusation, IReadOnlyCollection<int> units, IReadOnlyCollection<AccusedPerson> people)
    {
        if (!isAccusation)
        {
            return units.Count > 0 || people.Count > 0 ? "填写了被检举控告的单位或人员，请同时勾选“检举控告”。" : null;
        }

        if (units.Count > MaxUnits)
        {
            return $"被检举控告单位最多 {MaxUnits} 个。";
        }

        if (people.Count > MaxPeople)
        {
            return $"被检举控告人员最多 {MaxPeople} 名。";
        }

        foreach (var person in people)
        {
            if (string.IsNullOrWhiteSpace(person.Name))
            {
                return "填写了被检举控告人员的职务，请同时填写姓名。";
            }

            if (TextLimits.TooLong(person.Name, "被检举控告人员姓名", TextLimits.Name) is { } name)
            {
                return name + "。";
            }

            if (TextLimits.TooLong(person.Post, "被检举控告人员职务", PostLimit) is { } post)
            {
                return post + "。";
            }
        }

        return null;
    }

    /// <summary>The people a form posts as parallel name and post fields, blank rows left out.</summary>
    public static IReadOnlyList<AccusedPerson> PeopleOf(IEnumerable<string?> names, IEnumerable<string?> posts)
    {
        var postList = posts.ToList();
        return [.. names.Select((n, i) => new AccusedPerson(n?.Trim() ?? "", i < postList.Count ? NullIfBlank(postList[i]) : null))
            .Where(p => p.Name.Length > 0 || p.Post is not null)];
    }

    static string? NullIfBlank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    /// <summary>Stores the accused of a new matter inside the caller's transaction; the units must be the center's own, active ones.</summary>
    public static async Task SaveAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int centerId, long matterId,
        IReadOnlyCollection<int> units, IReadOnlyCollection<AccusedPerson> people)
    {
        int[] distinct = [.. units.Distinct()];
        if (distinct.Length > 0)
        {
            var inserted = await connection.ExecuteAsync("""
                INSERT INTO matter_accused_unit (matter_id, unit_id)
                SELECT @matterId, u.id
                FROM unit u
                WHERE u.id = ANY(@distinct) AND u.center_id = @centerId AND u.active
                """, new { matterId, distinct, centerId }, transaction);
            if (inserted != distinct.Length)
            {
                throw new MatterException("被检举控告单位无效。");
            }
        }

        foreach (var person in people)
        {
            await connection.ExecuteAsync("""
                INSERT INTO matter_accused_person (matter_id, name, post)
                VALUES (@matterId, @name, @post)
                """, new { matterId, name = person.Name.Trim(), post = NullIfBlank(person.Post) }, transaction);
        }
    }

    /// <summary>Whether the unit is an accused unit of the matter, its parent or its child.</summary>
    public static Task<bool> InConflictAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, long matterId, int unitId) =>
        connection.ExecuteScalarAsync<bool>("SELECT accusation_conflict(@matterId, ARRAY[@unitId])", new { matterId, unitId }, transaction);

    /// <summary>Whether any of the reader's units is in the matter's conflict set.</summary>
    public static Task<bool> InConflictAnyAsync(NpgsqlConnection connection, long matterId, int[] units) =>
        connection.ExecuteScalarAsync<bool>("SELECT accusation_conflict(@matterId, @units)", new { matterId, units });

    /// <summary>The matter's conflict set: the units that may neither be given nor see it.</summary>
    public static async Task<IReadOnlyList<int>> ConflictSetAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, long matterId)
    {
        const string sql = """
            SELECT u.id
            FROM unit u
            JOIN matter m ON m.center_id = u.center_id
            WHERE m.id = @matterId AND accusation_conflict(m.id, ARRAY[u.id])
            ORDER BY u.id
            """;
        return [.. await connection.QueryAsync<int>(sql, new { matterId }, transaction)];
    }

    /// <summary>
    /// Refuses to give the matter to a unit of its conflict set (<paramref name="action"/>: 交办, 督办, 下发预警提醒单, 交办包案),
    /// writing the refusal to the operation log first.
    /// </summary>
    public static async Task RefuseConflictAsync(NpgsqlDataSource dataSource, NpgsqlConnection connection, NpgsqlTransaction transaction, Actor actor,
        long matterId, int unitId, string action)
    {
        if (!await InConflictAsync(connection, transaction, matterId, unitId))
        {
            return;
        }

        // On a connection of its own: the caller's transaction rolls back with the refusal, the log row must stay.
        await AuditLog.WriteAsync(dataSource, new AuditEntry("matter.accusation_conflict", actor.CenterId, actor.UserId == 0 ? null : actor.UserId,
            SubjectKind: "matter", SubjectId: matterId, UnitId: unitId, Outcome: "refused", Detail: new { action }));
        throw new MatterException(ConflictMessage(action));
    }

    public static string ConflictMessage(string action) =>
        $"该单位是本检举控告事项的被检举控告单位或其上级、下级单位，不能{action}（{Statute}）。";

    /// <summary>The center's discipline unit (纪工委/监察办), if one is marked.</summary>
    public static Task<int?> DisciplineUnitAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, int centerId) =>
        connection.ExecuteScalarAsync<int?>("SELECT id FROM unit WHERE center_id = @centerId AND is_discipline", new { centerId }, transaction);

    /// <summary>The accused of a matter, names as stored.</summary>
    public static async Task<AccusedParties> AccusedOfAsync(NpgsqlConnection connection, long matterId)
    {
        var units = await connection.QueryAsync<string>("""
            SELECT u.name
            FROM matter_accused_unit a
            JOIN unit u ON u.id = a.unit_id
            WHERE a.matter_id = @matterId
            ORDER BY u.name
            """, new { matterId });
        var people = await connection.QueryAsync<AccusedPerson>("""
            SELECT name, post
            FROM matter_accused_person
            WHERE matter_id = @matterId
            ORDER BY id
            """, new { matterId });
        return new AccusedParties([.. units], [.. people]);
    }
}

/// <summary>The admin's mark of the center's discipline unit (纪工委/监察办), the one unit that reads accusations in full.</summary>
public sealed class DisciplineUnits(NpgsqlDataSource dataSource)
{
    public sealed record Candidate(int Id, string Name, bool IsDiscipline);

    public async Task<IReadOnlyList<Candidate>> CandidatesAsync(Actor actor)
    {
        await PermissionGuard.RequireAsync(dataSource, actor, Permission.Administer, null, "unit", null, "单位");
        await using var connection = await dataSource.OpenConnectionAsync();
        return [.. await connection.QueryAsync<Candidate>("""
            SELECT id, name, is_discipline AS IsDiscipline
            FROM unit
            WHERE center_id = @CenterId AND active AND kind IN ('department', 'petition_office')
            ORDER BY name
            """, new { actor.CenterId })];
    }

    /// <summary>Moves the mark to <paramref name="unitId"/> (null: no discipline unit; accusations are then redacted for every unit).</summary>
    public async Task SetAsync(Actor actor, int? unitId)
    {
        await PermissionGuard.RequireAsync(dataSource, actor, Permission.Administer, null, "unit", unitId, "单位");
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        if (unitId is { } id && !await connection.ExecuteScalarAsync<bool>("""
                SELECT EXISTS (SELECT 1 FROM unit WHERE id = @id AND center_id = @CenterId AND active AND kind IN ('department', 'petition_office'))
                """, new { id, actor.CenterId }, transaction))
        {
            throw new RefusedException("请选择一个县直部门作为纪检监察单位。");
        }

        var before = await Accusations.DisciplineUnitAsync(connection, transaction, actor.CenterId);
        await connection.ExecuteAsync("UPDATE unit SET is_discipline = false WHERE center_id = @CenterId AND is_discipline",
            new { actor.CenterId }, transaction);
        await connection.ExecuteAsync("UPDATE unit SET is_discipline = true WHERE id = @unitId AND center_id = @CenterId",
            new { unitId, actor.CenterId }, transaction);
        await AuditLog.WriteAsync(connection, transaction, new AuditEntry("unit.discipline_set", actor.CenterId, actor.UserId, SubjectKind: "unit",
            SubjectId: unitId, UnitId: unitId, Detail: new { before, after = unitId }));
        await LiveJournal.AppendAsync(connection, transaction, "unit.discipline_set", actor.CenterId, payload: new { before, after = unitId });
        await transaction.CommitAsync();
    }
}
