using System.Globalization;
using Dapper;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using DocumentFormat.OpenXml.Validation;
using Microsoft.Extensions.Logging.Abstractions;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Calendar;
using OpsBoard.Data.Metrics;

namespace OpsBoard.Data.Tests.Metrics;

/// <summary>Exports of the demo county's last complete month, held against the figures MetricsQueries gives the pages.</summary>
public sealed class MetricsExportTests(DemoDatabaseFixture db) : IClassFixture<DemoDatabaseFixture>
{
    sealed record Setup(MetricsQueries Metrics, MetricsExport Export, MetricExports Exports, Actor Stats, Actor Director, Actor Leader, int OtherUnit, DateOnly Month);

    // The demo history is seeded up to the real today, so the metrics count on the real clock too.
    async Task<Setup> SetupAsync()
    {
        var time = TimeProvider.System;
        var metrics = new MetricsQueries(db.DataSource, new CalendarStore(db.DataSource), time);
        var export = new MetricsExport(metrics, time);
        var exports = new MetricExports(db.DataSource, metrics, export, time, NullLogger<MetricExports>.Instance);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        // Each test sees only its own exports: the workers take the oldest waiting one.
        await connection.ExecuteAsync("DELETE FROM metric_export");
        var (centerId, statsId) = await connection.QuerySingleAsync<(int, int)>("SELECT center_id, id FROM app_user WHERE login = 'stats'");
        var directorId = await connection.ExecuteScalarAsync<int>("SELECT id FROM app_user WHERE login = 'director'");
        var (leaderId, unitId) = await connection.QuerySingleAsync<(int, int)>(
            "SELECT u.id, r.unit_id FROM app_user u JOIN user_role r ON r.user_id = u.id WHERE u.login = 'leader' AND r.unit_id IS NOT NULL LIMIT 1");
        var otherUnit = await connection.ExecuteScalarAsync<int>(
            "SELECT min(id) FROM unit WHERE center_id = @centerId AND kind = 'department' AND id <> @unitId", new { centerId, unitId });
        var today = metrics.Today;
        return new Setup(metrics, export, exports,
            Actor.Center(statsId, centerId, Roles.Statistician),
            Actor.Center(directorId, centerId, Roles.Director),
            Actor.OfUnit(leaderId, centerId, unitId, Roles.UnitLeader),
            otherUnit,
            new DateOnly(today.Year, today.Month, 1).AddMonths(-1));
    }

    static string Key(DateOnly month) => month.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    [Fact]
    public async Task WriteXlsx_LastMonth_ValidWorkbookWithTheFiguresOfFiguresAsync()
    {
        var s = await SetupAsync();
        var scope = await s.Metrics.ScopeAsync(s.Stats);
        using var file = new MemoryStream();

        var result = await s.Export.WriteXlsxAsync(new MonthExport(scope, s.Month, "全中心"), file);

        var expected = await s.Metrics.FiguresAsync(scope, s.Month);
        Assert.True(expected.Sum(f => f.Denominator) > 100, "the demo month should have items to export");
        file.Position = 0;
        using var document = SpreadsheetDocument.Open(file, false);
        Assert.Empty(new OpenXmlValidator().Validate(document).Select(e => $"{e.Part?.Uri} {e.Path?.XPath}: {e.Description}"));
        var workbook = document.WorkbookPart!;
        Assert.Equal([MetricsExport.SummarySheet, MetricsExport.BreakdownSheet, MetricsExport.ItemSheet],
            workbook.Workbook.Sheets!.Elements<Sheet>().Select(sh => sh.Name!.Value!));

        var summary = Rows(workbook, MetricsExport.SummarySheet);
        Assert.Equal(["指标", "分子", "分母", "值"], summary[0].Take(4).Select(c => Text(c)));
        foreach (var (figure, row) in expected.Zip(summary.Skip(1)))
        {
            Assert.Equal(figure.Kpi.Name, Text(row[0]));
            Assert.Equal(figure.Numerator, Number(row[1]));
            Assert.Equal(figure.Denominator, Number(row[2]));
            if (figure.Value is { } value)
            {
                Assert.Equal(value, Number(row[3]), 9);
            }
            else
            {
                Assert.Null(row[3].CellValue);
            }

            Assert.Equal(KpiFigure.StandingLabel(figure.Standing), Text(row[8]));
            Assert.Equal("临时数据", Text(row[10]));
        }

        var items = Rows(workbook, MetricsExport.ItemSheet);
        Assert.Equal(expected.Sum(f => f.Denominator), items.Count - 1);
        Assert.Equal(result.Rows, items.Count - 1);
        var dateFormats = DateStyles(workbook);
        var from = s.Month.ToDateTime(TimeOnly.MinValue);
        foreach (var row in items.Skip(1))
        {
            var at = row[3];
            Assert.Null(at.DataType);
            Assert.Contains(at.StyleIndex!.Value, dateFormats);
            var moment = DateTime.FromOADate(Number(at));
            Assert.InRange(moment, from, from.AddMonths(1));
            Assert.Contains(Text(row[4]), new[] { "是", "否" });
        }

        // The first row stays in view while the rows scroll, on every sheet.
        Assert.All(workbook.WorksheetParts, p => Assert.Equal(PaneStateValues.Frozen, p.Worksheet.Descendants<Pane>().Single().State!.Value));
    }

