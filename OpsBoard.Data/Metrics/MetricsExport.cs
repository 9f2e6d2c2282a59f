using System.Globalization;
using CsvHelper;

namespace OpsBoard.Data.Metrics;

/// <summary>Whose metrics of which month an export holds; the label names the scope in the file (全中心, 县住建局).</summary>
public sealed record MonthExport(MetricsScope Scope, DateOnly Month, string ScopeLabel);

/// <summary>What an export wrote: its item rows and the figures of its summary.</summary>
public sealed record ExportResult(int Rows, IReadOnlyList<KpiFigure> Figures);

/// <summary>
/// A month's metrics as a file for the statisticians: the KPI summary, every KPI split by the five dimensions, and the
/// items behind each figure. All of it is read through <see cref="MetricsQueries"/>, one KPI at a time — its items once,
/// for its figure, its breakdowns and its rows — so the file agrees with /metrics and the wall, the summary agrees with
/// the rows even while the month is still moving, and memory holds two KPIs' items (the one written, the next read), not the month's.
/// </summary>
public sealed class MetricsExport(MetricsQueries metrics, TimeProvider time)
{
    public const string SummarySheet = "指标汇总";
    public const string BreakdownSheet = "分组统计";
    public const string ItemSheet = "事项明细";

    static readonly (string Header, double Width)[] SummaryColumns =
    [
        ("指标", 24), ("分子", 9), ("分母", 9), ("值", 9), ("计量单位", 10), ("目标", 9), ("目标说明", 30), ("差距", 9),
        ("是否达标", 10), ("依据", 60), ("数据状态", 11), ("分子口径", 44), ("分母口径", 36),
    ];

    static readonly (string Header, double Width)[] BreakdownColumns =
    [
        ("指标", 24), ("维度", 11), ("分组", 24), ("分子", 9), ("分母", 9), ("值", 9), ("计量单位", 10), ("是否达标", 10),
    ];

    static readonly (string Header, double Width)[] ItemColumns =
    [
        ("指标", 24), ("编号", 20), ("类型", 9), ("时间", 18), ("计入分子", 10), ("责任单位", 18), ("问题类别", 16), ("属地", 16),
        ("来源", 10), ("走访层级", 13), ("办理工作日", 12), ("记录号", 11),
    ];

    // Share of the progress bar the reading and item rows take; the summary and breakdowns are the rest.
    const int ItemsShare = 95;
    const int ReportEvery = 2000;

    public async Task<ExportResult> WriteXlsxAsync(MonthExport export, Stream output, IProgress<int>? progress = null,
        CancellationToken cancellationToken = default)
    {
        using var book = XlsxStreamWriter.Create(output, [SummarySheet, BreakdownSheet, ItemSheet]);
        MonthFigures month;
        using (var sheet = book.Sheet(ItemSheet, ItemColumns))
        {
            month = await ReadAsync(export, (kpi, item, names) =>
            {
                // Everything but the code repeats down its column: shared strings.
                sheet.StartRow();
                sheet.Label(kpi.Name);
                sheet.Text(item.Code);
                sheet.Label(KpiItemKind.Labels.Label(item.ItemKind));
                sheet.Date(WallClock(item.At));
                sheet.Label(item.InNumerator ? "是" : "否");
                foreach (var (dimension, _) in MetricsQueries.Dimensions)
                {
                    sheet.Label(Label(item, dimension, names));
                }

                sheet.Number(item.Value, XlsxStreamWriter.DecimalStyle);
                sheet.Number(item.ItemId, XlsxStreamWriter.IntegerStyle);
                sheet.EndRow();
            }, progress, cancellationToken);
        }

        using (var sheet = book.Sheet(SummarySheet, SummaryColumns, selected: true))
        {
            foreach (var figure in month.Figures)
            {
                var style = ValueStyle(figure.Kpi);
                sheet.StartRow();
                sheet.Text(figure.Kpi.Name);
                sheet.Number(figure.Numerator, XlsxStreamWriter.IntegerStyle);
                sheet.Number(figure.Denominator, XlsxStreamWriter.IntegerStyle);
                sheet.Number(figure.Value, style);
                sheet.Text(UnitOf(figure.Kpi));
                sheet.Number(figure.TargetValue, style);
                sheet.Text(figure.TargetDisplay);
                sheet.Number(figure.Gap, style);
                sheet.Text(KpiFigure.StandingLabel(figure.Standing));
                sheet.Text(figure.Kpi.Source);
                sheet.Text(month.StateLabel);
                sheet.Text(figure.Kpi.Numerator);
                sheet.Text(figure.Kpi.Denominator);
                sheet.EndRow();
            }

            // What the table is, below it: a reader of the file alone must know the month, the scope and how final it is.
            sheet.StartRow();
            sheet.EndRow();
            Note(sheet, "月份", export.Month.ToString("yyyy-MM", CultureInfo.InvariantCulture));
            Note(sheet, "范围", export.ScopeLabel);
            Note(sheet, "数据状态", month.StateLabel + (month.IsClosed ? "（已冻结，重新导出数字不变）" : "（本月未关账，数字可能变化）"));
            sheet.StartRow();
            sheet.Text("导出时间");
            sheet.Date(ChinaTime.Now(time).DateTime);
            sheet.EndRow();
            Note(sheet, "说明", "各项数字与“考核指标”页同源；分组见“分组统计”，每个数字背后的事项见“事项明细”。");
        }

        using (var sheet = book.Sheet(BreakdownSheet, BreakdownColumns))
        {
            foreach (var (figure, dimension, row) in month.Breakdowns)
            {
                var style = ValueStyle(figure.Kpi);
                sheet.StartRow();
                sheet.Text(figure.Kpi.Name);
                sheet.Text(dimension);
                sheet.Text(row.Label);
                sheet.Number(row.Figure.Numerator, XlsxStreamWriter.IntegerStyle);
                sheet.Number(row.Figure.Denominator, XlsxStreamWriter.IntegerStyle);
                sheet.Number(row.Figure.Value, style);
                sheet.Text(UnitOf(figure.Kpi));
                sheet.Text(KpiFigure.StandingLabel(row.Figure.Standing));
                sheet.EndRow();
            }
        }

        return new ExportResult(month.Rows, month.Figures);
    }

