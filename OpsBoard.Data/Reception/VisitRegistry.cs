using Dapper;
using Npgsql;
using OpsBoard.Data.Live;
using OpsBoard.Data.Matters;
using OpsBoard.Data.Personal;

namespace OpsBoard.Data.Reception;

public sealed record Visitor(string Name, string IdNumber, string? Phone);

public sealed record RegisterVisit
{
    public required int CenterId { get; init; }
    public required int UserId { get; init; }

    /// <summary>The form's one-time key: submitting the same form twice returns the first visit.</summary>
    public required Guid RequestKey { get; init; }

    public required Visitor Principal { get; init; }

    /// <summary>
    /// Further named visitors. On a collective visit the principal is a representative too, so these are at most
    /// <see cref="VisitRegistry.MaxRepresentatives"/> − 1 (条例 第二十条).
    /// </summary>
    public IReadOnlyList<Visitor> Representatives { get; init; } = [];

    /// <summary>People present, companions included.</summary>
    public required int Headcount { get; init; }

    public long? MatterId { get; init; }
    public string? Category { get; init; }
    public string? Summary { get; init; }
    public int? LocalityId { get; init; }
    public required int ServiceLineId { get; init; }
    public bool Priority { get; init; }
    public string? PriorityReason { get; init; }
    public IReadOnlyList<string> Behaviours { get; init; } = [];
    public int? WaitingAreaId { get; init; }

    /// <summary>The <see cref="Rename.Key"/>s the clerk confirmed: a known ID number registered under another name.</summary>
    public IReadOnlyCollection<string> ConfirmedRenames { get; init; } = [];

    /// <summary>
    /// 信访代办 with the 代办员's name (《沥海街道信访工作意见》二(三)), for the new matter a first visit opens; a visit on an
    /// existing matter keeps that matter's own record. Checked by <see cref="ProxyHandling.Problem"/>.
    /// </summary>
    public bool IsProxy { get; init; }
    public string? ProxyName { get; init; }

    /// <summary>
    /// 检举控告 (《信访工作条例》第三十条) and whom it accuses, for the new matter a first visit opens (checked by
    /// <see cref="Accusations.Problem"/>); the accused units and their parents and children never receive or see it.
    /// </summary>
    public bool IsAccusation { get; init; }
    public IReadOnlyList<int> AccusedUnitIds { get; init; } = [];
    public IReadOnlyList<AccusedPerson> AccusedPeople { get; init; } = [];
}

public sealed record Registered(long VisitId, long TicketId, string Number, bool Repeated);

/// <summary>The registration desk: a visit, its visitors, its matter and its ticket, in one transaction.</summary>
public sealed class VisitRegistry(NpgsqlDataSource dataSource, PersonalDataProtector protector, MatterIntake matters, TimeProvider time)
{
    public const int MaxHeadcount = 500;

    /// <summary>
    /// 《信访工作条例》第二十条: a group names at most five representatives. The principal registered at the desk is one of
    /// them (recorded as a representative on a collective visit), and the trigger visit_person_max_representatives counts
    /// them all — so a form offers this number minus one further slots.
    /// </summary>
    public const int MaxRepresentatives = 5;

    static readonly string RepresentativesLimit =
        $"代表至多 {MaxRepresentatives} 人（含登记人），除登记人外最多再登记 {MaxRepresentatives - 1} 名代表（《信访工作条例》第二十条）";

