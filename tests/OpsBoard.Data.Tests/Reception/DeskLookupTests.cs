using OpsBoard.Data.Accounts;
using OpsBoard.Data.Personal;
using OpsBoard.Data.Reception;

namespace OpsBoard.Data.Tests.Reception;

/// <summary>The desk's look-up: a name alone never hands out the phone on file.</summary>
public sealed class DeskLookupTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    async Task<(FloorScenario Floor, DeskQueries Desk, Actor Clerk, Visitor Known)> KnownAsync(string name)
    {
        var floor = await FloorScenario.CreateAsync(db.DataSource);
        var visit = floor.Visit() with { Principal = new Visitor(name, FloorScenario.NewIdNumber(), "13912345678") };
        await floor.Registry.RegisterAsync(visit);
        var desk = new DeskQueries(db.DataSource, FloorScenario.Protector, new PetitionerCards(db.DataSource, FloorScenario.Protector));
        return (floor, desk, Actor.Center(floor.ClerkId, floor.CenterId, Roles.Clerk), visit.Principal);
    }

    [Fact]
    public async Task FindAsync_NameWithAnotherPhone_SaysSomeoneHasTheNameWithoutShowingThem()
    {
        var (_, desk, clerk, _) = await KnownAsync("赵明");

        var lookup = await desk.FindAsync(clerk, null, "赵明", "13800001111");

        Assert.Empty(lookup.Found);
        Assert.True(lookup.SameNameOtherPhone);
    }

    [Fact]
    public async Task FindAsync_NameAlone_MasksThePhone_NameAndPhone_ShowsIt()
    {
        var (_, desk, clerk, known) = await KnownAsync("钱亮");

        var byName = Assert.Single((await desk.FindAsync(clerk, null, "钱亮", null)).Found);
        var byPhone = Assert.Single((await desk.FindAsync(clerk, null, "钱亮", "13912345678")).Found);
        var byId = Assert.Single((await desk.FindAsync(clerk, known.IdNumber, null, null)).Found);

        Assert.Equal(("139****5678", false), (byName.Card.Phone, byName.Identified));
        Assert.Equal(("13912345678", true), (byPhone.Card.Phone, byPhone.Identified));
        Assert.Equal(PersonalMask.IdNumber(ChineseIdNumber.Parse(known.IdNumber)), byId.Card.IdNumber);
        Assert.False((await desk.FindAsync(clerk, null, "孙无此人", "13912345678")).SameNameOtherPhone);
    }
}