    [Fact]
    public async Task WriteXlsx_UnitScope_CountsOnlyTheUnitsItems()
    {
        var s = await SetupAsync();
        var scope = await s.Metrics.ScopeAsync(s.Leader);
        using var file = new MemoryStream();

        await s.Export.WriteXlsxAsync(new MonthExport(scope, s.Month, "城东街道"), file);

        file.Position = 0;
        using var document = SpreadsheetDocument.Open(file, false);
        var summary = Rows(document.WorkbookPart!, MetricsExport.SummarySheet);
        Assert.Equal((await s.Metrics.FiguresAsync(scope, s.Month)).Select(f => (double)f.Denominator),
            summary.Skip(1).Take(OpsBoard.Data.Metrics.Kpis.All.Count).Select(r => Number(r[2])));
    }

    [Fact]
    public async Task WriteXlsx_ClosedMonth_SaysSoAndGivesTheFrozenFigures()
    {
        var s = await SetupAsync();
        // The month before last, which the demo's statistician closed early last month.
        var month = s.Month.AddMonths(-1);
        Assert.True((await s.Metrics.MonthAsync(s.Stats.CenterId, month)).IsClosed);
        var scope = await s.Metrics.ScopeAsync(s.Stats);
        using var file = new MemoryStream();

        await s.Export.WriteXlsxAsync(new MonthExport(scope, month, "全中心"), file);

        file.Position = 0;
        using var document = SpreadsheetDocument.Open(file, false);
        var summary = Rows(document.WorkbookPart!, MetricsExport.SummarySheet);
        var figures = await s.Metrics.FiguresAsync(scope, month);
        Assert.Equal(figures.Select(f => (double)f.Numerator), summary.Skip(1).Take(figures.Count).Select(r => Number(r[1])));
        Assert.All(summary.Skip(1).Take(figures.Count), r => Assert.Equal("已关账", Text(r[10])));
    }

