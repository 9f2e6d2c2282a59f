using Dapper;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Matters;
using OpsBoard.Data.Personal;
using OpsBoard.Data.Reception;

namespace OpsBoard.Data.Tests.Reception;

/// <summary>A known ID number under another name: asked, never silent; the replaced name kept as a 曾用名 and audited.</summary>
public sealed class RenameTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    async Task<(FloorScenario Floor, Visitor Known)> KnownPetitionerAsync()
    {
        var floor = await FloorScenario.CreateAsync(db.DataSource);
        var visit = floor.Visit();
        await floor.Registry.RegisterAsync(visit);
        return (floor, visit.Principal);
    }

    async Task<(string Name, int Visits, int History)> StateAsync(FloorScenario floor, string idNumber)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        return await connection.QuerySingleAsync<(string, int, int)>("""
            SELECT p.name,
                   (SELECT count(*)::int FROM visit v WHERE v.petitioner_id = p.id),
                   (SELECT count(*)::int FROM petitioner_name_history h WHERE h.petitioner_id = p.id)
            FROM petitioner p
            WHERE p.center_id = @CenterId AND p.id_number_hash = @hash
            """, new { floor.CenterId, hash = FloorScenario.Protector.LookupHash(ChineseIdNumber.Parse(idNumber)) });
    }

    [Fact]
    public async Task RegisterAsync_KnownIdNumberUnderAnotherName_AsksAndWritesNothing()
    {
        var (floor, known) = await KnownPetitionerAsync();

        var asked = await Assert.ThrowsAsync<RenameUnconfirmedException>(() =>
            floor.Registry.RegisterAsync(floor.Visit() with { Principal = known with { Name = "李四" } }));

        var rename = Assert.Single(asked.Renames);
        Assert.Equal("该证件号已登记为 张三，确认更名为 李四？", rename.Question);
        Assert.Equal(("张三", 1, 0), await StateAsync(floor, known.IdNumber));
    }

    [Fact]
    public async Task RegisterAsync_RenameConfirmed_RenamesKeepsTheFormerNameAndAuditsIt()
    {
        var (floor, known) = await KnownPetitionerAsync();
        var renamed = known with { Name = "李四" };

        await floor.Registry.RegisterAsync(floor.Visit() with { Principal = renamed, ConfirmedRenames = [new Rename(known.IdNumber, "张三", "李四").Key] });

        Assert.Equal(("李四", 2, 1), await StateAsync(floor, known.IdNumber));
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var history = await connection.QuerySingleAsync<(string Name, int? By)>(
            "SELECT h.name, h.replaced_by FROM petitioner_name_history h JOIN petitioner p ON p.id = h.petitioner_id WHERE p.center_id = @CenterId",
            new { floor.CenterId });
        Assert.Equal(("张三", floor.ClerkId), history);
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM audit_log WHERE action = 'petitioner.rename' AND user_id = @ClerkId AND center_id = @CenterId",
            new { floor.ClerkId, floor.CenterId }));

        // Every visit shows the current name with the former one beside it.
        var desk = new DeskQueries(db.DataSource, FloorScenario.Protector, new PetitionerCards(db.DataSource, FloorScenario.Protector));
        var clerk = Actor.Center(floor.ClerkId, floor.CenterId, Roles.Clerk);
        var found = Assert.Single((await desk.FindAsync(clerk, known.IdNumber, null, null)).Found);
        var shown = await desk.HistoryAsync(clerk, found);
        Assert.Equal("李四", shown.Petitioner.Card.Name);
        Assert.Equal(["张三"], shown.Petitioner.Card.FormerNames);
        Assert.Equal(2, shown.Visits.Count);
    }

    [Fact]
    public async Task RegisterAsync_ConfirmationForAnotherName_IsAskedAgain()
    {
        var (floor, known) = await KnownPetitionerAsync();

        // The clerk confirmed 李四, then changed the name to 李思 before registering.
        var asked = await Assert.ThrowsAsync<RenameUnconfirmedException>(() => floor.Registry.RegisterAsync(floor.Visit() with
        {
            Principal = known with { Name = "李思" },
            ConfirmedRenames = [new Rename(known.IdNumber, "张三", "李四").Key],
        }));

        Assert.Equal("李思", Assert.Single(asked.Renames).NewName);
        Assert.Equal(("张三", 1, 0), await StateAsync(floor, known.IdNumber));
    }

    [Fact]
    public async Task RegisterAsync_PrincipalAndRepresentativeRenamed_BothAskedAtOnce()
    {
        var floor = await FloorScenario.CreateAsync(db.DataSource);
        var representative = new Visitor("王五", FloorScenario.NewIdNumber(), null);
        var first = floor.Visit(headcount: 6) with { Representatives = [representative] };
        await floor.Registry.RegisterAsync(first);

        var asked = await Assert.ThrowsAsync<RenameUnconfirmedException>(() => floor.Registry.RegisterAsync(floor.Visit(headcount: 6) with
        {
            Principal = first.Principal with { Name = "张山" },
            Representatives = [representative with { Name = "王武" }],
        }));

        Assert.Equal(["张三", "王五"], asked.Renames.Select(r => r.RegisteredName));
    }

    [Fact]
    public async Task IntakeRegisterAsync_LetterUnderAnotherName_IsAskedToo()
    {
        var (floor, known) = await KnownPetitionerAsync();
        var intake = new MatterIntake(db.DataSource, FloorScenario.Protector,
            new MatterClocks(new OpsBoard.Data.Calendar.CalendarStore(db.DataSource)), floor.Clock);
        var clerk = Actor.Center(floor.ClerkId, floor.CenterId, Roles.Clerk);
        var letter = new NewMatter(MatterSource.Letter, "李四", known.IdNumber, null, "urban_construction", "来信反映加装电梯", null, false);

        await Assert.ThrowsAsync<RenameUnconfirmedException>(() => intake.RegisterAsync(clerk, letter));
        await intake.RegisterAsync(clerk, letter with { ConfirmedRenames = [$"{known.IdNumber}:李四"] });

        Assert.Equal(("李四", 1, 1), await StateAsync(floor, known.IdNumber));
    }

    [Fact]
    public async Task Validate_NewMatterWithoutCategory_MarksTheCategoryField()
    {
        var floor = await FloorScenario.CreateAsync(db.DataSource);

        var errors = VisitRegistry.Validate(floor.Visit() with { Category = null });

        Assert.Equal("新事项须选择类别", errors["Category"]);
        Assert.False(errors.ContainsKey("Summary"));
    }
}
