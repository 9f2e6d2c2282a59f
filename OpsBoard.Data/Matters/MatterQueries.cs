using Dapper;
using Npgsql;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Audit;
using OpsBoard.Data.Personal;

namespace OpsBoard.Data.Matters;

public sealed record MatterDetail(long Id, string Code, string Source, string Category, string Summary, string Status, int? UnitId, string? Unit,
    string? Locality, DateTime ReceivedAt, DateTime? AcceptedAt, DateTime? RepliedAt, string? ReplyOutcome, DateTime? ClosedAt,
    bool IsCollective, bool IsAccusation, int? SuggestedUnitId, bool IsProxy = false, string? ProxyName = null);

public sealed record ClockRow(long Id, string Code, string Source, int Version, DateTime StartedAt, DateTime DueAt,
    DateTime? StoppedAt, string? Result, string AlertState, int ExtensionDays, string? ExtensionReason, bool Paused, int MaxExtensionDays)
{
    public string Name => ClockKind.Label(Code);

    /// <summary>按期, 超期完成, 暂停中, 已超期, 临期, 计时中 — or, for a petitioner's window, whether it is still open.</summary>
    public string State => this switch
    {
        { Result: ClockResult.Met } when ClockKind.PetitionerWindows.Contains(Code) => "已申请",
        { Result: { } result } => ClockResult.Labels.Label(result),
        { Paused: true } => "暂停中",
        _ when ClockKind.PetitionerWindows.Contains(Code) => "可申请",
        _ => ClockAlertState.Labels.Label(AlertState),
    };
}

public sealed record TransitionRow(DateTime At, string? FromStatus, string ToStatus, string? User, string? Unit, string? Note);

public sealed record PendingExtensionItem(long MatterId, string MatterCode, int Days, string Reason, string RequestedBy, DateTime RequestedAt);

public sealed record DueItem(long MatterId, string MatterCode, string RuleCode, DateTime DueAt, string AlertState)
{
    public string RuleName => ClockKind.Label(RuleCode);
}

public sealed record PendingExtensionRow(int Days, string Reason, string RequestedBy, DateTime RequestedAt, int RequestedById);

public sealed record SupervisionRow(long Id, string Unit, DateTime IssuedAt, string Request, string? Feedback, DateTime? FeedbackAt, DateTime? DueAt);

public sealed record MatterFile(MatterDetail Matter, IReadOnlyList<ClockRow> Clocks, IReadOnlyList<TransitionRow> Transitions,
    PendingExtensionRow? PendingExtension, IReadOnlyList<SupervisionRow> Supervisions)
{
    /// <summary>检举控告: how this reader sees it (null for any other matter).</summary>
    public AccusationView? Accusation { get; init; }

    /// <summary>The facts that decide which steps are open (<see cref="MatterSteps.Available"/>).</summary>
    public StepContext StepContext => new(Matter.Status, Matter.UnitId, PendingExtension is not null,
        Clocks.Any(k => k.Code == ClockKind.ReReviewDecision && k.Paused),
        Clocks.Any(k => k.Code == ClockKind.Handling && k.StoppedAt is null),
        NoticePending: Clocks.Any(k => k.Code == ClockKind.AcceptanceNotice && k.StoppedAt is null),
        ExtensionRequestedBy: PendingExtension?.RequestedById);

    /// <summary>Days of extension the running 办理答复 clock may still be given under its rule version.</summary>
    public int ExtensionDaysLeft => Clocks.FirstOrDefault(k => k.Code == ClockKind.Handling && k.StoppedAt is null) is { } k
        ? Math.Max(0, k.MaxExtensionDays - k.ExtensionDays)
        : 0;
}

/// <summary>Matters as people read them; a unit sees only its own, and a try at another's is refused and audited.</summary>
public sealed class MatterQueries(NpgsqlDataSource dataSource, PersonalDataProtector protector)
{
    public const int PageSize = 25;