    /// <summary>
    /// The item list as csv, and the KPI summary as a second csv: one file each, so both open as plain tables. UTF-8 with
    /// a byte-order mark, without which Excel and WPS read Chinese csv as the local code page.
    /// </summary>
    public async Task<ExportResult> WriteCsvAsync(MonthExport export, Stream items, Stream summary, IProgress<int>? progress = null,
        CancellationToken cancellationToken = default)
    {
        MonthFigures month;
        await using (var csv = Csv(items))
        {
            Header(csv, ItemColumns);
            month = await ReadAsync(export, (kpi, item, names) =>
            {
                csv.WriteField(kpi.Name);
                csv.WriteField(item.Code);
                csv.WriteField(KpiItemKind.Labels.Label(item.ItemKind));
                csv.WriteField(WallClock(item.At).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
                csv.WriteField(item.InNumerator ? "是" : "否");
                foreach (var (dimension, _) in MetricsQueries.Dimensions)
                {
                    csv.WriteField(Label(item, dimension, names));
                }

                csv.WriteField(Number(item.Value));
                csv.WriteField(item.ItemId.ToString(CultureInfo.InvariantCulture));
                csv.EndRecord();
            }, progress, cancellationToken);
        }

        await using (var csv = Csv(summary))
        {
            Header(csv, SummaryColumns);
            foreach (var f in month.Figures)
            {
                csv.WriteField(f.Kpi.Name);
                csv.WriteField(f.Numerator.ToString(CultureInfo.InvariantCulture));
                csv.WriteField(f.Denominator.ToString(CultureInfo.InvariantCulture));
                csv.WriteField(Number(f.Value));
                csv.WriteField(UnitOf(f.Kpi));
                csv.WriteField(Number(f.TargetValue));
                csv.WriteField(f.TargetDisplay);
                csv.WriteField(Number(f.Gap));
                csv.WriteField(KpiFigure.StandingLabel(f.Standing));
                csv.WriteField(f.Kpi.Source);
                csv.WriteField(month.StateLabel);
                csv.WriteField(f.Kpi.Numerator);
                csv.WriteField(f.Kpi.Denominator);
                csv.EndRecord();
            }
        }

        return new ExportResult(month.Rows, month.Figures);
    }

    sealed record MonthFigures(
        IReadOnlyList<KpiFigure> Figures, IReadOnlyList<(KpiFigure Figure, string Dimension, KpiBreakdownRow Row)> Breakdowns,
        int Rows, string StateLabel, bool IsClosed);

    /// <summary>Reads the month KPI by KPI, handing each item to <paramref name="writeItem"/> as it goes.</summary>
    async Task<MonthFigures> ReadAsync(MonthExport export, Action<KpiDefinition, KpiItem, MetricNames> writeItem, IProgress<int>? progress,
        CancellationToken cancellationToken)
    {
        var scope = export.Scope;
        var names = await metrics.NamesAsync(scope.CenterId);
        var state = await metrics.MonthAsync(scope.CenterId, export.Month);
        // Last year's figures for the year-on-year targets, which only MetricsQueries knows how to read: once, for all
        // KPIs, while the items are written.
        // The month's figures (last year's values for the year-on-year targets, and each KPI's item count for the
        // progress bar); the items are then streamed KPI by KPI, each written and counted into its figure and breakdowns
        // as it passes, so memory holds one item and the groups' counts, however large the month.
        var counted = await metrics.FiguresAsync(scope, export.Month);
        var figures = new List<KpiFigure>();
        var breakdowns = new List<(KpiFigure, string, KpiBreakdownRow)>();
        var rows = 0;
        for (var k = 0; k < Kpis.All.Count; k++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var kpi = Kpis.All[k];
            var expected = Math.Max(1, counted[k].Denominator);
            var whole = MetricsQueries.Tally.None;
            var groups = MetricsQueries.Dimensions.ToDictionary(d => d.Code, _ => new Dictionary<string, MetricsQueries.Tally>());
            var i = 0;
            await foreach (var item in metrics.StreamItemsAsync(scope, kpi, export.Month, cancellationToken))
            {
                writeItem(kpi, item, names);
                whole = whole.Add(item);
                foreach (var (dimension, tallies) in groups)
                {
                    var key = MetricsQueries.KeyOf(item, dimension);
                    tallies[key] = tallies.GetValueOrDefault(key, MetricsQueries.Tally.None).Add(item);
                }

                if (++i % ReportEvery == 0)
                {
                    progress?.Report((int)(ItemsShare * (k + Math.Min(1.0, (double)i / expected)) / Kpis.All.Count));
                }
            }

            var figure = whole.Figure(kpi, null);
            figures.Add(figure);
            foreach (var (dimension, label) in MetricsQueries.Dimensions)
            {
                breakdowns.AddRange(MetricsQueries.BreakdownRows(kpi, dimension, groups[dimension], names).Select(r => (figure, label, r)));
            }

            rows += i;
            progress?.Report(ItemsShare * (k + 1) / Kpis.All.Count);
        }

        var compared = counted.ToDictionary(f => f.Kpi.Code, f => f.LastYear);
        figures = [.. figures.Select(f => f with { LastYear = compared[f.Kpi.Code] })];
        return new MonthFigures(figures, breakdowns, rows, MetricMonthState.Labels.Label(state.State), state.IsClosed);
    }

    static DateTime WallClock(DateTime utc) => ChinaTime.Utc(utc).ToOffset(ChinaTime.Offset).DateTime;

    /// <summary>The item's group in a dimension as the breakdowns name it; blank rather than （未填） in a list meant for filtering.</summary>
    static string? Label(KpiItem item, string dimension, MetricNames names) =>
        MetricsQueries.KeyOf(item, dimension) is { Length: > 0 } key ? MetricsQueries.LabelOf(dimension, key, names) : null;

    /// <summary>The unit a KPI's value, target and gap are counted in: percent, working days or visits.</summary>
    static string UnitOf(KpiDefinition kpi) => kpi.Measure switch
    {
        KpiMeasure.Rate => "%",
        KpiMeasure.MeanWorkingDays => "个工作日",
        _ => "人次",
    };

    static uint ValueStyle(KpiDefinition kpi) => kpi.Measure == KpiMeasure.Count ? XlsxStreamWriter.IntegerStyle : XlsxStreamWriter.DecimalStyle;

    static void Note(XlsxStreamWriter.SheetWriter sheet, string label, string text)
    {
        sheet.StartRow();
        sheet.Text(label);
        sheet.Text(text);
        sheet.EndRow();
    }

    static string Number(double? value) => value is { } v ? Math.Round(v, 4).ToString(CultureInfo.InvariantCulture) : "";

    /// <summary>UTF-8 with a byte-order mark: without it Excel and WPS read Chinese csv in the local code page.</summary>
    static CsvWriter Csv(Stream stream) =>
        CsvWriter.Create(stream, CsvWriterOptions.Default with { WriteByteOrderMark = true, Injection = CsvInjection.Escape }, leaveOpen: true);

    static void Header(CsvWriter csv, IEnumerable<(string Header, double Width)> columns)
    {
        foreach (var (header, _) in columns)
        {
            csv.WriteField(header);
        }

        csv.EndRecord();
    }
}
