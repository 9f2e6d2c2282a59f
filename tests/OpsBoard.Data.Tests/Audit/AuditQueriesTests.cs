using System.IO.Compression;
using System.Text;
using Dapper;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Audit;

namespace OpsBoard.Data.Tests.Audit;

public sealed class AuditQueriesTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    Actor auditor = null!;
    int clerkId;

    public async Task InitializeAsync()
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var code = "q" + Guid.NewGuid().ToString("N")[..8];
        var centerId = await connection.ExecuteScalarAsync<int>(
            "INSERT INTO center (code, name, county) VALUES (@code, '测试中心', '测试县') RETURNING id", new { code });
        var users = new UserStore(db.DataSource, TimeProvider.System);
        var auditorId = await users.CreateAsync(connection, null, centerId, new NewUser("a" + code, "钱审计", "Correct#Horse1", [(Roles.Auditor, null)]));
        clerkId = await users.CreateAsync(connection, null, centerId, new NewUser("c" + code, "张窗口", "Correct#Horse1", [(Roles.Clerk, null)]));
        auditor = Actor.Center(auditorId, centerId, Roles.Auditor);
        // 120 ticket calls by the clerk over the last 120 hours, and one window takeover with a note.
        await connection.ExecuteAsync("""
            INSERT INTO audit_log (center_id, user_id, action, subject_kind, subject_id, detail, at)
            SELECT @centerId, @clerkId, 'ticket.called', 'ticket', g, jsonb_build_object('number', 'A' || lpad(g::text, 3, '0')),
                   now() - make_interval(hours => g)
            FROM generate_series(1, 120) g
            """, new { centerId, clerkId });
        await connection.ExecuteAsync("""
            INSERT INTO audit_log (center_id, user_id, action, subject_kind, subject_id, detail, at)
            VALUES (@centerId, @clerkId, 'window.taken_over', 'service_window', 7, '{"note": "交接班"}', now() - interval '30 minutes')
            """, new { centerId, clerkId });
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task SearchAsync_PagesByKeyset_NewestFirstWithoutGapsOrRepeats()
    {
        var queries = new AuditQueries(db.DataSource);
        var filter = new AuditFilter(Action: "ticket.");
        var seen = new List<long>();
        AuditCursor? cursor = null;
        do
        {
            var page = await queries.SearchAsync(auditor, filter, cursor);
            Assert.True(page.Rows.Count <= AuditQueries.PageSize);
            seen.AddRange(page.Rows.Select(r => r.SubjectId!.Value));
            cursor = page.Next;
        }
        while (cursor is not null);

        Assert.Equal(Enumerable.Range(1, 120).Select(i => (long)i), seen);
    }

    [Fact]
    public async Task SearchAsync_ByActorTargetTextAndDays_NarrowsTheRows()
    {
        var queries = new AuditQueries(db.DataSource);
        var today = ChinaTime.Today(TimeProvider.System);

        var byName = await queries.SearchAsync(auditor, new AuditFilter(Actor: "张窗", Action: "window."), null);
        var byTarget = await queries.SearchAsync(auditor, new AuditFilter(Target: "ticket:42"), null);
        var byText = await queries.SearchAsync(auditor, new AuditFilter(Text: "交接"), null);
        var byDays = await queries.SearchAsync(auditor, new AuditFilter(From: today.AddDays(-30), To: today.AddDays(-10), Action: "ticket."), null);

        Assert.Equal(["window.taken_over"], byName.Rows.Select(r => r.Action));
        Assert.Equal("张窗口（c" + (await LoginSuffixAsync()) + "）", byName.Rows[0].Who);
        Assert.Equal([42L], byTarget.Rows.Select(r => r.SubjectId!.Value));
        Assert.Equal(["window.taken_over"], byText.Rows.Select(r => r.Action));
        Assert.Empty(byDays.Rows);
    }

    async Task<string> LoginSuffixAsync()
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        return (await connection.ExecuteScalarAsync<string>("SELECT login FROM app_user WHERE id = @clerkId", new { clerkId }))![1..];
    }

    [Fact]
    public async Task SearchAsync_IsItselfAudited_AndRefusedToTheAdmin()
    {
        var queries = new AuditQueries(db.DataSource);
        await queries.SearchAsync(auditor, new AuditFilter(Text: "checking"), null);

        await Assert.ThrowsAsync<ForbiddenException>(() => queries.SearchAsync(Actor.Center(clerkId, auditor.CenterId, Roles.Admin), new AuditFilter(), null));

        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.True(await connection.ExecuteScalarAsync<bool>(
            "SELECT EXISTS (SELECT 1 FROM audit_log WHERE action = 'audit.search' AND user_id = @UserId AND detail::text LIKE '%checking%')", new { auditor.UserId }));
        Assert.True(await connection.ExecuteScalarAsync<bool>(
            "SELECT EXISTS (SELECT 1 FROM audit_log WHERE action = 'may.view_audit' AND user_id = @clerkId AND outcome = 'refused')", new { clerkId }));
    }

    [Fact]
    public async Task ExportCsvAsync_Utf8WithBom_ChineseHeadersAndEveryFilteredRow()
    {
        var output = new MemoryStream();

        var count = await new AuditQueries(db.DataSource).ExportCsvAsync(auditor, new AuditFilter(Action: "ticket.called"), output);

        var bytes = output.ToArray();
        Assert.Equal(120, count);
        Assert.Equal([0xEF, 0xBB, 0xBF], bytes[..3]);
        var lines = Encoding.UTF8.GetString(bytes[3..]).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("序号,时间,操作,操作代码,结果,操作人", lines[0]);
        Assert.Equal(121, lines.Length);
        Assert.Contains("叫号", lines[1]);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.True(await connection.ExecuteScalarAsync<bool>(
            "SELECT EXISTS (SELECT 1 FROM audit_log WHERE action = 'audit.export' AND user_id = @UserId AND (detail->>'rows')::int = 120 AND detail->>'format' = 'csv')",
            new { auditor.UserId }));
    }

    [Fact]
    public async Task ExportXlsxAsync_WritesAWorkbookWithTheRows()
    {
        var path = Path.GetTempFileName();
        try
        {
            int count;
            await using (var file = new FileStream(path, FileMode.Create, FileAccess.ReadWrite))
            {
                count = await new AuditQueries(db.DataSource).ExportXlsxAsync(auditor, new AuditFilter(Action: "window."), file);
            }

            Assert.Equal(1, count);
            using var zip = ZipFile.OpenRead(path);
            var sheet = zip.Entries.First(e => e.FullName.StartsWith("xl/worksheets/", StringComparison.Ordinal));
            using var reader = new StreamReader(sheet.Open());
            var xml = await reader.ReadToEndAsync();
            Assert.Contains("接替窗口", xml);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
