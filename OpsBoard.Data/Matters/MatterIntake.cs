using Dapper;
using Npgsql;
using OpsBoard.Data.Audit;
using OpsBoard.Data.Live;
using OpsBoard.Data.Personal;

namespace OpsBoard.Data.Matters;

public sealed record NewMatter(string Source, string Name, string IdNumber, string? Phone, string Category, string Summary, int? LocalityId, bool IsAccusation);

/// <summary>Matters that arrive by letter, online or by phone (visits are registered at the desk).</summary>
public sealed class MatterIntake(NpgsqlDataSource dataSource, PersonalDataProtector protector, MatterClocks clocks, TimeProvider time)
{
    public async Task<long> RegisterAsync(Actor actor, NewMatter input)
    {
        if (!actor.CenterWide)
        {
            throw new MatterForbiddenException("只有中心可以登记信访事项。");
        }

        if (input.Source is not ("letter" or "online" or "phone"))
        {
            throw new MatterException("请选择来源：来信、网上或电话。");
        }

        if (string.IsNullOrWhiteSpace(input.Name) || string.IsNullOrWhiteSpace(input.Summary) || string.IsNullOrWhiteSpace(input.Category))
        {
            throw new MatterException("请填写信访人姓名、类别和诉求摘要。");
        }

        if (!ChineseIdNumber.TryParse(input.IdNumber, out var number, out var idError))
        {
            throw new MatterException(idError);
        }

        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var petitionerId = await connection.ExecuteScalarAsync<long>("""
            INSERT INTO petitioner (center_id, name, id_number_enc, id_number_hash, id_number_tail, gender, birth_date, phone, locality_id)
            VALUES (@CenterId, @name, @enc, @hash, @Tail, @Gender, @BirthDate, @phone, @LocalityId)
            ON CONFLICT (center_id, id_number_hash) DO UPDATE SET name = excluded.name, phone = coalesce(excluded.phone, petitioner.phone)
            RETURNING id
            """, new
        {
            actor.CenterId, name = input.Name.Trim(), enc = protector.Encrypt(number), hash = protector.LookupHash(number),
            number.Tail, number.Gender, number.BirthDate, phone = string.IsNullOrWhiteSpace(input.Phone) ? null : input.Phone.Trim(), input.LocalityId,
        }, transaction);
        var id = await connection.ExecuteScalarAsync<long>("SELECT nextval(pg_get_serial_sequence('matter', 'id'))", transaction: transaction);
        var day = ChinaTime.Today(time);
        try
        {
            await connection.ExecuteAsync("""
                INSERT INTO matter (id, center_id, code, source, category, summary, petitioner_id, locality_id, status, is_accusation, received_at)
                VALUES (@id, @CenterId, @code, @Source, @Category, @summary, @petitionerId, @LocalityId, 'registered', @IsAccusation, @now);
                INSERT INTO matter_transition (matter_id, from_status, to_status, at, user_id, note)
                VALUES (@id, NULL, 'registered', @now, @UserId, @note);
                """, new
            {
                id, actor.CenterId, code = $"XF{day:yyyyMMdd}-{id:000000}", input.Source, input.Category, summary = input.Summary.Trim(),
                petitionerId, input.LocalityId, input.IsAccusation, now, actor.UserId,
                note = input.Source switch { "letter" => "来信登记", "online" => "网上信访登记", _ => "电话信访登记" },
            }, transaction);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            throw new MatterException("类别或属地无效。");
        }

        await clocks.StartAsync(connection, transaction, id, "transfer", now);
        await clocks.StartAsync(connection, transaction, id, "acceptance_notice", now);
        await AuditLog.WriteAsync(connection, transaction, new AuditEntry("matter.register", actor.CenterId, actor.UserId, SubjectKind: "matter", SubjectId: id));
        await LiveJournal.AppendAsync(connection, transaction, "matter.registered", actor.CenterId, payload: new { id });
        await transaction.CommitAsync();
        return id;
    }
}
