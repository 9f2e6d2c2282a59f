using OpsBoard.Data.Metrics;

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

    /// <summary>The duty console's floor cards: queues, occupancy, collective visits, extreme behaviour, open slips, joint windows.</summary>
    public const string Floor = "floor";

    /// <summary>The 包案 list (/slips/packages), per reader.</summary>
    public const string Packages = "packages";

    /// <summary>The risk watch-list (/slips/watch).</summary>
    public const string Watch = "watch";

    /// <summary>The regions an event kind makes stale; the KPI region whenever the kind moves a KPI (<see cref="KpiLedger.MovedBy"/>).</summary>
    public static IReadOnlyList<string> For(string kind) =>
        KpiLedger.IsMovedBy(kind) ? [.. Without(kind), Kpi] : Without(kind);

    static IReadOnlyList<string> Without(string kind) => kind.Split('.')[0] switch
    {
        // Emergencies too: a collective visit just registered is a candidate on the duty console. Watch: a visit moves a
        // matter one step nearer a slip.
        "visit" => [Totals, Queue, Occupancy, Emergencies, Floor, Watch],
        "ticket" => [Serving, Queue, Hall, Floor],
        "waiting" => [Occupancy, Floor],
        // Queue too: a window console whose window was taken over learns it when it next fetches its queue.
        "roster" => [Serving, Duty, Queue, Floor],
        // An acceptance, a reply, a closure or a clock ending moves the month's KPIs as well as the alerts; an overdue
        // clock is a reason on the watch-list.
        "clock" or "matter" => [Alerts, Watch],
        // A slip issued or closed changes the open count, and takes (or gives back) a matter's place on the watch-list.
        "slip" => [Alerts, Floor, Watch, Packages],
        "system" or "supervision" => [Alerts],
        "package" => [Packages],
        "emergency" => [Emergency, Emergencies],
        "duty" => [Duty],
        // The hall screen carries the leader-reception notice and the sensitive-period band.
        "reception" => [Reception, Hall],
        // A period begun or ended changes the joint windows expected, the watched visitors and the highlighted 劝返.
        "period" => [Mode, Reception, Hall, Serving, Totals, Emergency, Emergencies, Floor],
        _ => [],
    };}