    /// <summary>
    /// Each order the list offers, as SQL text from this whitelist only (never from the request): the sort key, its
    /// direction, and whether the key alone is unique (a file number is, per center) or needs the id to break ties.
    /// The due key is the expression of <c>matter_due_list_idx</c>, word for word, so the index serves it.
    /// </summary>
    static readonly Dictionary<string, (string Key, bool Descending, bool UniqueKey)> Orders = new(StringComparer.Ordinal)
    {
        [MatterSort.Newest] = ("m.received_at", true, false),
        [MatterSort.Oldest] = ("m.received_at", false, false),
        [MatterSort.Due] = ("coalesce(m.next_due_at, '9999-12-31 00:00:00+00'::timestamptz)", false, false),
        [MatterSort.Code] = ("m.code", false, true),
    };

    /// <summary>
    /// The list's conditions, each a fixed text with its value as a parameter, included only when its filter is set:
    /// "(@x IS NULL OR …)" would fold away for a simple comparison, but not for the name's subquery, which PostgreSQL
    /// turns into a semi-join only when it stands alone (inside an OR it would be tested row by row along the order).
    /// </summary>
    static string ListWhere(int[]? units, int? unitId, MatterFilter filter, bool accusationsRedacted)
    {
        var where = new List<string> { "m.center_id = @CenterId" };
        if (units is not null)
        {
            where.Add("m.responsible_unit_id = ANY(@units)");
            where.Add(Accusations.NotHiddenSql);
        }

        // 条例 第三十条: a reader who sees accusations redacted cannot find one by its petitioner either.
        if (accusationsRedacted && (!string.IsNullOrWhiteSpace(filter.PetitionerName) || filter.PetitionerId is not null))
        {
            where.Add("NOT m.is_accusation");
        }

        if (unitId is not null)
        {
            where.Add("m.responsible_unit_id = @unitId");
        }

        if (filter.Status is not null)
        {
            where.Add("m.status = @status");
        }

        if (MatterFilter.CodePrefix(filter.Code) is not null)
        {
            where.Add("m.code LIKE @code || '%'");
        }

        if (!string.IsNullOrWhiteSpace(filter.PetitionerName))
        {
            where.Add("m.petitioner_id IN (SELECT p.id FROM petitioner p WHERE p.center_id = @CenterId AND p.name = @name)");
        }

        if (filter.PetitionerId is not null)
        {
            where.Add("m.petitioner_id = @petitionerId");
        }

        if (filter.From is not null)
        {
            where.Add("m.received_at >= @fromAt");
        }

        if (filter.To is not null)
        {
            where.Add("m.received_at < @toAt");
        }

        return string.Join("\n  AND ", where);
    }

