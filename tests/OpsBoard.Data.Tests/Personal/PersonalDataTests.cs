using Dapper;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Personal;
using OpsBoard.Data.Tests.Reception;

namespace OpsBoard.Data.Tests.Personal;

/// <summary>Who sees what of a petitioner: one masking helper, one rule from the matrix, one audited reveal.</summary>
public sealed class PersonalDataTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    static readonly PersonalDataProtector Protector = FloorScenario.Protector;

    [Theory]
    [InlineData("张晓明", "张*明")]
    [InlineData("张三", "张*")]
    [InlineData("欧阳小明", "欧**明")]
    [InlineData("李", "*")]
    public void Name_Masked_KeepsSurnameAndLastCharacter(string name, string masked) =>
        Assert.Equal(masked, PersonalMask.Name(name));

    [Theory]
    [InlineData("13812345678", "138****5678")]
    [InlineData("0571-88886666", "057******6666")]
    [InlineData("12345", "***45")]
    [InlineData(null, null)]
    public void Phone_Masked_KeepsPrefixAndLastFour(string? phone, string? masked) =>
        Assert.Equal(masked, PersonalMask.Phone(phone));

    [Fact]
    public void IdNumber_Masked_ShowsProvinceCityAndLastFourOnly() =>
        Assert.Equal("1101**********002X", PersonalMask.IdNumber(ChineseIdNumber.Parse("11010519491231002X")));

    [Fact]
    public void Matrix_StatisticianAndAdmin_NeitherSeeContactNorRevealIdNumbers()
    {
        foreach (var permission in new[] { Permission.ViewPetitionerContact, Permission.RevealIdNumber })
        {
            Assert.False(Permissions.Allows(Roles.Statistician, permission));
            Assert.False(Permissions.Allows(Roles.Admin, permission));
            Assert.True(Permissions.Allows(Roles.UnitOfficer, permission)); // 一问一核实 is a phone call
            Assert.True(Permissions.Allows(Roles.Clerk, permission));
        }
    }

    public static TheoryData<string, bool, bool> RoleCases => new()
    {
        // role, the matter is the unit's own, sees name and phone in clear
        { Roles.Director, false, true },
        { Roles.DutyLeader, false, true },
        { Roles.Clerk, false, true },
        { Roles.Statistician, false, false },
        { Roles.Admin, false, false },
        { Roles.UnitOfficer, true, true },
        { Roles.UnitLeader, true, true },
        { Roles.UnitOfficer, false, false },
        { Roles.UnitLeader, false, false },
    };

    [Theory]
    [MemberData(nameof(RoleCases))]
    public void Show_EachRole_ClearOrMaskedAsTheMatrixSaysAndIdNumberAlwaysMasked(string role, bool ownUnit, bool inClear)
    {
        const int unitId = 7;
        var actor = Roles.IsUnitScoped(role) ? Actor.OfUnit(1, 1, ownUnit ? unitId : unitId + 1, role) : Actor.Center(1, 1, role);
        var number = ChineseIdNumber.Parse("330106198001010048");
        var record = new PetitionerRecord(42, "张晓明", "13812345678", Protector.Encrypt(number));

        var card = new PetitionerCards(db.DataSource, Protector).Show(actor, unitId, record, ["张小明", "张晓明"]);

        Assert.Equal(inClear, card.InClear);
        Assert.Equal(inClear ? "张晓明" : "张*明", card.Name);
        Assert.Equal(inClear ? "13812345678" : "138****5678", card.Phone);
        Assert.Equal(inClear ? ["张小明"] : ["张*明"], card.FormerNames); // the current name is not its own former name
        Assert.Equal("3301**********0048", card.IdNumber);
        Assert.Equal(inClear, card.MayRevealIdNumber);
    }

    [Fact]
    public void Show_IdNumber_IsMaskedFromTheDecryptedNumberNotTheClearTail()
    {
        var number = ChineseIdNumber.Parse("440524198001010013");
        var clerk = Actor.Center(1, 1, Roles.Clerk);

        var card = new PetitionerCards(db.DataSource, Protector).Show(clerk, null, new PetitionerRecord(1, "王五", null, Protector.Encrypt(number)), []);
        var none = new PetitionerCards(db.DataSource, Protector).Show(clerk, null, new PetitionerRecord(2, "王六", null, null), []);

        Assert.Equal("4405**********0013", card.IdNumber);
        Assert.Null(none.IdNumber);
        Assert.False(none.MayRevealIdNumber); // nothing to reveal
    }

    [Fact]
    public async Task RevealForMatterAsync_OfficerOfTheResponsibleUnit_GetsTheNumberAndOneAuditRow()
    {
        var (floor, matterId, petitionerId, idNumber, unitId) = await AssignedMatterAsync();
        var officer = Actor.OfUnit(floor.OtherClerkId, floor.CenterId, unitId, Roles.UnitOfficer);
        var cards = new PetitionerCards(db.DataSource, Protector);
        var before = await RevealsAsync(petitionerId);

        var revealed = await cards.RevealForMatterAsync(officer, matterId, System.Net.IPAddress.Loopback);
        var card = await cards.OfMatterAsync(officer, matterId);

        Assert.Equal(idNumber, revealed);
        Assert.Equal(PersonalMask.IdNumber(ChineseIdNumber.Parse(idNumber)), card!.IdNumber); // masked again on the next read
        var rows = await RevealsAsync(petitionerId);
        Assert.Equal(before.Count + 1, rows.Count);
        var row = rows[^1];
        Assert.Equal(floor.OtherClerkId, row.UserId);
        Assert.Equal(unitId, row.UnitId);
        Assert.Equal("ok", row.Outcome);
        Assert.Contains($"\"matterId\": {matterId}", row.Detail);
        Assert.DoesNotContain(idNumber, row.Detail); // the log says who saw whose number, not the number
    }

    [Theory]
    [InlineData(Roles.Statistician, false)]
    [InlineData(Roles.UnitOfficer, true)]
    public async Task RevealForMatterAsync_NoBusinessWithTheMatter_IsRefusedAndTheRefusalAudited(string role, bool otherUnit)
    {
        var (floor, matterId, petitionerId, _, unitId) = await AssignedMatterAsync();
        var actor = otherUnit ? Actor.OfUnit(floor.OtherClerkId, floor.CenterId, unitId + 1000, role) : Actor.Center(floor.OtherClerkId, floor.CenterId, role);
        var cards = new PetitionerCards(db.DataSource, Protector);

        await Assert.ThrowsAsync<ForbiddenException>(() => cards.RevealForMatterAsync(actor, matterId));

        Assert.DoesNotContain(await RevealsAsync(petitionerId), r => r.Outcome == "ok");
        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.True(await connection.ExecuteScalarAsync<bool>("""
            SELECT EXISTS (SELECT 1 FROM audit_log WHERE user_id = @OtherClerkId AND outcome = 'refused' AND action LIKE 'may.%')
            """, new { floor.OtherClerkId }));
    }

    [Fact]
    public async Task RevealForTicketAsync_OnlyTheClerkServingItAtTheirWindow()
    {
        var floor = await FloorScenario.CreateAsync(db.DataSource);
        var visit = floor.Visit();
        var registered = await floor.Registry.RegisterAsync(visit);
        await floor.Tickets.SignInWindowAsync(floor.CenterId, floor.Window1, floor.ClerkId);
        await floor.Tickets.CallNextAsync(floor.CenterId, floor.Window1, floor.ClerkId);
        var cards = new PetitionerCards(db.DataSource, Protector);
        var serving = Actor.Center(floor.ClerkId, floor.CenterId, Roles.Clerk);
        var elsewhere = Actor.Center(floor.OtherClerkId, floor.CenterId, Roles.Clerk);

        var revealed = await cards.RevealForTicketAsync(serving, registered.TicketId);
        var refused = await Assert.ThrowsAsync<RefusedException>(() => cards.RevealForTicketAsync(elsewhere, registered.TicketId));

        Assert.Equal(visit.Principal.IdNumber, revealed);
        Assert.Contains("窗口", refused.Message);
        Assert.Null(await cards.OfTicketAsync(elsewhere, registered.TicketId));
        Assert.Equal("张三", (await cards.OfTicketAsync(serving, registered.TicketId))!.Name);
    }

    [Fact]
    public async Task VisitorAsync_WindowServingARepeatVisitor_ShowsContactEarlierVisitsAndTheOpenMatter()
    {
        var floor = await FloorScenario.CreateAsync(db.DataSource);
        var first = floor.Visit();
        var firstVisit = await floor.Registry.RegisterAsync(first);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var matterId = await connection.ExecuteScalarAsync<long>("SELECT matter_id FROM visit WHERE id = @VisitId", new { firstVisit.VisitId });
        floor.Clock.Advance(TimeSpan.FromDays(1));
        var again = await floor.Registry.RegisterAsync(floor.Visit() with { Principal = first.Principal, MatterId = matterId });
        await floor.Tickets.SignInWindowAsync(floor.CenterId, floor.Window1, floor.ClerkId);
        var called = await floor.Tickets.CallNextAsync(floor.CenterId, floor.Window1, floor.ClerkId);
        var windows = new OpsBoard.Data.Reception.WindowQueries(db.DataSource, new PetitionerCards(db.DataSource, Protector), floor.Clock);

        var visitor = await windows.VisitorAsync(Actor.Center(floor.ClerkId, floor.CenterId, Roles.Clerk), called!.Id);

        Assert.Equal(again.TicketId, called.Id);
        Assert.Equal("张三", visitor!.Petitioner.Name);
        Assert.Equal("13800000000", visitor.Petitioner.Phone);
        Assert.Equal(firstVisit.VisitId, Assert.Single(visitor.EarlierVisits).VisitId); // today's visit is not an earlier one
        Assert.Equal(matterId, Assert.Single(visitor.OpenMatters).Id);
    }

    async Task<(FloorScenario Floor, long MatterId, long PetitionerId, string IdNumber, int UnitId)> AssignedMatterAsync()
    {
        var floor = await FloorScenario.CreateAsync(db.DataSource);
        var visit = floor.Visit();
        var registered = await floor.Registry.RegisterAsync(visit);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var unitId = await connection.ExecuteScalarAsync<int>("SELECT id FROM unit WHERE center_id = @CenterId AND code = 'dept-zjj'", new { floor.CenterId });
        var (matterId, petitionerId) = await connection.QuerySingleAsync<(long, long)>("""
            UPDATE matter SET responsible_unit_id = @unitId
            WHERE id = (SELECT matter_id FROM visit WHERE id = @VisitId)
            RETURNING id, petitioner_id
            """, new { unitId, registered.VisitId });
        return (floor, matterId, petitionerId, visit.Principal.IdNumber, unitId);
    }

    sealed record AuditRow(int? UserId, int? UnitId, string Outcome, string Detail);

    async Task<List<AuditRow>> RevealsAsync(long petitionerId)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        return [.. await connection.QueryAsync<AuditRow>("""
            SELECT user_id AS UserId, unit_id AS UnitId, outcome, detail::text AS Detail
            FROM audit_log
            WHERE action = @RevealAction AND subject_kind = 'petitioner' AND subject_id = @petitionerId
            ORDER BY id
            """, new { PetitionerCards.RevealAction, petitionerId })];
    }
}
