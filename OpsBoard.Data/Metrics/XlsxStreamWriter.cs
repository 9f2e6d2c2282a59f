using System.Globalization;
using System.IO.Compression;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;

namespace OpsBoard.Data.Metrics;

/// <summary>
/// An xlsx workbook written in one pass with the Open XML SDK's streaming writer (<see cref="OpenXmlWriter"/>), in
/// bounded memory. The SDK builds the package (content types, relationships, workbook, styles) with empty sheets;
/// the sheets themselves are then streamed into a zip opened in create mode. Writing the sheets through the SDK's own
/// package instead keeps every sheet's uncompressed XML in memory until the end (System.IO.Packaging opens the zip in
/// update mode: dotnet/Open-XML-SDK#807), about 200 MB for 100,000 rows. Values that repeat down a column (a KPI's name,
/// a unit, 是/否) go to the shared-string table, written last: a cell then holds an index instead of its text, which
/// halves the XML to write and compress; values of their own (a matter code) stay inline.
/// </summary>
public sealed class XlsxStreamWriter : IDisposable
{
    public const uint HeaderStyle = 1;
    public const uint DateStyle = 2;
    public const uint DecimalStyle = 3;
    public const uint IntegerStyle = 4;

    readonly ZipArchive zip;
    readonly Dictionary<string, string> sheetEntries;
    readonly string sharedStringsEntry;
    readonly Dictionary<string, int> sharedStrings = new(StringComparer.Ordinal);

    XlsxStreamWriter(ZipArchive zip, Dictionary<string, string> sheetEntries, string sharedStringsEntry)
    {
        this.zip = zip;
        this.sheetEntries = sheetEntries;
        this.sharedStringsEntry = sharedStringsEntry;
    }

    /// <summary>Starts a workbook of the named sheets, in that order; each is then written once with <see cref="Sheet"/>.</summary>
    public static XlsxStreamWriter Create(Stream output, IReadOnlyList<string> sheetNames)
    {
        var skeleton = new MemoryStream();
        var entries = new Dictionary<string, string>();
        string sharedStringsEntry;
        using (var document = SpreadsheetDocument.Create(skeleton, SpreadsheetDocumentType.Workbook))
        {
            var workbook = document.AddWorkbookPart();
            workbook.AddNewPart<WorkbookStylesPart>().Stylesheet = Styles();
            var sharedStringsPart = workbook.AddNewPart<SharedStringTablePart>();
            sharedStringsPart.SharedStringTable = new SharedStringTable();
            sharedStringsEntry = sharedStringsPart.Uri.OriginalString.TrimStart('/');
            var sheets = new Sheets();
            for (var i = 0; i < sheetNames.Count; i++)
            {
                var part = workbook.AddNewPart<WorksheetPart>();
                part.Worksheet = new Worksheet(new SheetData());
                sheets.Append(new Sheet { Name = sheetNames[i], SheetId = (uint)(i + 1), Id = workbook.GetIdOfPart(part) });
                entries[sheetNames[i]] = part.Uri.OriginalString.TrimStart('/');
            }

            workbook.Workbook = new Workbook(sheets);
        }

        skeleton.Position = 0;
        var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true);
        using (var package = new ZipArchive(skeleton, ZipArchiveMode.Read))
        {
            foreach (var entry in package.Entries.Where(e => !entries.ContainsValue(e.FullName) && e.FullName != sharedStringsEntry))
            {
                using var from = entry.Open();
                using var to = zip.CreateEntry(entry.FullName, CompressionLevel.Fastest).Open();
                from.CopyTo(to);
            }
        }