    /// <summary>
    /// One page of the list in the chosen order. Previous and next pages are reached by keyset cursors, so paging costs
    /// the same at the first page and deep in a million matters. A page number is a jump by OFFSET, and only within the
    /// first <see cref="MatterPage.CountLimit"/> matters (400 pages): an OFFSET walks and drops every row before it,
    /// which stays a few milliseconds at 10000 index entries but would grow with the history; the count is capped there
    /// anyway, so a page number beyond it could not be known. Further back, the received-date range is the jump (it
    /// starts the walk in the index at that day), and 末页 walks the order backwards from its other end, which is as
    /// cheap as the first page. A unit role sees only its own units' matters, whatever the filter asks.
    /// </summary>
    public async Task<MatterPage> ListAsync(Actor actor, MatterFilter filter)
    {
        await PermissionGuard.RequireAsync(dataSource, actor, Permission.ViewMatters, actor.Units.FirstOrDefault(), "matter", null);
        int[]? units = actor.SeesWholeCenter ? null : [.. actor.Units];
        var notes = new List<string>();
        await using var connection = await dataSource.OpenConnectionAsync();
        var unitId = filter.UnitId;
        if (unitId is { } asked)
        {
            if (units is not null && !units.Contains(asked))
            {
                notes.Add("只能查看本单位的信访事项，已显示本单位全部事项。");
                unitId = null;
            }
            else if (units is null && !await connection.ExecuteScalarAsync<bool>(
                         "SELECT EXISTS (SELECT 1 FROM unit WHERE id = @asked AND center_id = @CenterId)", new { asked, actor.CenterId }))
            {
                notes.Add("所选责任单位不存在，已显示全部单位。");
                unitId = null;
            }
        }

        var sort = Orders.ContainsKey(filter.Sort) ? filter.Sort : MatterSort.Newest;
        var order = Orders[sort];
        var args = new DynamicParameters(new
        {
            actor.CenterId, units, unitId, status = filter.Status, code = MatterFilter.CodePrefix(filter.Code),
            name = string.IsNullOrWhiteSpace(filter.PetitionerName) ? null : filter.PetitionerName.Trim(), petitionerId = filter.PetitionerId,
            fromAt = filter.From is { } from ? ChinaTime.StartOf(from).ToUniversalTime() : (DateTimeOffset?)null,
            toAt = filter.To is { } to ? ChinaTime.StartOf(to.AddDays(1)).ToUniversalTime() : (DateTimeOffset?)null,
            countTo = MatterPage.CountLimit + 1, hiddenFrom = units,
        });
        var redacted = Accusations.RedactedFor(actor, await Accusations.DisciplineUnitAsync(connection, null, actor.CenterId));
        var where = ListWhere(units, unitId, filter, redacted);
        var countSql = $"""
            SELECT count(*)::int
            FROM (SELECT 1
                  FROM matter m
                  WHERE {where}
                  LIMIT @countTo) counted
            """;
        var total = await connection.ExecuteScalarAsync<int>(countSql, args);
        var jumpable = Math.Max(1, (Math.Min(total, MatterPage.CountLimit) + PageSize - 1) / PageSize);

        var cursor = filter.After ?? filter.Before;
        var backwards = filter.Before is not null && filter.After is null;
        int? number;
        var skip = 0;
        if (cursor is not null)
        {
            number = filter.Page is > 0 ? filter.Page : null;
        }
        else if (filter.Last && total > MatterPage.CountLimit)
        {
            // Past the count cap the last page's number is unknown, but its rows are the first ones from the other end.
            backwards = true;
            number = null;
        }
        else
        {
            number = filter.Last ? jumpable : filter.Page ?? 1;
            if (number > jumpable)
            {
                notes.Add(total > MatterPage.CountLimit
                    ? $"按页码最多可跳到第 {jumpable} 页（前 {MatterPage.CountLimit} 件），没有第 {number} 页可跳；更早的事项请用收到日期缩小范围，或点“末页”。已显示第 {jumpable} 页。"
                    : $"共 {jumpable} 页，没有第 {number} 页，已显示最后一页。");
                number = jumpable;
            }

            skip = (number.Value - 1) * PageSize;
        }

        // Walking backwards reverses the order, takes the page nearest the cursor, and turns it round below.
        var descending = order.Descending != backwards;
        var direction = descending ? "DESC" : "ASC";
        var orderBy = order.UniqueKey ? $"{order.Key} {direction}" : $"{order.Key} {direction}, m.id {direction}";
        var keyset = "";
        if (cursor is not null)
        {
            var comparison = descending ? "<" : ">";
            keyset = order.UniqueKey ? $"AND {order.Key} {comparison} @cursorKey" : $"AND ({order.Key}, m.id) {comparison} (@cursorKey, @cursorId)";
            args.Add("cursorKey", cursor.KeyValue);
            args.Add("cursorId", cursor.Id);
        }

        args.Add("skip", skip);
        args.Add("take", PageSize + 1);
        // Normally the order's own index is walked and the filters tested on the way. The due and code orders follow the
        // received time closely, so the matters of a received-date range or a file-number prefix (or the few of one
        // petitioner) can all lie at the far end of that walk; when the count says they are at most CountLimit, they
        // are found first through the filters' own indexes and sorted, which is bounded by that number (OFFSET 0 keeps
        // PostgreSQL from folding the subquery back into the ordered walk).
        var filterFirst = sort is MatterSort.Due or MatterSort.Code && total <= MatterPage.CountLimit
            && (filter.From is not null || filter.To is not null || filter.Code is not null
                || !string.IsNullOrWhiteSpace(filter.PetitionerName) || filter.PetitionerId is not null);
        var source = filterFirst
            ? $"""
                (SELECT m.id, m.code, m.received_at, m.next_due_at
                 FROM matter m
                 WHERE {where}
                 OFFSET 0) m
                WHERE true
              """
            : $"""
                matter m
                WHERE {where}
              """;
        // The page's ids are chosen first, from the matter table alone, so the rows an OFFSET skips cost an index entry
        // each and never the joins or the clock lookup of the rows shown.
        var sql = $"""
            SELECT m.id, m.code, c.name AS Category, m.status, u.name AS Unit, m.received_at AS ReceivedAt, m.next_due_at AS DueAt,
                   (SELECT k.alert_state FROM matter_clock k
                    WHERE k.matter_id = m.id AND k.stopped_at IS NULL AND k.alert_state IN ('approaching', 'overdue')
                    ORDER BY k.alert_state = 'overdue' DESC LIMIT 1) AS WorstClock
            FROM (SELECT m.id
                  FROM {source}
                    {keyset}
                  ORDER BY {orderBy}
                  OFFSET @skip
                  LIMIT @take) page
            JOIN matter m ON m.id = page.id
            JOIN matter_category c ON c.code = m.category
            LEFT JOIN unit u ON u.id = m.responsible_unit_id
            ORDER BY {orderBy}
            """;
        var rows = (await connection.QueryAsync<MatterListItem>(sql, args)).ToList();
        var more = rows.Count > PageSize;
        rows = [.. rows.Take(PageSize)];
        if (backwards)
        {
            rows.Reverse();
        }

        var hasPrevious = backwards ? more : skip > 0 || cursor is not null;
        var hasNext = backwards ? cursor is not null : more;
        return new MatterPage(rows, total,
            hasPrevious && rows.Count > 0 ? MatterCursor.Of(rows[0], sort).ToString() : null,
            hasNext && rows.Count > 0 ? MatterCursor.Of(rows[^1], sort).ToString() : null,
            number, jumpable, notes);
    }