    /// <summary>Checks a registration and returns every problem, keyed by field, in words the clerk can act on.</summary>
    public static Dictionary<string, string> Validate(RegisterVisit visit)
    {
        var errors = new Dictionary<string, string>();
        if (string.IsNullOrWhiteSpace(visit.Principal.Name))
        {
            errors["Name"] = "请填写来访人姓名";
        }

        if (!ChineseIdNumber.TryParse(visit.Principal.IdNumber, out _, out var idError))
        {
            errors["IdNumber"] = idError;
        }

        if (visit.Principal.Phone is { Length: > 0 } phone && !IsPhone(phone))
        {
            errors["Phone"] = "联系电话格式不正确";
        }

        if (visit.Headcount is < 1 or > MaxHeadcount)
        {
            errors["Headcount"] = $"来访人数应在 1 到 {MaxHeadcount} 之间";
        }

        var representatives = visit.Representatives ?? [];
        if (representatives.Count + 1 > MaxRepresentatives)
        {
            errors["Representatives"] = RepresentativesLimit;
        }
        else if (visit.Headcount >= 1 && representatives.Count + 1 > visit.Headcount)
        {
            errors["Headcount"] = "来访人数不能少于登记的人数";
        }

        // One person is one visit_person row: the same ID twice would be silently merged and the list would lie.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        if (ChineseIdNumber.TryParse(visit.Principal.IdNumber, out var principalNumber, out _))
        {
            seen.Add(principalNumber.Value);
        }

        for (var i = 0; i < representatives.Count; i++)
        {
            var r = representatives[i];
            if (string.IsNullOrWhiteSpace(r.Name) || !ChineseIdNumber.TryParse(r.IdNumber, out var number, out _))
            {
                errors[$"Representatives[{i}]"] = $"第 {i + 1} 名代表的姓名或身份证号码无效";
            }
            else if (number.Value == principalNumber.Value)
            {
                errors[$"Representatives[{i}]"] = $"第 {i + 1} 名代表与登记人是同一人（身份证号码相同）：登记人已计为代表，无需重复登记";
            }
            else if (!seen.Add(number.Value))
            {
                errors[$"Representatives[{i}]"] = $"第 {i + 1} 名代表的身份证号码与前面的代表重复";
            }
        }

        if (visit.MatterId is null && string.IsNullOrWhiteSpace(visit.Category))
        {
            errors["Category"] = "新事项须选择类别";
        }

        if (visit.MatterId is null && string.IsNullOrWhiteSpace(visit.Summary))
        {
            errors["Summary"] = "新事项须填写诉求摘要";
        }

        if (visit.MatterId is null && ProxyHandling.Problem(MatterSource.Visit, visit.IsProxy, visit.ProxyName) is { } proxyProblem)
        {
            errors["ProxyName"] = proxyProblem;
        }

        if (visit.MatterId is null && Accusations.Problem(visit.IsAccusation, visit.AccusedUnitIds, visit.AccusedPeople) is { } accusationProblem)
        {
            errors["Accusation"] = accusationProblem;
        }

        if (visit.Priority && string.IsNullOrWhiteSpace(visit.PriorityReason))
        {
            errors["PriorityReason"] = "绿色通道须注明原因（老、弱、病、残、孕）";
        }

        // Checked here whatever the form allowed: a request made by hand must not store a book as a name.
        foreach (var (key, text, field, max) in new[]
        {
            ("Name", visit.Principal.Name, "来访人姓名", TextLimits.Name),
            ("Summary", visit.Summary, "诉求摘要", TextLimits.Summary),
            ("PriorityReason", visit.PriorityReason, "绿色通道原因", TextLimits.Reason),
            ("ProxyName", visit.ProxyName, "代理人姓名", TextLimits.Name),
        })
        {
            if (TextLimits.TooLong(text, field, max) is { } tooLong)
            {
                errors[key] = tooLong;
            }
        }

        for (var i = 0; i < representatives.Count; i++)
        {
            if (TextLimits.TooLong(representatives[i].Name, $"第 {i + 1} 名代表的姓名", TextLimits.Name) is { } tooLong)
            {
                errors[$"Representatives[{i}]"] = tooLong;
            }
        }

        if (visit.Behaviours.Any(b => !VisitBehaviour.Labels.Contains(b)))
        {
            errors["Behaviours"] = "异常行为选项无效";
        }

        return errors;
    }

    static bool IsPhone(string phone) => phone.Length is >= 5 and <= 20 && phone.All(c => char.IsAsciiDigit(c) || c is '-' or '+');

    public async Task<Registered> RegisterAsync(RegisterVisit visit, CancellationToken cancellationToken = default)
    {
        var errors = Validate(visit);
        if (errors.Count > 0)
        {
            throw new FloorException(string.Join("；", errors.Values));
        }

        try
        {
            return await InsertAsync(visit, cancellationToken);
        }
        catch (PostgresException e) when (RefusalFor(e) is { } message)
        {
            throw new FloorException(message);
        }
    }