    [Fact]
    public async Task WriteCsv_LastMonth_Utf8WithBomOneLinePerItemAndASummary()
    {
        var s = await SetupAsync();
        var scope = await s.Metrics.ScopeAsync(s.Stats);
        using var items = new MemoryStream();
        using var summary = new MemoryStream();

        var result = await s.Export.WriteCsvAsync(new MonthExport(scope, s.Month, "全中心"), items, summary);

        byte[] bom = [0xEF, 0xBB, 0xBF];
        Assert.Equal(bom, items.ToArray().Take(3));
        Assert.Equal(bom, summary.ToArray().Take(3));
        var lines = System.Text.Encoding.UTF8.GetString(items.ToArray()).TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("指标,编号,类型,时间,计入分子", lines[0], StringComparison.Ordinal);
        Assert.Equal(result.Rows + 1, lines.Length);
        var figures = await s.Metrics.FiguresAsync(scope, s.Month);
        var summaryLines = System.Text.Encoding.UTF8.GetString(summary.ToArray()).TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(figures.Select(f => $"{f.Kpi.Name},{f.Numerator},{f.Denominator}"),
            summaryLines.Skip(1).Select(l => string.Join(',', l.Split(',').Take(3))));
    }

    [Fact]
    public async Task TwoExportsRequestedAtOnce_BothComplete()
    {
        var s = await SetupAsync();
        var first = await s.Exports.RequestAsync(s.Stats, Key(s.Month), null, MetricExportFormat.Xlsx);
        var second = await s.Exports.RequestAsync(s.Director, Key(s.Month), null, MetricExportFormat.Csv);

        var runs = await Task.WhenAll(s.Exports.RunNextAsync(), s.Exports.RunNextAsync());

        Assert.Equal([first, second], runs.Select(r => r!.Id).Order());
        Assert.All(runs, r => Assert.Equal(MetricExportState.Done, r!.State));
        var mine = await s.Exports.FindAsync(s.Stats, first);
        Assert.Equal((MetricExportState.Done, 100), (mine!.State, mine.Progress));
        using var xlsx = new MemoryStream();
        Assert.True(await s.Exports.CopyFileAsync(s.Stats, first, summary: false, xlsx, default));
        Assert.Equal("PK"u8.ToArray(), xlsx.ToArray().Take(2));
        using var csvSummary = new MemoryStream();
        Assert.True(await s.Exports.CopyFileAsync(s.Director, second, summary: true, csvSummary, default));
        Assert.Equal(0xEF, csvSummary.ToArray()[0]);
        // Only the person who asked may have the file.
        Assert.Null(await s.Exports.FindAsync(s.Director, first));
        Assert.False(await s.Exports.CopyFileAsync(s.Director, first, summary: false, Stream.Null, default));
        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(2, await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM audit_log WHERE action = 'metrics.export_done' AND subject_id = ANY(@ids)", new { ids = new[] { first, second } }));
        Assert.Equal(2, await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM live_event WHERE kind = 'metrics.export_done' AND (payload->>'id')::bigint = ANY(@ids)", new { ids = new[] { first, second } }));
    }

    [Fact]
    public async Task ExportLeftRunningByADeadNode_IsRunAgain_ButNotWhileItsNodeHoldsIt()
    {
        var s = await SetupAsync();
        var id = await s.Exports.RequestAsync(s.Stats, Key(s.Month), null, MetricExportFormat.Csv);
        // A node of its own: a session that ends when the connection closes, not one kept in this process's pool.
        await using var node = new Npgsql.NpgsqlConnection(new Npgsql.NpgsqlConnectionStringBuilder(db.ConnectionString) { Pooling = false }.ConnectionString);
        await node.OpenAsync();
        await node.ExecuteAsync("UPDATE metric_export SET state = 'running', attempts = 1, progress = 40 WHERE id = @id", new { id });
        // A live node holds its claim: nobody else starts the export.
        await node.ExecuteAsync("SELECT pg_advisory_lock(hashtext('metric_export'), CAST(@id AS int))", new { id });
        Assert.Null(await s.Exports.RunNextAsync());

        // The node dies: its session, and with it the claim, is gone — once the server has ended the backend, which
        // happens just after the client hangs up.
        var pid = await node.ExecuteScalarAsync<int>("SELECT pg_backend_pid()");
        await node.CloseAsync();
        await using var connection = await db.DataSource.OpenConnectionAsync();
        for (var i = 0; i < 100 && await connection.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = @pid)", new { pid }); i++)
        {
            await Task.Delay(50);
        }

        var run = await s.Exports.RunNextAsync();

        Assert.Equal((id, MetricExportState.Done), (run!.Id, run.State));
        Assert.Equal(2, await connection.ExecuteScalarAsync<int>("SELECT attempts FROM metric_export WHERE id = @id", new { id }));
    }

    [Fact]
    public async Task Request_UnitTheUserMayNotSee_IsRefusedAndAudited()
    {
        var s = await SetupAsync();

        await Assert.ThrowsAsync<ForbiddenException>(() => s.Exports.RequestAsync(s.Leader, Key(s.Month), s.OtherUnit, MetricExportFormat.Xlsx));

        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM audit_log WHERE action = 'may.view_metrics' AND outcome = 'refused' AND user_id = @UserId AND unit_id = @OtherUnit",
            new { s.Leader.UserId, s.OtherUnit }));
        Assert.Equal(0, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM metric_export WHERE user_id = @UserId", new { s.Leader.UserId }));
    }

    [Theory]
    [InlineData("2026-13", "格式不正确")]
    [InlineData("十月", "格式不正确")]
    [InlineData("", "请选择要导出的月份")]
    [InlineData("next", "尚未开始")]
    public async Task Request_MalformedOrFutureMonth_IsRefusedWithAMessageAndNothingIsCreated(string month, string message)
    {
        var s = await SetupAsync();
        var text = month == "next" ? Key(s.Month.AddMonths(2)) : month;

        var refusal = await Assert.ThrowsAsync<MetricsException>(() => s.Exports.RequestAsync(s.Director, text, null, MetricExportFormat.Xlsx));

        Assert.Contains(message, refusal.Message, StringComparison.Ordinal);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(0, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM metric_export WHERE user_id = @UserId", new { s.Director.UserId }));
    }

    /// <summary>The sheet's rows, a shared-string cell read as Excel reads it: as an inline string of the table's text.</summary>
    static List<Cell[]> Rows(WorkbookPart workbook, string sheet)
    {
        var id = workbook.Workbook.Sheets!.Elements<Sheet>().Single(sh => sh.Name == sheet).Id!.Value!;
        var part = (WorksheetPart)workbook.GetPartById(id);
        var shared = workbook.SharedStringTablePart?.SharedStringTable.Elements<SharedStringItem>().Select(i => i.InnerText).ToList() ?? [];
        Cell Resolved(Cell cell) => cell.DataType?.Value == CellValues.SharedString
            ? new Cell { DataType = CellValues.InlineString, InlineString = new InlineString(new Text(shared[int.Parse(cell.CellValue!.Text, CultureInfo.InvariantCulture)])) }
            : cell;
        return [.. part.Worksheet.Descendants<Row>().Select(r => r.Elements<Cell>().Select(Resolved).ToArray())];
    }

    static string Text(Cell cell) => cell.InlineString?.InnerText ?? "";

    /// <summary>A number cell: no type (or n) and a value that parses as a number.</summary>
    static double Number(Cell cell)
    {
        Assert.True(cell.DataType is null || cell.DataType.Value == CellValues.Number, "a number is stored as a number");
        return double.Parse(cell.CellValue!.Text, CultureInfo.InvariantCulture);
    }

    /// <summary>The cell styles whose number format shows a date.</summary>
    static HashSet<uint> DateStyles(WorkbookPart workbook)
    {
        var styles = workbook.WorkbookStylesPart!.Stylesheet;
        var dateFormats = styles.NumberingFormats!.Elements<NumberingFormat>()
            .Where(f => f.FormatCode!.Value!.Contains("yyyy", StringComparison.Ordinal))
            .Select(f => f.NumberFormatId!.Value)
            .ToHashSet();
        return [.. styles.CellFormats!.Elements<CellFormat>()
            .Select((f, i) => (f, i))
            .Where(x => dateFormats.Contains(x.f.NumberFormatId!.Value))
            .Select(x => (uint)x.i)];
    }
}