    /// <summary>
    /// The petitioner an ID number belongs to, found the way the desk finds them: by the keyed lookup hash, never by
    /// the number itself, which is stored only encrypted.
    /// </summary>
    public async Task<long?> PetitionerByIdNumberAsync(Actor actor, ChineseIdNumber number)
    {
        await PermissionGuard.RequireAsync(dataSource, actor, Permission.ViewMatters, actor.Units.FirstOrDefault(), "matter", null);
        const string sql = """
            SELECT id
            FROM petitioner
            WHERE center_id = @CenterId AND id_number_hash = @hash
            """;
        await using var connection = await dataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long?>(sql, new { actor.CenterId, hash = protector.LookupHash(number) });
    }

    public async Task<MatterFile?> FileAsync(Actor actor, long matterId)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        const string matterSql = """
            -- SuggestedUnitId: the street or town of the matter's locality, offered first when assigning (属地管理).
            SELECT m.id, m.code, m.source, c.name AS Category, m.summary, m.status, m.responsible_unit_id AS UnitId, u.name AS Unit,
                   l.name AS Locality, m.received_at AS ReceivedAt, m.accepted_at AS AcceptedAt, m.replied_at AS RepliedAt,
                   m.reply_outcome AS ReplyOutcome, m.closed_at AS ClosedAt, m.is_collective AS IsCollective, m.is_accusation AS IsAccusation,
                   CASE WHEN l.kind IN ('village', 'work_team') THEN l.parent_id WHEN l.kind IN ('street', 'town') THEN l.id END AS SuggestedUnitId,
                   m.is_proxy AS IsProxy, m.proxy_name AS ProxyName
            FROM matter m
            JOIN matter_category c ON c.code = m.category
            LEFT JOIN unit u ON u.id = m.responsible_unit_id
            LEFT JOIN unit l ON l.id = m.locality_id
            WHERE m.id = @matterId AND m.center_id = @CenterId
            """;
        var matter = await connection.QuerySingleOrDefaultAsync<MatterDetail>(matterSql, new { matterId, actor.CenterId });
        if (matter is null)
        {
            return null;
        }