    /// <summary>
    /// What the clerk reads when the database refuses what validation let through (a race, a stale or tampered form):
    /// a constraint is a rule, never a fault page. The representatives trigger is deferred, so it fires at commit.
    /// </summary>
    static string? RefusalFor(PostgresException e) => (e.SqlState, e.ConstraintName) switch
    {
        (_, "visit_person_max_representatives") => $"登记未保存：{RepresentativesLimit}。",
        (PostgresErrorCodes.UniqueViolation, _) => "登记未保存：与已有记录冲突（可能是重复提交），请刷新页面核对后重试。",
        (PostgresErrorCodes.CheckViolation, _) => "登记未保存：登记内容不符合数据规则，请核对人数、电话、绿色通道原因等后重试。",
        (PostgresErrorCodes.ForeignKeyViolation, _) => "登记未保存：所选类别、属地或业务已不存在，请刷新页面重新选择。",
        (PostgresErrorCodes.NotNullViolation, _) => "登记未保存：有必填项目缺失，请核对后重试。",
        _ => null,
    };

    async Task<Registered> InsertAsync(RegisterVisit visit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var existing = await FindByRequestKeyAsync(connection, transaction, visit.RequestKey);
        if (existing is not null)
        {
            return existing;
        }

        var now = time.GetUtcNow();
        var day = ChinaTime.Today(time);
        // Every rename is asked about at once, before anything is written, so the clerk confirms them in one go.
        Visitor[] people = [visit.Principal, .. visit.Representatives ?? []];
        var renames = await Petitioners.RenamesAsync(connection, transaction, protector, visit.CenterId,
            people.Select(p => (p.Name, ChineseIdNumber.Parse(p.IdNumber))));
        if (renames.Where(r => !visit.ConfirmedRenames.Contains(r.Key)).ToList() is { Count: > 0 } unconfirmed)
        {
            throw new RenameUnconfirmedException(unconfirmed);
        }

        Task<long> UpsertAsync(Visitor visitor) => Petitioners.UpsertAsync(connection, transaction, protector, visit.CenterId, visit.UserId,
            visitor.Name, ChineseIdNumber.Parse(visitor.IdNumber), visitor.Phone, visit.LocalityId, visit.ConfirmedRenames, now);
        var principalId = await UpsertAsync(visit.Principal);
        var matterId = visit.MatterId is { } chosen
            ? await RequireMatterAsync(connection, transaction, visit.CenterId, chosen)
            : await matters.OpenAsync(connection, transaction, new MatterIntake.Opening(visit.CenterId, visit.UserId, "visit", visit.Category!,
                visit.Summary!, principalId, visit.LocalityId, Collective: CollectiveVisit.Is(visit.Headcount), Accusation: visit.IsAccusation,
                ProxyHandling.AgentOf(visit.IsProxy, visit.ProxyName))
            {
                AccusedUnitIds = visit.AccusedUnitIds, AccusedPeople = visit.AccusedPeople,
            }, now);

        const string visitSql = """
            INSERT INTO visit (center_id, matter_id, petitioner_id, arrived_at, visit_day, headcount, is_first_visit,
                               level, behaviours, locality_id, registered_by, request_key)
            VALUES (@CenterId, @matterId, @principalId, @now, @day, @Headcount, @first,
                    'county', @behaviours, @LocalityId, @UserId, @RequestKey)
            ON CONFLICT (request_key) DO NOTHING
            RETURNING id
            """;
        var visitId = await connection.ExecuteScalarAsync<long?>(visitSql, new
        {
            visit.CenterId, matterId, principalId, now, day, visit.Headcount, first = visit.MatterId is null,
            behaviours = visit.Behaviours.ToArray(), visit.LocalityId, visit.UserId, visit.RequestKey,
        }, transaction);
        if (visitId is null)
        {
            // The same form raced itself into another transaction that committed first.
            await transaction.RollbackAsync(cancellationToken);
            return await FindByRequestKeyAsync(connection, null, visit.RequestKey)
                ?? throw new FloorException("登记未完成，请重试。");
        }

        await connection.ExecuteAsync(
            "INSERT INTO visit_person (visit_id, petitioner_id, is_representative) VALUES (@visitId, @principalId, @collective)",
            new { visitId, principalId, collective = CollectiveVisit.Is(visit.Headcount) }, transaction);
        foreach (var representative in visit.Representatives ?? [])
        {
            var id = await UpsertAsync(representative);
            await connection.ExecuteAsync("""
                INSERT INTO visit_person (visit_id, petitioner_id, is_representative)
                VALUES (@visitId, @id, true)
                ON CONFLICT (visit_id, petitioner_id) DO NOTHING
                """, new { visitId, id }, transaction);
        }

        var line = await connection.QuerySingleOrDefaultAsync<(int Id, string Code)>(
            "SELECT id, code FROM service_line WHERE id = @ServiceLineId AND center_id = @CenterId AND active",
            new { visit.ServiceLineId, visit.CenterId }, transaction);
        if (line.Id == 0)
        {
            throw new FloorException("所选业务不存在或已停用。");
        }

        var seq = await TicketStore.NextSequenceAsync(connection, transaction, line.Id, day);
        var number = $"{line.Code}{seq:000}";
        const string ticketSql = """
            INSERT INTO ticket (center_id, visit_id, service_line_id, issued_on, seq, number, priority, priority_reason,
                                state, queue_at, issued_at)
            VALUES (@CenterId, @visitId, @lineId, @day, @seq, @number, @Priority, @reason, 'waiting', @now, @now)
            RETURNING id
            """;
        var ticketId = await connection.ExecuteScalarAsync<long>(ticketSql, new
        {
            visit.CenterId, visitId, lineId = line.Id, day, seq, number, visit.Priority,
            reason = visit.Priority ? visit.PriorityReason!.Trim() : null, now,
        }, transaction);
        await TicketStore.OpenPeriodAsync(connection, transaction, ticketId, TicketState.Waiting, null, now);
        await EnterWaitingAreaAsync(connection, transaction, visit, visitId.Value, now, day);

        await Audit.AuditLog.WriteAsync(connection, transaction, new Audit.AuditEntry("visit.register", visit.CenterId, visit.UserId,
            SubjectKind: "visit", SubjectId: visitId, Detail: new { matterId, ticketId, number, visit.Headcount, visit.Priority }));
        await LiveJournal.AppendAsync(connection, transaction, "visit.registered", visit.CenterId,
            payload: new { visitId, visit.Headcount, collective = CollectiveVisit.Is(visit.Headcount), visit.Priority });
        await LiveJournal.AppendAsync(connection, transaction, "ticket.issued", visit.CenterId, payload: new { id = ticketId, number });
        // Wakes the slip detector on whichever node runs it, at commit: a visit that meets a trigger has its slip within seconds.
        await connection.ExecuteAsync($"SELECT pg_notify('{Slips.SlipDetector.Channel}', @visitId::text)", new { visitId }, transaction);
        await transaction.CommitAsync(cancellationToken);
        return new Registered(visitId.Value, ticketId, number, false);
    }

