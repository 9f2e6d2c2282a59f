using Dapper;
using Npgsql;

namespace OpsBoard.Data.Personal;

/// <summary>One place that writes a petitioner: found again by the keyed hash of the ID number, never by the number itself.</summary>
public static class Petitioners
{
    public static Task<long> UpsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, PersonalDataProtector protector,
        int centerId, string name, ChineseIdNumber number, string? phone, int? localityId)
    {
        const string sql = """
            INSERT INTO petitioner (center_id, name, id_number_enc, id_number_hash, id_number_tail, gender, birth_date, phone, locality_id)
            VALUES (@centerId, @name, @enc, @hash, @Tail, @Gender, @BirthDate, @phone, @localityId)
            ON CONFLICT (center_id, id_number_hash) DO UPDATE
            SET name = excluded.name,
                phone = coalesce(excluded.phone, petitioner.phone),
                locality_id = coalesce(excluded.locality_id, petitioner.locality_id)
            RETURNING id
            """;
        return connection.ExecuteScalarAsync<long>(sql, new
        {
            centerId, name = name.Trim(), enc = protector.Encrypt(number), hash = protector.LookupHash(number),
            number.Tail, number.Gender, number.BirthDate, phone = string.IsNullOrWhiteSpace(phone) ? null : phone.Trim(), localityId,
        }, transaction);
    }
}