        AccusationView? accusation = null;
        if (matter.IsAccusation)
        {
            // 条例 第三十条: to the accused unit, its parent and its children the file does not exist.
            if (Accusations.HiddenFrom(actor) is { } hiddenFrom && await connection.ExecuteScalarAsync<bool>(
                    "SELECT accusation_conflict(@matterId, @hiddenFrom)", new { matterId, hiddenFrom }))
            {
                await AuditLog.WriteAsync(connection, null, new AuditEntry("matter.accusation_viewed", actor.CenterId, actor.UserId,
                    SubjectKind: "matter", SubjectId: matterId, UnitId: matter.UnitId, Outcome: "refused", Detail: new { conflict = true }));
                return null;
            }

            await PermissionGuard.RequireAsync(dataSource, actor, Permission.ViewMatters, matter.UnitId, "matter", matterId);
            var redacted = Accusations.RedactedFor(actor, await Accusations.DisciplineUnitAsync(connection, null, actor.CenterId));
            accusation = new AccusationView(redacted, redacted ? null : await Accusations.AccusedOfAsync(connection, matterId));
            if (redacted)
            {
                matter = matter with { Summary = Accusations.RedactedMark, ProxyName = null };
            }

            await AuditLog.WriteAsync(connection, null, new AuditEntry("matter.accusation_viewed", actor.CenterId, actor.UserId,
                SubjectKind: "matter", SubjectId: matterId, UnitId: matter.UnitId, Detail: new { redacted }));
        }

        await PermissionGuard.RequireAsync(dataSource, actor, Permission.ViewMatters, matter.UnitId, "matter", matterId);

        const string clocksSql = """
            SELECT k.id, r.code, r.source, r.version, k.started_at AS StartedAt, k.due_at AS DueAt, k.stopped_at AS StoppedAt,
                   k.result, k.alert_state AS AlertState, k.extension_days AS ExtensionDays, k.extension_reason AS ExtensionReason,
                   EXISTS (SELECT 1 FROM clock_pause p WHERE p.clock_id = k.id AND p.resumed_at IS NULL) AS Paused,
                   r.max_extension_days AS MaxExtensionDays
            FROM matter_clock k
            JOIN deadline_rule r ON r.id = k.rule_id
            WHERE k.matter_id = @matterId
            ORDER BY k.started_at, k.id
            """;
        const string transitionsSql = """
            SELECT t.at, t.from_status AS FromStatus, t.to_status AS ToStatus, a.display_name AS User, u.name AS Unit, t.note
            FROM matter_transition t
            LEFT JOIN app_user a ON a.id = t.user_id
            LEFT JOIN unit u ON u.id = t.unit_id
            WHERE t.matter_id = @matterId
            ORDER BY t.at, t.id
            """;
        const string extensionSql = """
            SELECT e.days, e.reason, a.display_name AS RequestedBy, e.requested_at AS RequestedAt, e.requested_by AS RequestedById
            FROM extension_request e
            JOIN matter_clock k ON k.id = e.clock_id
            JOIN app_user a ON a.id = e.requested_by
            WHERE k.matter_id = @matterId AND e.decided_at IS NULL
            """;
        const string supervisionSql = """
            SELECT s.id, u.name AS Unit, s.issued_at AS IssuedAt, s.request, s.feedback, s.feedback_at AS FeedbackAt, k.due_at AS DueAt
            FROM supervision s
            JOIN unit u ON u.id = s.unit_id
            LEFT JOIN matter_clock k ON k.id = s.clock_id
            WHERE s.matter_id = @matterId
            ORDER BY s.issued_at
            """;
        var clocks = await connection.QueryAsync<ClockRow>(clocksSql, new { matterId });
        var transitions = await connection.QueryAsync<TransitionRow>(transitionsSql, new { matterId });
        var pending = await connection.QuerySingleOrDefaultAsync<PendingExtensionRow>(extensionSql, new { matterId });
        var supervisions = await connection.QueryAsync<SupervisionRow>(supervisionSql, new { matterId });
        if (accusation is { Redacted: true })
        {
            // Notes and requests are written by people who read the content; a redacted reader gets the steps, not the words.
            transitions = transitions.Select(t => t with { Note = t.Note is null ? null : "（已隐去）" });
            supervisions = supervisions.Select(x => x with { Request = "（已隐去）", Feedback = x.Feedback is null ? null : "（已隐去）" });
        }