    static async Task<Registered?> FindByRequestKeyAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid requestKey)
    {
        const string sql = """
            SELECT v.id AS VisitId, t.id AS TicketId, t.number, true AS Repeated
            FROM visit v
            JOIN ticket t ON t.visit_id = v.id AND t.transferred_from IS NULL
            WHERE v.request_key = @requestKey
            """;
        return await connection.QuerySingleOrDefaultAsync<Registered>(sql, new { requestKey }, transaction);
    }

    static async Task<long> RequireMatterAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int centerId, long matterId)
    {
        var status = await connection.ExecuteScalarAsync<string?>(
            "SELECT status FROM matter WHERE id = @matterId AND center_id = @centerId", new { matterId, centerId }, transaction);
        return status switch
        {
            null => throw new FloorException("所选信访事项不存在。"),
            _ => matterId,
        };
    }

    static async Task EnterWaitingAreaAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, RegisterVisit visit, long visitId,
        DateTimeOffset now, DateOnly day)
    {
        const string areaSql = """
            SELECT id
            FROM waiting_area
            WHERE center_id = @CenterId AND (@WaitingAreaId::int IS NULL OR id = @WaitingAreaId)
            ORDER BY id
            LIMIT 1
            """;
        var areaId = await connection.ExecuteScalarAsync<int?>(areaSql, new { visit.CenterId, visit.WaitingAreaId }, transaction);
        if (areaId is null)
        {
            return;
        }

        await connection.ExecuteAsync("""
            INSERT INTO waiting_movement (area_id, visit_id, people, at, day, user_id)
            VALUES (@areaId, @visitId, @Headcount, @now, @day, @UserId)
            """, new { areaId, visitId, visit.Headcount, now, day, visit.UserId }, transaction);
        await LiveJournal.AppendAsync(connection, transaction, "waiting.entered", visit.CenterId, payload: new { areaId, people = visit.Headcount });
    }
}
