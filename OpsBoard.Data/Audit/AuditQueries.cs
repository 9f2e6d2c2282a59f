using System.Globalization;
using System.Text;
using CsvHelper;
using Dapper;
using Npgsql;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Metrics;

namespace OpsBoard.Data.Audit;

/// <summary>
/// What the auditor narrows the log by: Beijing days (both ends included), who (login or part of the name), the action
/// (a code or its prefix, <c>ticket.</c>), the record (<c>matter</c>, <c>matter:42</c> or <c>42</c>) and free text in
/// the details, device and address.
/// </summary>
public sealed record AuditFilter(DateOnly? From = null, DateOnly? To = null, string? Actor = null, string? Action = null,
    string? Target = null, string? Text = null, string? Outcome = null)
{
    public object Describe() => new { from = From?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), to = To?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), actor = Actor, action = Action, target = Target, text = Text, outcome = Outcome };
}

/// <summary>The position after the last row shown: the next page starts strictly before it.</summary>
public sealed record AuditCursor(DateTime At, long Id)
{
    public override string ToString() => $"{At.Ticks.ToString(CultureInfo.InvariantCulture)}-{Id.ToString(CultureInfo.InvariantCulture)}";

    public static AuditCursor? Parse(string? text)
    {
        var parts = text?.Split('-');
        return parts is [var ticks, var id]
            && long.TryParse(ticks, NumberStyles.None, CultureInfo.InvariantCulture, out var t) && t > 0 && t < DateTime.MaxValue.Ticks
            && long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var i)
                ? new AuditCursor(new DateTime(t, DateTimeKind.Utc), i)
                : null;
    }
}

public sealed record AuditRow(long Id, DateTime At, string Action, string Outcome, int? UserId, string? Login, string? UserName,
    string? Device, string? SubjectKind, long? SubjectId, string? UnitName, string Detail, string? RemoteIp)
{
    public string ActionLabel => AuditActions.Label(Action);

    public string OutcomeLabel => AuditActions.Outcomes.Label(Outcome);

    public string Who => UserName is not null ? $"{UserName}（{Login}）" : Device is not null ? $"设备/任务：{Device}" : "—";

    public string Target => SubjectKind is null ? "" : SubjectId is null ? SubjectKind : $"{SubjectKind}:{SubjectId}";
}

public sealed record AuditPage(IReadOnlyList<AuditRow> Rows, AuditCursor? Next);

/// <summary>
/// The auditor's view of the operation log: a page of rows newest first by keyset (an index on (at, id) answers it on
/// a table of millions), and the same filter as csv or xlsx. Every search and every export is itself written to the log.
/// </summary>
public sealed class AuditQueries(NpgsqlDataSource dataSource)
{
    public const int PageSize = 50;

    /// <summary>An export holds at most this many rows; a wider one is asked to narrow the time range.</summary>
    public const int MaxExportRows = 200_000;

    public async Task<AuditPage> SearchAsync(Actor actor, AuditFilter filter, AuditCursor? after, System.Net.IPAddress? remoteIp = null,
        CancellationToken cancellationToken = default)
    {
        await PermissionGuard.RequireAsync(dataSource, actor, Permission.ViewAudit, null, "audit_log", null, "审计日志");
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = (await connection.QueryAsync<AuditRow>(new CommandDefinition(
            Sql(withCursor: true), Parameters(actor, filter, after, PageSize + 1), cancellationToken: cancellationToken))).ToList();
        await AuditLog.WriteAsync(connection, null, new AuditEntry("audit.search", actor.CenterId, actor.UserId, SubjectKind: "audit_log",
            Detail: new { filter = filter.Describe(), page = after?.ToString() }, RemoteIp: remoteIp));
        var next = rows.Count > PageSize ? new AuditCursor(rows[PageSize - 1].At, rows[PageSize - 1].Id) : null;
        return new AuditPage(rows.Take(PageSize).ToList(), next);
    }

    public async Task<int> ExportCsvAsync(Actor actor, AuditFilter filter, Stream output, System.Net.IPAddress? remoteIp = null,
        CancellationToken cancellationToken = default)
    {
        var count = 0;
        await using (var csv = CsvWriter.Create(output, CsvWriterOptions.Default with { WriteByteOrderMark = true, Injection = CsvInjection.Escape }, leaveOpen: true))
        {
            foreach (var (header, _) in Columns)
            {
                csv.WriteField(header);
            }

            csv.EndRecord();
            count = await ReadAsync(actor, filter, "csv", remoteIp, row =>
            {
                foreach (var field in Fields(row))
                {
                    csv.WriteField(field);
                }

                csv.EndRecord();
            }, cancellationToken);
        }

        return count;
    }

    public async Task<int> ExportXlsxAsync(Actor actor, AuditFilter filter, Stream output, System.Net.IPAddress? remoteIp = null,
        CancellationToken cancellationToken = default)
    {
        using var book = XlsxStreamWriter.Create(output, [SheetName]);
        using var sheet = book.Sheet(SheetName, Columns, selected: true);
        return await ReadAsync(actor, filter, "xlsx", remoteIp, row =>
        {
            sheet.StartRow();
            sheet.Number(row.Id, XlsxStreamWriter.IntegerStyle);
            sheet.Date(Local(row.At));
            foreach (var field in Fields(row).Skip(2))
            {
                sheet.Text(field);
            }

            sheet.EndRow();
        }, cancellationToken);
    }

