using Dapper;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Calendar;
using OpsBoard.Data.Matters;
using OpsBoard.Data.Personal;
using OpsBoard.Data.Reception;
using OpsBoard.Data.Slips;
using OpsBoard.Data.Tests.Reception;

namespace OpsBoard.Data.Tests.Matters;

/// <summary>条例 第三十条: the conflict set of an accusation matter, each refusal, the slip detector's redirect, and who sees what.</summary>
public sealed class AccusationTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    /// <summary>
    /// A floor with a town (青石镇) and two of its villages, another town, a department (县住建局, the floor's own) and the
    /// discipline unit; one accusation matter registered at the desk naming the village 上湾村 and its head.
    /// </summary>
    sealed record Setup(FloorScenario Floor, MatterLifecycle Lifecycle, Supervisions Supervisions, MatterQueries Queries, long MatterId,
        int Town, int Village, int SiblingVillage, int OtherTown, int Department, int Discipline, Actor Director)
    {
        public Actor Officer(int unitId) => Actor.OfUnit(Floor.OtherClerkId, Floor.CenterId, unitId, Roles.UnitOfficer);
    }

    const string Summary = "举报上湾村村主任虚报冒领征地补偿款";

    async Task<Setup> SetupAsync(bool markDiscipline = true, Func<int, int, int[]>? accused = null)
    {
        var floor = await FloorScenario.CreateAsync(db.DataSource);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        async Task<int> Unit(string kind, string code, string name, int? parent = null) => await connection.ExecuteScalarAsync<int>(
            "INSERT INTO unit (center_id, parent_id, kind, code, name) VALUES (@CenterId, @parent, @kind, @code, @name) RETURNING id",
            new { floor.CenterId, parent, kind, code, name });
        var town = await Unit("town", "qingshi", "青石镇");
        var village = await Unit("village", "qingshi-02", "上湾村", town);
        var sibling = await Unit("village", "qingshi-03", "下湾村", town);
        var otherTown = await Unit("town", "baisha", "白沙镇");
        var discipline = await Unit("department", "jgw", "县纪工委监察办");
        if (markDiscipline)
        {
            await connection.ExecuteAsync("UPDATE unit SET is_discipline = true WHERE id = @discipline", new { discipline });
        }

        var department = await connection.ExecuteScalarAsync<int>("SELECT id FROM unit WHERE center_id = @CenterId AND code = 'dept-zjj'", new { floor.CenterId });
        var visit = floor.Visit() with
        {
            Summary = Summary, Category = "discipline", LocalityId = village, IsAccusation = true,
            AccusedUnitIds = accused?.Invoke(town, village) ?? [village], AccusedPeople = [new AccusedPerson("王德福", "村委会主任")],
        };
        floor.Clock.Advance(TimeSpan.FromMinutes(1));
        var registered = await floor.Registry.RegisterAsync(visit);
        var matterId = await connection.ExecuteScalarAsync<long>("SELECT matter_id FROM visit WHERE id = @VisitId", new { registered.VisitId });
        var clocks = new MatterClocks(new CalendarStore(db.DataSource));
        var supervisions = new Supervisions(db.DataSource, clocks, floor.Clock);
        return new Setup(floor, new MatterLifecycle(db.DataSource, clocks, supervisions, floor.Clock), supervisions,
            new MatterQueries(db.DataSource, FloorScenario.Protector), matterId, town, village, sibling, otherTown, department, discipline,
            Actor.Center(floor.ClerkId, floor.CenterId, Roles.Director));
    }

    async Task<IReadOnlyList<int>> ConflictSetAsync(long matterId)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        return await Accusations.ConflictSetAsync(connection, null, matterId);
    }

    async Task<int> AuditCountAsync(string action, long matterId, string outcome)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM audit_log WHERE action = @action AND outcome = @outcome AND (subject_id = @matterId OR (detail->>'MatterId')::bigint = @matterId)",
            new { action, matterId, outcome });
    }

    [Fact]
    public async Task ConflictSet_AccusedVillage_IsTheVillageAndItsTown()
    {
        var s = await SetupAsync();

        Assert.Equal(new[] { s.Town, s.Village }.Order(), await ConflictSetAsync(s.MatterId));
    }

    [Fact]
    public async Task ConflictSet_AccusedTown_IsTheTownAndEveryVillageOfIt_NotTheOtherTown()
    {
        var s = await SetupAsync(accused: (town, _) => [town]);

        var set = await ConflictSetAsync(s.MatterId);

        Assert.Equal(new[] { s.Town, s.Village, s.SiblingVillage }.Order(), set);
        Assert.DoesNotContain(s.OtherTown, set);
        Assert.DoesNotContain(s.Department, set);
    }

    [Fact]
    public async Task Register_AccusedStored_NotAccusationWithAccused_AndOverlongNames_Refused()
    {
        var s = await SetupAsync();
        await using var connection = await db.DataSource.OpenConnectionAsync();

        Assert.True(await connection.ExecuteScalarAsync<bool>("SELECT is_accusation FROM matter WHERE id = @MatterId", new { s.MatterId }));
        Assert.Equal(("王德福", "村委会主任"), await connection.QuerySingleAsync<(string, string)>(
            "SELECT name, post FROM matter_accused_person WHERE matter_id = @MatterId", new { s.MatterId }));
        var notMarked = VisitRegistry.Validate(s.Floor.Visit() with { AccusedUnitIds = [s.Village] });
        var tooLong = VisitRegistry.Validate(s.Floor.Visit() with { IsAccusation = true, AccusedPeople = [new AccusedPerson(new string('王', 41), null)] });
        var intake = new MatterIntake(db.DataSource, FloorScenario.Protector, new MatterClocks(new CalendarStore(db.DataSource)), s.Floor.Clock);
        var postTooLong = await Assert.ThrowsAsync<MatterException>(() => intake.RegisterAsync(Actor.Center(s.Floor.ClerkId, s.Floor.CenterId, Roles.Clerk),
            new NewMatter("letter", "李四", FloorScenario.NewIdNumber(), null, "discipline", "举报", null, true)
            {
                AccusedPeople = [new AccusedPerson("赵某", new string('长', 61))],
            }));

        Assert.Contains("勾选“检举控告”", notMarked["Accusation"]);
        Assert.Contains("姓名不超过 40 个字", tooLong["Accusation"]);
        Assert.Contains("职务不超过 60 个字", postTooLong.Message);
    }

    [Fact]
    public async Task Assign_ToTheAccusedVillageOrItsTown_IsRefusedAndAudited_ToAnotherUnitGoes()
    {
        var s = await SetupAsync();
        await s.Lifecycle.AcceptAsync(s.Director, s.MatterId, true, null, true);

        var village = await Assert.ThrowsAsync<MatterException>(() => s.Lifecycle.AssignAsync(s.Director, s.MatterId, s.Village));
        var town = await Assert.ThrowsAsync<MatterException>(() => s.Lifecycle.AssignAsync(s.Director, s.MatterId, s.Town));
        await s.Lifecycle.AssignAsync(s.Director, s.MatterId, s.Discipline);

        Assert.Contains("第三十条", village.Message);
        Assert.Contains("被检举控告单位或其上级、下级单位", town.Message);
        Assert.Equal(2, await AuditCountAsync("matter.accusation_conflict", s.MatterId, "refused"));
        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(s.Discipline, await connection.ExecuteScalarAsync<int>("SELECT responsible_unit_id FROM matter WHERE id = @MatterId", new { s.MatterId }));
    }

    [Fact]
    public async Task Supervise_TheAccusedTown_IsRefused_TheDisciplineUnitIsNot()
    {
        var s = await SetupAsync();

        var refused = await Assert.ThrowsAsync<MatterException>(() => s.Supervisions.IssueAsync(s.Director, s.MatterId, s.Town, "请反馈"));
        await s.Supervisions.IssueAsync(s.Director, s.MatterId, s.Discipline, "请反馈");

        Assert.Contains("不能向该单位督办", refused.Message);
        Assert.Equal(1, await AuditCountAsync("matter.accusation_conflict", s.MatterId, "refused"));
    }

    async Task<SlipDetector.Issued?> ThirdVisitSlipAsync(Setup s)
    {
        for (var i = 0; i < 2; i++)
        {
            s.Floor.Clock.Advance(TimeSpan.FromMinutes(1));
            await s.Floor.Registry.RegisterAsync(s.Floor.Visit() with { MatterId = s.MatterId, LocalityId = s.Village });
        }

        var detector = new SlipDetector(db.DataSource, new CalendarStore(db.DataSource), s.Floor.Clock);
        return (await detector.RunAsync(full: false)).Issued.SingleOrDefault(i => i.MatterId == s.MatterId);
    }

    [Fact]
    public async Task SlipDetector_LocalityTownInConflict_SendsTheSlipToTheDisciplineUnit()
    {
        var s = await SetupAsync();

        var slip = await ThirdVisitSlipAsync(s);

        Assert.NotNull(slip);
        Assert.Equal(s.Discipline, slip.UnitId);
    }

    [Fact]
    public async Task SlipDetector_NoDisciplineUnit_SkipsTheSlipWithoutFailing()
    {
        var s = await SetupAsync(markDiscipline: false);

        var slip = await ThirdVisitSlipAsync(s);

        Assert.Null(slip);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(0, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM warning_slip WHERE matter_id = @MatterId", new { s.MatterId }));
    }

    [Fact]
    public async Task PackageAssign_SlipOfAUnitInConflict_IsRefused()
    {
        var s = await SetupAsync();
        var slip = await ThirdVisitSlipAsync(s);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        // A slip from before the matter was known as an accusation: it names the town.
        await connection.ExecuteAsync("UPDATE warning_slip SET unit_id = @Town WHERE id = @Id", new { s.Town, slip!.Id });
        var packages = new MatterPackages(db.DataSource, s.Floor.Clock);

        var refused = await Assert.ThrowsAnyAsync<RefusedException>(() => packages.AssignAsync(s.Director, slip.Id, s.Floor.OtherClerkId, null));

        Assert.Contains("第三十条", refused.Message);
        Assert.Equal(1, await AuditCountAsync("matter.accusation_conflict", s.MatterId, "refused"));
    }

    [Fact]
    public async Task File_AccusedUnitParentAndChild_SeeNothing_AuditedAsRefused()
    {
        var s = await SetupAsync(accused: (town, _) => [town]);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        // Assigned to the town by hand, as data from before the rule would be: the town still must not see it.
        await connection.ExecuteAsync("UPDATE matter SET responsible_unit_id = @Town WHERE id = @MatterId", new { s.Town, s.MatterId });

        Assert.Null(await s.Queries.FileAsync(s.Officer(s.Town), s.MatterId));
        Assert.Null(await s.Queries.FileAsync(s.Officer(s.Village), s.MatterId));
        var list = await s.Queries.ListAsync(s.Officer(s.Town), new MatterFilter());
        var due = await s.Queries.DueNextAsync(s.Officer(s.Town));

        Assert.DoesNotContain(list.Items, i => i.Id == s.MatterId);
        Assert.DoesNotContain(due, d => d.MatterId == s.MatterId);
        Assert.Equal(2, await AuditCountAsync("matter.accusation_viewed", s.MatterId, "refused"));
    }

    [Fact]
    public async Task File_AnotherUnit_SeesItRedacted_TheDisciplineUnitAndTheCenterInFull_EachOpeningAudited()
    {
        var s = await SetupAsync();
        await s.Lifecycle.AcceptAsync(s.Director, s.MatterId, true, null, true);
        await s.Lifecycle.AssignAsync(s.Director, s.MatterId, s.Department);
        var cards = new PetitionerCards(db.DataSource, FloorScenario.Protector);
        var other = s.Officer(s.Department);
        var discipline = Actor.OfUnit(s.Floor.OtherClerkId, s.Floor.CenterId, s.Discipline, Roles.UnitOfficer);

        var redacted = await s.Queries.FileAsync(other, s.MatterId);
        var byName = await s.Queries.ListAsync(other, new MatterFilter { PetitionerName = "张三" });
        var all = await s.Queries.ListAsync(other, new MatterFilter());
        var center = await s.Queries.FileAsync(s.Director, s.MatterId);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("UPDATE matter SET responsible_unit_id = @Discipline WHERE id = @MatterId", new { s.Discipline, s.MatterId });
        var full = await s.Queries.FileAsync(discipline, s.MatterId);

        Assert.Equal(Accusations.RedactedMark, redacted!.Matter.Summary);
        Assert.True(redacted.Accusation!.Redacted);
        Assert.Null(redacted.Accusation.Accused);
        Assert.Null(await cards.OfMatterAsync(other, s.MatterId));
        await Assert.ThrowsAnyAsync<RefusedException>(() => cards.RevealForMatterAsync(other, s.MatterId));
        Assert.Contains(all.Items, i => i.Id == s.MatterId);
        Assert.DoesNotContain(byName.Items, i => i.Id == s.MatterId);
        Assert.Equal(Summary, center!.Matter.Summary);
        Assert.Equal(Summary, full!.Matter.Summary);
        Assert.Equal(["上湾村"], full.Accusation!.Accused!.Units);
        Assert.Equal(new AccusedPerson("王德福", "村委会主任"), Assert.Single(full.Accusation.Accused.People));
        Assert.Equal("张三", (await cards.OfMatterAsync(discipline, s.MatterId))!.Name);
        Assert.Equal(3, await AuditCountAsync("matter.accusation_viewed", s.MatterId, "ok"));
        Assert.Equal([true, false, false], await connection.QueryAsync<bool>("""
            SELECT (detail->>'redacted')::bool FROM audit_log
            WHERE action = 'matter.accusation_viewed' AND subject_id = @MatterId AND outcome = 'ok' ORDER BY id
            """, new { s.MatterId }));
    }

    [Fact]
    public async Task DisciplineUnit_AdminMovesTheMark_OthersMayNot()
    {
        var s = await SetupAsync();
        var units = new DisciplineUnits(db.DataSource);
        var admin = Actor.Center(s.Floor.ClerkId, s.Floor.CenterId, Roles.Admin);

        await Assert.ThrowsAsync<ForbiddenException>(() => units.SetAsync(s.Director, s.Department));
        await units.SetAsync(admin, s.Department);
        var bad = await Assert.ThrowsAnyAsync<RefusedException>(() => units.SetAsync(admin, s.Village));

        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(s.Department, await Accusations.DisciplineUnitAsync(connection, null, s.Floor.CenterId));
        Assert.Contains("县直部门", bad.Message);
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM audit_log WHERE action = 'unit.discipline_set' AND center_id = @CenterId", new { s.Floor.CenterId }));
    }
}
