using OpsBoard.Data.Live;
using OpsBoard.Web.Live;

namespace OpsBoard.Web.Tests.Live;

public sealed class LiveRoutingTests
{
    static LiveEvent Event(long id, string kind, int? unit = null) => new(id, kind, 1, unit, "{}", DateTime.UtcNow);

    [Fact]
    public void Route_UnitEvent_ReachesOnlyItsOwnUnitGroup()
    {
        var routed = LiveDispatcher.Route([Event(1, "slip.raised", unit: 5)]);

        Assert.Contains("unit:5", routed.Keys);
        Assert.DoesNotContain("unit:6", routed.Keys);
        Assert.Contains("center:1", routed.Keys);
    }

    [Theory]
    [InlineData("slip.issued")]
    [InlineData("slip.sign")]
    [InlineData("slip.close")]
    public void Route_SlipStep_RefreshesTheWallAlertsAlone(string kind)
    {
        var routed = LiveDispatcher.Route([Event(1, kind, unit: 5)]);

        Assert.Equal(["alerts"], routed["screen:1"].Regions);
    }

    [Fact]
    public void Route_CenterEvent_NeverReachesAUnitGroup()
    {
        var routed = LiveDispatcher.Route([Event(1, "visit.registered")]);

        Assert.DoesNotContain(routed.Keys, k => k.StartsWith("unit:", StringComparison.Ordinal));
        Assert.Equal(["center:1", "screen:1"], routed.Keys.Order());
    }

    [Fact]
    public void Route_BurstOfFifty_CoalescesIntoOneMessagePerGroupWithTheLastId()
    {
        var burst = Enumerable.Range(1, 50).Select(i => Event(i, i % 2 == 0 ? "visit.registered" : "ticket.issued"));

        var routed = LiveDispatcher.Route(burst);

        Assert.Equal(2, routed.Count);
        Assert.All(routed.Values, c => Assert.Equal(50, c.LastId));
        // Screens hear only of their own regions; staff pages are told of theirs (the duty console's list and floor).
        Assert.Equal(["hall", "kpi", "occupancy", "queue", "serving", "totals"], routed["screen:1"].Regions);
        Assert.Equal(["emergencies", "floor", "hall", "kpi", "occupancy", "queue", "serving", "totals", "watch"], routed["center:1"].Regions);
    }

    [Theory]
    [InlineData("package.recorded", new[] { "packages" })]
    [InlineData("slip.issued", new[] { "alerts", "floor", "packages", "watch" })]
    [InlineData("period.added", new[] { "emergencies", "emergency", "floor", "hall", "mode", "reception", "serving", "totals" })]
    public void Route_StaffPageEvents_NameTheLiveRegionsOfDutyAndSlipPages(string kind, string[] regions)
    {
        var routed = LiveDispatcher.Route([Event(1, kind, unit: 5)]);

        Assert.Equal(regions, routed["center:1"].Regions);
        Assert.Equal(regions, routed["unit:5"].Regions);
    }
}