    const string SheetName = "审计日志";

    static readonly (string Header, double Width)[] Columns =
    [
        ("序号", 10), ("时间", 20), ("操作", 24), ("操作代码", 26), ("结果", 8), ("操作人", 20), ("对象", 20), ("单位", 16),
        ("地址", 16), ("详情", 80),
    ];

    static IEnumerable<string> Fields(AuditRow row) =>
    [
        row.Id.ToString(CultureInfo.InvariantCulture),
        Local(row.At).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
        row.ActionLabel, row.Action, row.OutcomeLabel, row.Who, row.Target, row.UnitName ?? "", row.RemoteIp ?? "", row.Detail,
    ];

    /// <summary>Streams the filtered rows, and writes the export's own audit row (with the count) when it is done.</summary>
    async Task<int> ReadAsync(Actor actor, AuditFilter filter, string format, System.Net.IPAddress? remoteIp, Action<AuditRow> write,
        CancellationToken cancellationToken)
    {
        await PermissionGuard.RequireAsync(dataSource, actor, Permission.ViewAudit, null, "audit_log", null, "审计日志");
        var count = 0;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        {
            var rows = connection.QueryUnbufferedAsync<AuditRow>(Sql(withCursor: false), Parameters(actor, filter, null, MaxExportRows));
            await foreach (var row in rows.WithCancellation(cancellationToken))
            {
                write(row);
                count++;
            }
        }

        await AuditLog.WriteAsync(dataSource, new AuditEntry("audit.export", actor.CenterId, actor.UserId, SubjectKind: "audit_log",
            Detail: new { filter = filter.Describe(), format, rows = count }, RemoteIp: remoteIp));
        return count;
    }

    static object Parameters(Actor actor, AuditFilter filter, AuditCursor? after, int take)
    {
        var (kind, id) = ParseTarget(filter.Target);
        var action = Trimmed(filter.Action);
        return new
        {
            actor.CenterId,
            from = filter.From is { } f ? ChinaTime.StartOf(f).UtcDateTime : (DateTime?)null,
            to = filter.To is { } t ? ChinaTime.StartOf(t.AddDays(1)).UtcDateTime : (DateTime?)null,
            who = Trimmed(filter.Actor),
            whoLike = Trimmed(filter.Actor) is { } w ? $"%{EscapeLike(w)}%" : null,
            action,
            actionPrefix = action is not null && action.EndsWith('.') ? EscapeLike(action) + "%" : null,
            kind,
            id,
            textLike = Trimmed(filter.Text) is { } x ? $"%{EscapeLike(x)}%" : null,
            outcome = AuditActions.Outcomes.Contains(filter.Outcome) ? filter.Outcome : null,
            afterAt = after?.At,
            afterId = after?.Id ?? 0,
            take,
        };
    }

    static string Sql(bool withCursor) => $"""
        SELECT a.id, a.at, a.action, a.outcome, a.user_id AS UserId, u.login, u.display_name AS UserName, a.device,
               a.subject_kind AS SubjectKind, a.subject_id AS SubjectId, un.name AS UnitName, a.detail::text AS Detail,
               host(a.remote_ip) AS RemoteIp
        FROM audit_log a
        LEFT JOIN app_user u ON u.id = a.user_id
        LEFT JOIN unit un ON un.id = a.unit_id
        WHERE (a.center_id = @CenterId OR a.center_id IS NULL)
          AND (@from::timestamptz IS NULL OR a.at >= @from)
          AND (@to::timestamptz IS NULL OR a.at < @to)
          AND (@who::text IS NULL OR a.user_id IN (
              SELECT id FROM app_user WHERE login = @who OR display_name LIKE @whoLike))
          AND (@action::text IS NULL OR a.action = @action OR a.action LIKE @actionPrefix)
          AND (@kind::text IS NULL OR a.subject_kind = @kind)
          AND (@id::bigint IS NULL OR a.subject_id = @id)
          AND (@outcome::text IS NULL OR a.outcome = @outcome)
          AND (@textLike::text IS NULL OR a.detail::text ILIKE @textLike OR a.device ILIKE @textLike
               OR host(a.remote_ip) LIKE @textLike OR a.action LIKE @textLike)
          {(withCursor ? "AND (@afterAt::timestamptz IS NULL OR (a.at, a.id) < (@afterAt, @afterId))" : "")}
        ORDER BY a.at DESC, a.id DESC
        LIMIT @take
        """;

    /// <summary><c>matter:42</c>, <c>matter</c> or <c>42</c>.</summary>
    static (string? Kind, long? Id) ParseTarget(string? target)
    {
        var text = Trimmed(target);
        if (text is null)
        {
            return (null, null);
        }

        var colon = text.IndexOfAny([':', '：', '#']);
        if (colon > 0 && long.TryParse(text[(colon + 1)..].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var withKind))
        {
            return (text[..colon].Trim(), withKind);
        }

        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? (null, id) : (text, null);
    }

    /// <summary>Beijing wall-clock time of a stored moment.</summary>
    public static DateTime Local(DateTime utc) => ChinaTime.Utc(utc).ToOffset(ChinaTime.Offset).DateTime;

    static string? Trimmed(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    static string EscapeLike(string text)
    {
        var escaped = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c is '%' or '_' or '\\')
            {
                escaped.Append('\\');
            }

            escaped.Append(c);
        }

        return escaped.ToString();
    }
}
