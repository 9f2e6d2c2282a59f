using Dapper;
using Npgsql;
using OpsBoard.Data.Audit;

namespace OpsBoard.Data.Personal;

/// <summary>A known ID number registered under another name than the one on file.</summary>
public sealed record Rename(string IdNumber, string RegisteredName, string NewName)
{
    /// <summary>
    /// What a confirmation carries back: the number and the name it confirms. A name edited after the question was
    /// asked is a new question, never a rename nobody saw.
    /// </summary>
    public string Key => $"{IdNumber}:{NewName}";

    public string Question => $"该证件号已登记为 {RegisteredName}，确认更名为 {NewName}？";
}

/// <summary>Registration stopped before anything was written: someone must confirm each of these renames first.</summary>
public sealed class RenameUnconfirmedException(IReadOnlyList<Rename> renames)
    : RefusedException(string.Join("；", renames.Select(r => r.Question)))
{
    public IReadOnlyList<Rename> Renames { get; } = renames;
}

/// <summary>
/// One place that writes a petitioner: found again by the keyed hash of the ID number, never by the number itself.
/// A petitioner is never renamed silently: every earlier visit shows the current name, so a typing slip or a second
/// person's card would rewrite history. A confirmed rename keeps the replaced name as a 曾用名 and is audited.
/// </summary>
public static class Petitioners
{
    /// <summary>The renames registering these people would make (none for a new ID number or the same name).</summary>
    public static async Task<IReadOnlyList<Rename>> RenamesAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction,
        PersonalDataProtector protector, int centerId, IEnumerable<(string Name, ChineseIdNumber Number)> people)
    {
        var wanted = people.Select(p => (Name: p.Name.Trim(), p.Number, Hash: protector.LookupHash(p.Number))).ToList();
        const string sql = """
            SELECT id_number_hash AS Hash, name
            FROM petitioner
            WHERE center_id = @centerId AND id_number_hash = ANY(@hashes)
            """;
        var registered = (await connection.QueryAsync<(byte[] Hash, string Name)>(sql,
                new { centerId, hashes = wanted.Select(w => w.Hash).ToArray() }, transaction))
            .ToDictionary(r => Convert.ToHexString(r.Hash), r => r.Name);
        return [.. wanted
            .Where(w => registered.TryGetValue(Convert.ToHexString(w.Hash), out var name) && name != w.Name)
            .Select(w => new Rename(w.Number.Value, registered[Convert.ToHexString(w.Hash)], w.Name))];
    }

    /// <summary>
    /// Inserts the petitioner or refreshes phone and locality. A different name is written only when its
    /// <see cref="Rename.Key"/> is among <paramref name="confirmedRenames"/>; otherwise nothing is and the caller's
    /// transaction is refused with the question to ask.
    /// </summary>
    public static async Task<long> UpsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, PersonalDataProtector protector,
        int centerId, int userId, string name, ChineseIdNumber number, string? phone, int? localityId,
        IReadOnlyCollection<string> confirmedRenames, DateTimeOffset now)
    {
        // The name is left alone on conflict: whether it may change is decided below, on the row now locked.
        const string sql = """
            INSERT INTO petitioner (center_id, name, id_number_enc, id_number_hash, phone, locality_id)
            VALUES (@centerId, @name, @enc, @hash, @phone, @localityId)
            ON CONFLICT (center_id, id_number_hash) DO UPDATE
            SET phone = coalesce(excluded.phone, petitioner.phone),
                locality_id = coalesce(excluded.locality_id, petitioner.locality_id)
            RETURNING id, name
            """;
        var trimmed = name.Trim();
        var (id, registeredName) = await connection.QuerySingleAsync<(long Id, string Name)>(sql, new
        {
            centerId, name = trimmed, enc = protector.Encrypt(number), hash = protector.LookupHash(number),
            phone = string.IsNullOrWhiteSpace(phone) ? null : phone.Trim(), localityId,
        }, transaction);
        if (registeredName == trimmed)
        {
            return id;
        }

        var rename = new Rename(number.Value, registeredName, trimmed);
        if (!confirmedRenames.Contains(rename.Key))
        {
            throw new RenameUnconfirmedException([rename]);
        }

        const string renameSql = """
            INSERT INTO petitioner_name_history (petitioner_id, name, replaced_at, replaced_by)
            VALUES (@id, @registeredName, @now, @userId)
            RETURNING id;
            """;
        var historyId = await connection.ExecuteScalarAsync<long>(renameSql, new { id, registeredName, now, userId }, transaction);
        await connection.ExecuteAsync("UPDATE petitioner SET name = @trimmed WHERE id = @id", new { id, trimmed }, transaction);
        // No names in the operation log: the history row holds them, the log says who renamed whom and when.
        // No live event either: no screen shows a petitioner's name.
        await AuditLog.WriteAsync(connection, transaction, new AuditEntry("petitioner.rename", centerId, userId,
            SubjectKind: "petitioner", SubjectId: id, Detail: new { historyId }));
        return id;
    }

    /// <summary>Earlier names of each petitioner, the most recently replaced first.</summary>
    public static async Task<ILookup<long, string>> FormerNamesAsync(NpgsqlConnection connection, IReadOnlyCollection<long> petitionerIds)
    {
        const string sql = """
            SELECT petitioner_id AS PetitionerId, name
            FROM petitioner_name_history
            WHERE petitioner_id = ANY(@ids)
            ORDER BY replaced_at DESC, id DESC
            """;
        var rows = await connection.QueryAsync<(long PetitionerId, string Name)>(sql, new { ids = petitionerIds.Distinct().ToArray() });
        // A name used twice (张三 → 李四 → 张三 → 李四) is listed once.
        return rows.DistinctBy(r => (r.PetitionerId, r.Name)).ToLookup(r => r.PetitionerId, r => r.Name);
    }
}
