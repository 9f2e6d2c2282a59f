using OpsBoard.Data.Accounts;
using Dapper;
using Npgsql;
using OpsBoard.Data.Audit;
using OpsBoard.Data.Live;
using OpsBoard.Data.Personal;

namespace OpsBoard.Data.Matters;

public sealed record NewMatter(string Source, string Name, string IdNumber, string? Phone, string Category, string Summary, int? LocalityId, bool IsAccusation)
{
    /// <summary>The <see cref="Rename.Key"/> the clerk confirmed when the ID number is on file under another name.</summary>
    public IReadOnlyCollection<string> ConfirmedRenames { get; init; } = [];
}

/// <summary>Matters that arrive by letter, online or by phone (visits are registered at the desk).</summary>
public sealed class MatterIntake(NpgsqlDataSource dataSource, PersonalDataProtector protector, MatterClocks clocks, TimeProvider time)
{
    public sealed record Opening(int CenterId, int UserId, string Source, string Category, string Summary, long PetitionerId,
        int? LocalityId, bool Collective, bool Accusation);

    /// <summary>
    /// Opens a matter inside the caller's transaction, whatever its source, and starts the two clocks every matter runs
    /// from registration: transfer/assign and tell the petitioner (条例 第二十二、二十三条, 15 days each).
    /// </summary>
    public async Task<long> OpenAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Opening opening, DateTimeOffset now)
    {
        var id = await connection.ExecuteScalarAsync<long>("SELECT nextval(pg_get_serial_sequence('matter', 'id'))", transaction: transaction);
        var day = ChinaTime.Today(time);
        const string sql = """
            INSERT INTO matter (id, center_id, code, source, category, summary, petitioner_id, locality_id, status,
                                is_collective, is_accusation, received_at)
            VALUES (@id, @CenterId, @code, @Source, @Category, @summary, @PetitionerId, @LocalityId, 'registered',
                    @Collective, @Accusation, @now);
            INSERT INTO matter_transition (matter_id, from_status, to_status, at, user_id, note)
            VALUES (@id, NULL, 'registered', @now, @UserId, @note);
            """;
        try
        {
            await connection.ExecuteAsync(sql, new
            {
                id, opening.CenterId, code = MatterCode.For(day, id), opening.Source, opening.Category, summary = opening.Summary.Trim(),
                opening.PetitionerId, opening.LocalityId, opening.Collective, opening.Accusation, now, opening.UserId,
                note = MatterSource.RegistrationNote(opening.Source),
            }, transaction);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            throw new MatterException("事项类别或属地无效。");
        }

        await clocks.StartAsync(connection, transaction, id, ClockKind.Transfer, now);
        await clocks.StartAsync(connection, transaction, id, ClockKind.AcceptanceNotice, now);
        return id;
    }

    public async Task<long> RegisterAsync(Actor actor, NewMatter input)
    {
        await PermissionGuard.RequireAsync(dataSource, actor, Permission.RegisterMatter, null, "matter", null);

        if (!MatterSource.NotVisits.Contains(input.Source))
        {
            throw new MatterException("请选择来源：来信、网上或电话。");
        }

        if (string.IsNullOrWhiteSpace(input.Name) || string.IsNullOrWhiteSpace(input.Summary) || string.IsNullOrWhiteSpace(input.Category))
        {
            throw new MatterException("请填写信访人姓名、类别和诉求摘要。");
        }

        TextLimits.Check(input.Name, "信访人姓名", TextLimits.Name);
        TextLimits.Check(input.Summary, "诉求摘要", TextLimits.Summary);

        if (!ChineseIdNumber.TryParse(input.IdNumber, out var number, out var idError))
        {
            throw new MatterException(idError);
        }

        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var petitionerId = await Petitioners.UpsertAsync(connection, transaction, protector, actor.CenterId, actor.UserId, input.Name, number, input.Phone,
            input.LocalityId, input.ConfirmedRenames, now);
        var id = await OpenAsync(connection, transaction, new Opening(actor.CenterId, actor.UserId, input.Source, input.Category, input.Summary,
            petitionerId, input.LocalityId, Collective: false, input.IsAccusation), now);
        await AuditLog.WriteAsync(connection, transaction, new AuditEntry("matter.register", actor.CenterId, actor.UserId, SubjectKind: "matter", SubjectId: id));
        await LiveJournal.AppendAsync(connection, transaction, "matter.registered", actor.CenterId, payload: new { id });
        await transaction.CommitAsync();
        return id;
    }
}
