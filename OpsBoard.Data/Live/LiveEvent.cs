namespace OpsBoard.Data.Live;

/// <summary>One row of the live journal: what changed, for which center (and unit), with a small JSON payload.</summary>
public sealed record LiveEvent(long Id, string Kind, int CenterId, int? UnitId, string Payload, DateTime At);
