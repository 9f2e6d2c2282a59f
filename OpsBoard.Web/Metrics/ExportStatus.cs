using OpsBoard.Data;
using OpsBoard.Data.Metrics;

namespace OpsBoard.Web.Metrics;

/// <summary>
/// An export's progress as the progress page shows it, rendered on the server and polled by
/// <c>wwwroot/js/export-progress.js</c> from <c>/metrics/exports/{id}/status</c>: one wording for both.
/// </summary>
public sealed record ExportStatus(string State, int Progress, string Text, bool Done, bool Failed, string? Error)
{
    public static ExportStatus Of(MetricExportRow export) => new(
        export.State,
        export.State == MetricExportState.Done ? 100 : export.Progress,
        Describe(export),
        export.State == MetricExportState.Done,
        export.State == MetricExportState.Failed,
        export.Error);

    public static string Describe(MetricExportRow export) => export.State switch
    {
        MetricExportState.Queued => "排队中，马上开始……",
        MetricExportState.Running => $"正在导出 {export.Progress} %",
        MetricExportState.Done => $"完成：{export.Rows:N0} 条事项明细，{ChinaTime.Format(export.FinishedAt!.Value, "HH:mm:ss")} 完成",
        _ => "失败",
    };
}