        return new XlsxStreamWriter(zip, entries, sharedStringsEntry);
    }

    /// <summary>Opens one sheet: frozen header row in <paramref name="columns"/> order, widths in characters.</summary>
    public SheetWriter Sheet(string name, IReadOnlyList<(string Header, double Width)> columns, bool selected = false) =>
        new(zip.CreateEntry(sheetEntries[name], CompressionLevel.Fastest).Open(), columns, selected, sharedStrings);

    /// <summary>Writes the shared-string table, in the order the sheets first used each value, and closes the file.</summary>
    public void Dispose()
    {
        using (var entry = zip.CreateEntry(sharedStringsEntry, CompressionLevel.Fastest).Open())
        using (var writer = OpenXmlWriter.Create(entry))
        {
            writer.WriteStartDocument();
            writer.WriteStartElement(new SharedStringTable { Count = (uint)sharedStrings.Count, UniqueCount = (uint)sharedStrings.Count });
            var item = new SharedStringItem(new Text());
            foreach (var value in sharedStrings.OrderBy(s => s.Value).Select(s => s.Key))
            {
                item.Text!.Text = value;
                writer.WriteElement(item);
            }

            writer.WriteEndElement();
        }

        zip.Dispose();
    }

    static Stylesheet Styles() => new(
        new NumberingFormats(
            new NumberingFormat { NumberFormatId = 164, FormatCode = "yyyy-mm-dd hh:mm" },
            new NumberingFormat { NumberFormatId = 165, FormatCode = "0.0" })
        { Count = 2 },
        // 宋体 11: what Excel and WPS on a Chinese office desktop show by default.
        new Fonts(
            new Font(new FontSize { Val = 11 }, new FontName { Val = "宋体" }),
            new Font(new Bold(), new FontSize { Val = 11 }, new FontName { Val = "宋体" }))
        { Count = 2 },
        new Fills(
            new Fill(new PatternFill { PatternType = PatternValues.None }),
            new Fill(new PatternFill { PatternType = PatternValues.Gray125 }),
            new Fill(new PatternFill(new ForegroundColor { Rgb = "FFE7EEF7" }) { PatternType = PatternValues.Solid }))
        { Count = 3 },
        new Borders(new Border(new LeftBorder(), new RightBorder(), new TopBorder(), new BottomBorder(), new DiagonalBorder())) { Count = 1 },
        new CellStyleFormats(new CellFormat { NumberFormatId = 0, FontId = 0, FillId = 0, BorderId = 0 }) { Count = 1 },
        new CellFormats(
            new CellFormat { NumberFormatId = 0, FontId = 0, FillId = 0, BorderId = 0, FormatId = 0 },
            new CellFormat { NumberFormatId = 0, FontId = 1, FillId = 2, BorderId = 0, FormatId = 0, ApplyFont = true, ApplyFill = true },
            new CellFormat { NumberFormatId = 164, FontId = 0, FillId = 0, BorderId = 0, FormatId = 0, ApplyNumberFormat = true },
            new CellFormat { NumberFormatId = 165, FontId = 0, FillId = 0, BorderId = 0, FormatId = 0, ApplyNumberFormat = true },
            new CellFormat { NumberFormatId = 1, FontId = 0, FillId = 0, BorderId = 0, FormatId = 0, ApplyNumberFormat = true })
        { Count = 5 },
        new CellStyles(new CellStyle { Name = "Normal", FormatId = 0, BuiltinId = 0 }) { Count = 1 });

    /// <summary>
    /// Rows of one sheet, cell after cell. The cell elements are reused: the writer serialises each as it is written,
    /// so a row allocates nothing but its text.
    /// </summary>
    public sealed class SheetWriter : IDisposable
    {
        readonly Stream entry;
        readonly OpenXmlWriter writer;
        readonly Row row = new();
        readonly Text text = new();
        readonly Cell textCell;
        readonly Cell emptyCell = new();
        readonly Dictionary<uint, Cell> numberCells = [];
        readonly Cell sharedCell = new() { DataType = CellValues.SharedString, CellValue = new CellValue("0") };
        readonly Dictionary<string, int> sharedStrings;

        internal SheetWriter(Stream entry, IReadOnlyList<(string Header, double Width)> columns, bool selected, Dictionary<string, int> sharedStrings)
        {
            this.entry = entry;
            this.sharedStrings = sharedStrings;
            textCell = new Cell { DataType = CellValues.InlineString, InlineString = new InlineString(text) };
            writer = OpenXmlWriter.Create(entry);
            writer.WriteStartDocument();
            writer.WriteStartElement(new Worksheet());
            writer.WriteElement(new SheetViews(new SheetView(
                new Pane { VerticalSplit = 1, TopLeftCell = "A2", ActivePane = PaneValues.BottomLeft, State = PaneStateValues.Frozen },
                new Selection { Pane = PaneValues.BottomLeft, ActiveCell = "A2", SequenceOfReferences = new ListValue<StringValue> { InnerText = "A2" } })
            {
                WorkbookViewId = 0,
                TabSelected = selected,
            }));
            writer.WriteElement(new Columns(columns.Select((c, i) =>
                new Column { Min = (uint)(i + 1), Max = (uint)(i + 1), Width = c.Width, CustomWidth = true })));
            writer.WriteStartElement(new SheetData());
            StartRow();
            foreach (var (header, _) in columns)
            {
                Text(header, HeaderStyle);
            }

            EndRow();
        }

        public int Rows { get; private set; }

        public void StartRow() => writer.WriteStartElement(row);

        public void EndRow()
        {
            writer.WriteEndElement();
            Rows++;
        }

        /// <summary>An empty text writes an empty cell, so the cells after it stay in their columns.</summary>
        public void Text(string? value, uint style = 0)
        {
            if (string.IsNullOrEmpty(value))
            {
                writer.WriteElement(emptyCell);
                return;
            }

            text.Text = value;
            textCell.StyleIndex = style == 0 ? null : style;
            writer.WriteElement(textCell);
        }

        /// <summary>A value that repeats down its column, written once in the shared-string table and here by its index.</summary>
        public void Label(string? value)
        {
            if (string.IsNullOrEmpty(value))
            {
                writer.WriteElement(emptyCell);
                return;
            }

            if (!sharedStrings.TryGetValue(value, out var index))
            {
                index = sharedStrings.Count;
                sharedStrings[value] = index;
            }

            sharedCell.CellValue!.Text = index.ToString(CultureInfo.InvariantCulture);
            writer.WriteElement(sharedCell);
        }

        public void Number(double? value, uint style = 0)
        {
            if (value is not { } v || double.IsNaN(v))
            {
                writer.WriteElement(emptyCell);
                return;
            }

            if (!numberCells.TryGetValue(style, out var cell))
            {
                cell = new Cell { CellValue = new CellValue("0"), StyleIndex = style == 0 ? null : style };
                numberCells[style] = cell;
            }

            cell.CellValue!.Text = v.ToString("R", CultureInfo.InvariantCulture);
            writer.WriteElement(cell);
        }

        /// <summary>A date cell: the serial number Excel and WPS store dates as, shown through a date format.</summary>
        public void Date(DateTime wallClock) => Number(wallClock.ToOADate(), DateStyle);

        public void Dispose()
        {
            writer.WriteEndElement();
            writer.WriteEndElement();
            writer.Dispose();
            entry.Dispose();
        }
    }
}