        return new MatterFile(matter, [.. clocks], [.. transitions], pending, [.. supervisions]) { Accusation = accusation };
    }

    /// <summary>Extension requests waiting for this unit leader's decision, oldest first (never their own).</summary>
    public async Task<IReadOnlyList<PendingExtensionItem>> PendingExtensionsAsync(Actor actor)
    {
        int[] units = [.. actor.Roles.Where(r => r.UnitId is not null && Permissions.Allows(r.Role, Permission.ApproveExtension)).Select(r => r.UnitId!.Value)];
        if (units.Length == 0)
        {
            return [];
        }

        const string sql = """
            SELECT m.id AS MatterId, m.code AS MatterCode, e.days, e.reason, a.display_name AS RequestedBy, e.requested_at AS RequestedAt
            FROM extension_request e
            JOIN matter_clock k ON k.id = e.clock_id
            JOIN matter m ON m.id = k.matter_id
            JOIN app_user a ON a.id = e.requested_by
            WHERE e.decided_at IS NULL AND m.center_id = @CenterId AND m.responsible_unit_id = ANY(@units) AND e.requested_by <> @UserId
              AND NOT (m.is_accusation AND accusation_conflict(m.id, @units))
            ORDER BY e.requested_at
            """;
        await using var connection = await dataSource.OpenConnectionAsync();
        return [.. await connection.QueryAsync<PendingExtensionItem>(sql, new { actor.CenterId, units, actor.UserId })];
    }

    /// <summary>The unit's running office clocks, soonest due first: what the officer must do next.</summary>
    public async Task<IReadOnlyList<DueItem>> DueNextAsync(Actor actor, int top = 10)
    {
        int[] units = [.. actor.Units];
        if (units.Length == 0)
        {
            return [];
        }

        const string sql = """
            SELECT m.id AS MatterId, m.code AS MatterCode, r.code AS RuleCode, k.due_at AS DueAt, k.alert_state AS AlertState
            FROM matter m
            JOIN matter_clock k ON k.matter_id = m.id
            JOIN deadline_rule r ON r.id = k.rule_id
            WHERE m.center_id = @CenterId AND m.responsible_unit_id = ANY(@units) AND m.closed_at IS NULL
              AND NOT (m.is_accusation AND accusation_conflict(m.id, @units))
              AND m.status NOT IN ('not_accepted', 'finalized')
              AND k.stopped_at IS NULL AND r.code <> ALL(@windows)
              AND NOT EXISTS (SELECT 1 FROM clock_pause p WHERE p.clock_id = k.id AND p.resumed_at IS NULL)
            ORDER BY k.due_at
            LIMIT @top
            """;
        await using var connection = await dataSource.OpenConnectionAsync();
        return [.. await connection.QueryAsync<DueItem>(sql, new { actor.CenterId, units, top, windows = ClockKind.PetitionerWindows.ToArray() })];
    }

    /// <summary>
    /// Units a matter may be given to (交办, 督办); for <paramref name="matterId"/> an accusation's conflict set is left out
    /// (条例 第三十条), so the form offers only what the domain will accept.
    /// </summary>
    public async Task<IReadOnlyList<Reception.Choice>> UnitsAsync(int centerId, long? matterId = null)
    {
        const string sql = """
            SELECT id::text AS Value, name AS Text, CASE WHEN kind IN ('street', 'town') THEN '镇街' ELSE '县直部门' END AS GroupName
            FROM unit
            WHERE center_id = @centerId AND kind IN ('department', 'street', 'town', 'petition_office') AND active
              AND NOT (@matterId::bigint IS NOT NULL AND accusation_conflict(@matterId, ARRAY[id]))
            ORDER BY kind, code
            """;
        await using var connection = await dataSource.OpenConnectionAsync();
        return [.. await connection.QueryAsync<Reception.Choice>(sql, new { centerId, matterId })];
    }
}
