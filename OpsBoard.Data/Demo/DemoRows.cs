using OpsBoard.Data.Personal;
using OpsBoard.Data.Reception;

namespace OpsBoard.Data.Demo;

// Rows of one chunk of history (a calendar month), held only until they are copied into the database.
// Times are UTC with whole seconds; "planned" times may lie after now, and the writer shows only what has happened by now.

sealed class PetitionerRow
{
    public long Id;
    public string Name = "";
    public ChineseIdNumber IdNumber;
    public DateOnly Birth;
    public bool Female;
    public string? Phone;
    public string Address = "";
    public int LocalityId;
    public DateTime CreatedAt;
}

/// <summary>What later visits need to know about a petitioner, kept for the whole run (a few bytes each).</summary>
readonly record struct PetitionerInfo(int Village, DateOnly Birth, bool Female);

/// <summary>One petition case on the floor: the matter, the people behind it and the visits still to come.</summary>
sealed class CaseState
{
    public long MatterId;
    public long[] Members = [];
    public int Representatives;
    public int Headcount;
    public bool Collective;
    public int Remaining;
    public int Village;
    public char Line;
    public DemoCategory Category = null!;
}

sealed class MatterRow
{
    public long Id;
    public string Code = "";
    public string Source = "";
    public string Category = "";
    public string Summary = "";
    public long PetitionerId;
    public int LocalityId;
    public int ResponsibleUnitId;
    public bool IsAccusation;
    public bool IsCollective;
    public bool IsProxy;

    /// <summary>The 代办员 who carries a matter handled through 信访代办.</summary>
    public string? ProxyName;
    public DateTime Received;
    public bool NotAccepted;
    public string? AcceptanceReason;
    public DateTime? Decided;
    public DateTime? Notice;
    public DateTime? Assigned;
    public DateTime? UnitReceived;
    public DateTime? FirstContact;
    public DateTime? Replied;
    public string? ReplyOutcome;

    /// <summary>The satisfaction asked as the reply was given (见面答复, or by phone), and how.</summary>
    public string? ReplyRating;
    public string? ReplyRatingChannel;
    public DateTime? Closed;
    public int ExtensionDays;
    public DateTime? ExtensionRequested;
    public DateTime? ExtensionDecided;
    public int? ExtensionApprover;
    public int RegisteredBy;

    /// <summary>The director or duty leader who takes the matter's decisions (受理, 交办, 办结, reviews).</summary>
    public int DecidedBy;
    public int? UnitUser;

    /// <summary>A first assignment to a unit that sent the matter back (退回) before it went to <see cref="ResponsibleUnitId"/>.</summary>
    public int? FirstUnitId;
    public int? FirstUnitUser;
    public DateTime? FirstAssigned;
    public DateTime? Returned;
    public string? ReturnReason;

    /// <summary>A 督办 sheet to the responsible unit and its feedback.</summary>
    public DateTime? Supervised;
    public DateTime? SupervisionFeedback;

    public DateTime? ReviewRequested;
    public DateTime? ReviewDecided;
    public DateTime? ReReviewRequested;
    public DateTime? HearingStarted;
    public DateTime? HearingEnded;
    public DateTime? ReReviewDecided;

    /// <summary>Settled at the window on the first visit; rated on the evaluation card, not afterwards.</summary>
    public bool OnSpot;
}

/// <summary>One lifecycle step of a matter as <c>matter_transition</c> records it; <see cref="To"/> null keeps the status.</summary>
readonly record struct PlannedStep(DateTime At, string? To, int? UserId, int? UnitId, string Note);

readonly record struct TicketPeriod(string State, int? WindowId, DateTime Start, DateTime End);

sealed class TicketRow
{
    public long Id;
    public long VisitId;
    public char Line;
    public int LineId;
    public DateOnly Day;
    public int Seq;
    public string? PriorityReason;
    public DateTime Issued;
    public List<TicketPeriod> Periods = [];
    public string FinalState = TicketState.Done;
    public int NoShows;
    public DateTime? Closed;
    public string? Outcome;
    public DateTime ServeStart;
    public DateTime ServeEnd;
    public bool SlowToWindow;
}

sealed class VisitRow
{
    public long Id;
    public long MatterId;
    public CaseState Case = null!;
    public DateTime Arrived;
    public DateOnly Day;
    public int Headcount;
    public bool First;
    public string Level = VisitLevel.County;
    public string[] Behaviours = [];
    public int LocalityId;
    public string? Outcome;
    public int RegisteredBy;
    public TicketRow? Ticket;
    public List<PetitionerRow>? NewPeople;
    public bool JustCalled;
}

sealed record EvaluationRow(long Id, long? VisitId, long? MatterId, string Rating, string Channel, DateTime At, int? RecordedBy);

sealed record TicketCounterRow(int LineId, DateOnly Day, int LastSeq);

/// <summary>People entering (+) or leaving (−) the waiting hall; occupancy is their running sum for the day.</summary>
sealed record WaitingMovementRow(long VisitId, int People, DateTime At, DateOnly Day, int? UserId);

sealed class DemoChunk
{
    public List<PetitionerRow> Petitioners { get; } = [];
    public List<MatterRow> Matters { get; } = [];
    public List<VisitRow> Visits { get; } = [];
    public List<TicketRow> Tickets { get; } = [];
    public List<EvaluationRow> Evaluations { get; } = [];
    public List<TicketCounterRow> Counters { get; } = [];
    public List<WaitingMovementRow> Movements { get; } = [];

    public bool IsEmpty => Petitioners.Count == 0 && Matters.Count == 0 && Visits.Count == 0;
}

sealed record JointRosterRow(int WindowId, DateOnly Day, int UnitId, string StaffName, string StaffLogin);

sealed record DutyRosterRow(DateOnly Day, string Role, int? UserId, string Name, string Title);

/// <summary>Database ids of the structure rows, resolved before the history is generated.</summary>
sealed class DemoIds
{
    public int CenterId;
    public Dictionary<string, int> Units { get; } = [];
    public Dictionary<int, string> UnitNames { get; } = [];
    public Dictionary<char, int> Lines { get; } = [];
    public Dictionary<string, int> Windows { get; } = [];
    public Dictionary<string, int> Users { get; } = [];
    public int WaitingArea;

    /// <summary>Every village of the county, flattened; index is what <see cref="PetitionerInfo.Village"/> holds.</summary>
    public List<(int Id, int StreetIndex, string Name)> Villages { get; } = [];
}
