namespace OpsBoard.Web.Live;

/// <summary>Which screen regions an event kind makes stale. Screens re-fetch only those.</summary>
public static class LiveRegions
{
    public const string Serving = "serving";
    public const string Queue = "queue";
    public const string Totals = "totals";
    public const string Occupancy = "occupancy";
    public const string Alerts = "alerts";
    public const string Duty = "duty";
    public const string Hall = "hall";
    public const string Kpi = "kpi";
    public const string Reception = "reception";
    public const string Mode = "mode";

    /// <summary>The wall's emergency banner.</summary>
    public const string Emergency = "emergency";

    /// <summary>A staff page's list of responses: the duty console's, a responder's inbox.</summary>
    public const string Emergencies = "emergencies";

    public static IReadOnlyList<string> For(string kind) => kind.Split('.')[0] switch
    {
        // Emergencies too: a collective visit just registered is a candidate on the duty console.
        "visit" => [Totals, Queue, Occupancy, Kpi, Emergencies],
        "ticket" => [Serving, Queue, Hall, Kpi],
        "waiting" => [Occupancy],
        // Queue too: a window console whose window was taken over learns it when it next fetches its queue.
        "roster" => [Serving, Duty, Queue],
        "evaluation" => [Kpi],
        // An acceptance, a reply, a closure or a clock ending moves the month's KPIs as well as the alerts.
        "clock" or "matter" => [Alerts, Kpi],
        "system" or "slip" or "supervision" => [Alerts],
        "emergency" => [Emergency, Emergencies],
        "duty" => [Duty],
        // The hall screen carries the leader-reception notice and the sensitive-period band.
        "reception" => [Reception, Hall],
        "period" => [Mode, Reception, Hall],
        _ => [],
    };
}
