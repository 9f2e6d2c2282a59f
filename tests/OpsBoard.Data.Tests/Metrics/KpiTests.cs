using Dapper;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Calendar;
using OpsBoard.Data.Matters;
using OpsBoard.Data.Metrics;
using OpsBoard.Data.Reception;

namespace OpsBoard.Data.Tests.Metrics;

/// <summary>
/// Each KPI on a small history built by hand with a known answer. Every figure is also checked against its own
/// drill-down and breakdowns (<see cref="MetricsScenario.AssertConsistentAsync"/>). Each test runs its own center.
/// </summary>
public sealed class KpiTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    static readonly DateOnly September = new(2026, 9, 1);
    static readonly DateOnly October = new(2026, 10, 1);
    static readonly DateOnly November = new(2026, 11, 1);

    static DateTimeOffset Beijing(int year, int month, int day, int hour = 10) => MetricsScenario.Beijing(year, month, day, hour);

    Task<MetricsScenario> ScenarioAsync(DateTimeOffset start) => MetricsScenario.CreateAsync(db.DataSource, start);

    [Fact]
    public async Task TimelyAcceptance_TransferClocks_CountedInTheMonthTheyStopped_HolidayRolledDueIsMet()
    {
        var s = await ScenarioAsync(Beijing(2026, 9, 16));
        var sameDay = await s.LetterAsync();
        var rolled = await s.LetterAsync();
        var rejected = await s.LetterAsync();
        var late = await s.LetterAsync();
        await s.LetterAsync(); // still waiting for a decision: its clock runs, and counts nowhere yet
        await s.AcceptAssignAsync(sameDay);
        s.MoveTo(Beijing(2026, 9, 17));
        await s.Lifecycle.AcceptAsync(s.Director, rejected, accepted: false, reason: "属于诉讼途径解决的事项", noticeGiven: true);
        // 15 days from 09-16 end on 10-01, in the National Day break: the due day rolls to 10-08, the first working day after.
        s.MoveTo(Beijing(2026, 10, 8, 16));
        await s.AcceptAssignAsync(rolled);
        s.MoveTo(Beijing(2026, 10, 9));
        await s.AcceptAssignAsync(late);

        var calendar = await new CalendarStore(db.DataSource).CurrentAsync();
        var september = await s.ConsistentFigureAsync(Kpis.TimelyAcceptance, September);
        var october = await s.ConsistentFigureAsync(Kpis.TimelyAcceptance, October);
        var octoberItems = await s.Metrics.ItemsAsync(s.Scope, Kpis.TimelyAcceptance, October);

        Assert.Equal(DayKind.Holiday, calendar.EntryFor(new DateOnly(2026, 10, 1))!.Kind);
        Assert.Equal(new DateOnly(2026, 10, 8), await s.DueDayAsync(rolled, ClockKind.Transfer));
        Assert.Equal((2, 2, 100.0, KpiStanding.Met), (september.Numerator, september.Denominator, september.Value, september.Standing));
        Assert.Equal((1, 2, 50.0, KpiStanding.Missed), (october.Numerator, october.Denominator, october.Value, october.Standing));
        Assert.Equal([rolled], octoberItems.Where(i => i.InNumerator).Select(i => i.MatterId!.Value));
        Assert.Equal([late], octoberItems.Where(i => !i.InNumerator).Select(i => i.MatterId!.Value));
        Assert.Equal("50.0 %", october.ValueText);
    }

    [Fact]
    public async Task OnTimeClosure_LocalClocks_ReplyOnTheDueDayIsMet_AnApprovedExtensionCounts()
    {
        var s = await ScenarioAsync(Beijing(2026, 11, 2));
        var (_, onDueDay) = await s.VisitAsync();
        var (_, late) = await s.VisitAsync();
        var (_, extended) = await s.VisitAsync();
        var phone = await s.LetterAsync(MatterSource.Phone);
        foreach (var matter in new[] { onDueDay, late, extended, phone })
        {
            await s.ToHandlingAsync(matter);
        }

        await s.Lifecycle.RequestExtensionAsync(s.Officer, extended, 20, "需现场勘验并听取各方意见");
        await s.Lifecycle.DecideExtensionAsync(s.Leader, extended, approve: true, petitionerNotified: true);
        s.MoveTo(Beijing(2026, 11, 6));
        await s.ReplyAsync(phone); // within the week of a phone matter
        s.MoveTo(Beijing(2026, 11, 23, 17));
        await s.ReplyAsync(onDueDay);
        s.MoveTo(Beijing(2026, 11, 30));
        await s.ReplyAsync(late);
        await s.ReplyAsync(extended);

        var november = await s.ConsistentFigureAsync(Kpis.OnTimeClosure, November);
        var items = await s.Metrics.ItemsAsync(s.Scope, Kpis.OnTimeClosure, November);

        Assert.Equal(new DateOnly(2026, 11, 23), await s.DueDayAsync(onDueDay, ClockKind.LocalHandling)); // 15 working days
        Assert.Equal(new DateOnly(2026, 11, 9), await s.DueDayAsync(phone, ClockKind.LocalHandlingRemote)); // 7 days
        Assert.Equal((3, 4, 75.0), (november.Numerator, november.Denominator, november.Value));
        Assert.Equal([late], items.Where(i => !i.InNumerator).Select(i => i.MatterId!.Value));
    }

    [Fact]
    public async Task ReplyOnTime_HandlingClock_DueDayRolledPastTheWeekend_ExtensionInsideTheClockIsMet()
    {
        var s = await ScenarioAsync(Beijing(2026, 9, 1));
        var onDueDay = await s.LetterAsync();
        var extended = await s.LetterAsync();
        var late = await s.LetterAsync();
        foreach (var matter in new[] { onDueDay, extended, late })
        {
            await s.ToHandlingAsync(matter);
        }

        await s.Lifecycle.RequestExtensionAsync(s.Officer, extended, 20, "涉及多个部门，需联合调查");
        await s.Lifecycle.DecideExtensionAsync(s.Leader, extended, approve: true, petitionerNotified: true);
        // 60 days from 09-01 end on Saturday 10-31: the due day rolls to Monday 11-02.
        s.MoveTo(Beijing(2026, 11, 2, 15));
        await s.ReplyAsync(onDueDay);
        s.MoveTo(Beijing(2026, 11, 3));
        await s.ReplyAsync(late);
        s.MoveTo(Beijing(2026, 11, 16));
        await s.ReplyAsync(extended);

        var november = await s.ConsistentFigureAsync(Kpis.ReplyOnTime, November);
        var items = await s.Metrics.ItemsAsync(s.Scope, Kpis.ReplyOnTime, November);

        Assert.Equal(new DateOnly(2026, 11, 2), await s.DueDayAsync(onDueDay, ClockKind.Handling));
        Assert.Equal(new DateOnly(2026, 11, 20), await s.DueDayAsync(extended, ClockKind.Handling));
        Assert.Equal((2, 3), (november.Numerator, november.Denominator));
        Assert.Equal(200.0 / 3, november.Value!.Value, 6);
        Assert.Equal([late], items.Where(i => !i.InNumerator).Select(i => i.MatterId!.Value));
    }

    [Fact]
    public async Task Participation_FirstVisitsWithACard_RepeatVisitsLeftOut()
    {
        var s = await ScenarioAsync(Beijing(2026, 11, 2));
        var (_, first) = await s.VisitAsync(VisitOutcome.HandedToUnit, EvaluationRating.Satisfied);
        await s.VisitAsync(VisitOutcome.ResolvedOnSpot, EvaluationRating.BasicallySatisfied);
        await s.VisitAsync(VisitOutcome.HandedToUnit, EvaluationRating.Dissatisfied);
        var (unrated, _) = await s.VisitAsync(VisitOutcome.HandedToUnit);
        await s.VisitAsync(VisitOutcome.HandedToUnit, matterId: first); // a repeat visit is not rated on the card

        var november = await s.ConsistentFigureAsync(Kpis.Participation, November);
        var items = await s.Metrics.ItemsAsync(s.Scope, Kpis.Participation, November);

        Assert.Equal((3, 4, 75.0, KpiStanding.Missed), (november.Numerator, november.Denominator, november.Value, november.Standing));
        Assert.Equal([unrated], items.Where(i => !i.InNumerator).Select(i => i.ItemId));
    }

    [Fact]
    public async Task Satisfaction_CardsAndRatingsAskedAtTheReply_SatisfiedAndBasicallySatisfiedCount()
    {
        var s = await ScenarioAsync(Beijing(2026, 11, 2));
        var (_, rated) = await s.VisitAsync(VisitOutcome.HandedToUnit, EvaluationRating.Satisfied);
        await s.VisitAsync(VisitOutcome.ResolvedOnSpot, EvaluationRating.BasicallySatisfied);
        await s.VisitAsync(VisitOutcome.HandedToUnit, EvaluationRating.Dissatisfied);
        var letter = await s.LetterAsync();
        await s.ToHandlingAsync(rated);
        await s.ToHandlingAsync(letter);
        s.MoveTo(Beijing(2026, 11, 10));
        await s.ReplyAsync(rated, rating: EvaluationRating.Satisfied, channel: EvaluationChannel.FaceToFace);
        await s.ReplyAsync(letter, rating: EvaluationRating.Dissatisfied, channel: EvaluationChannel.Phone);

        var november = await s.ConsistentFigureAsync(Kpis.Satisfaction, November);
        var items = await s.Metrics.ItemsAsync(s.Scope, Kpis.Satisfaction, November);

        Assert.Equal((3, 5, 60.0), (november.Numerator, november.Denominator, november.Value));
        Assert.Equal(2, items.Count(i => i.MatterId == rated)); // the card at the visit, and the rating at the reply
        Assert.Equal([letter], items.Where(i => i.Source == MatterSource.Letter).Select(i => i.MatterId!.Value));
    }

    [Fact]
    public async Task FirstTimeResolution_RepeatVisitOrReviewLeavesTheNumerator_NotAcceptedIsNotClosure_ComparedWithLastYear()
    {
        var s = await ScenarioAsync(Beijing(2025, 11, 3));
        // Last November: two matters closed, one of them after a second visit.
        var (_, lastYearOnce) = await s.VisitAsync();
        var (_, lastYearTwice) = await s.VisitAsync();
        await s.VisitAsync(matterId: lastYearTwice);
        foreach (var matter in new[] { lastYearOnce, lastYearTwice })
        {
            await s.ToHandlingAsync(matter);
            await s.ReplyAsync(matter);
            await s.Lifecycle.CloseAsync(s.Director, matter);
        }

        s.MoveTo(Beijing(2026, 11, 2));
        var (_, once) = await s.VisitAsync();
        var (_, twice) = await s.VisitAsync();
        await s.VisitAsync(matterId: twice);
        var reviewed = await s.LetterAsync();
        var rejected = await s.LetterAsync();
        var (_, stillOpen) = await s.VisitAsync();
        await s.Lifecycle.AcceptAsync(s.Director, rejected, accepted: false, reason: "已由其他机关受理", noticeGiven: true);
        foreach (var matter in new[] { once, twice, reviewed, stillOpen })
        {
            await s.ToHandlingAsync(matter);
        }

        s.MoveTo(Beijing(2026, 11, 9));
        foreach (var matter in new[] { once, twice, reviewed, stillOpen })
        {
            await s.ReplyAsync(matter, outcome: matter == reviewed ? ReplyOutcome.NotSupported : ReplyOutcome.Supported);
        }

        foreach (var matter in new[] { once, twice, reviewed })
        {
            await s.Lifecycle.CloseAsync(s.Director, matter);
        }

        // The petitioner asks for 复查: the file reopens, and closes again with the review's decision.
        s.MoveTo(Beijing(2026, 11, 12));
        await s.Lifecycle.RequestReviewAsync(s.Clerk, reviewed);
        s.MoveTo(Beijing(2026, 11, 20));
        await s.Lifecycle.DecideReviewAsync(s.Director, reviewed);

        var november = await s.ConsistentFigureAsync(Kpis.FirstTimeResolution, November);
        var items = await s.Metrics.ItemsAsync(s.Scope, Kpis.FirstTimeResolution, November);

        Assert.Equal((1, 3), (november.Numerator, november.Denominator));
        Assert.Equal([once], items.Where(i => i.InNumerator).Select(i => i.MatterId!.Value));
        Assert.Equal([twice, reviewed], items.Where(i => !i.InNumerator).Select(i => i.MatterId!.Value).Order());
        Assert.Equal(50.0, november.LastYear);
        Assert.Equal(KpiStanding.Missed, november.Standing); // 33.3 % is not above last year's 50 %
    }

    [Fact]
    public async Task SameDayHandover_AssignedOnTheDayOfTheVisit_ResolvedOnTheSpotAndNotAcceptedLeftOut()
    {
        var s = await ScenarioAsync(Beijing(2026, 11, 2));
        var (sameDay, sameDayMatter) = await s.VisitAsync(VisitOutcome.HandedToUnit);
        var (nextDay, nextDayMatter) = await s.VisitAsync(VisitOutcome.MatterRegistered);
        await s.VisitAsync(VisitOutcome.ResolvedOnSpot);
        var (_, rejected) = await s.VisitAsync(VisitOutcome.HandedToUnit);
        await s.AcceptAssignAsync(sameDayMatter);
        await s.Lifecycle.AcceptAsync(s.Director, rejected, accepted: false, reason: "应当通过仲裁途径解决", noticeGiven: true);
        s.MoveTo(Beijing(2026, 11, 3));
        await s.AcceptAssignAsync(nextDayMatter);

        var november = await s.ConsistentFigureAsync(Kpis.SameDayHandover, November);
        var items = await s.Metrics.ItemsAsync(s.Scope, Kpis.SameDayHandover, November);

        Assert.Equal((1, 2, 50.0), (november.Numerator, november.Denominator, november.Value));
        Assert.Equal([sameDay], items.Where(i => i.InNumerator).Select(i => i.ItemId));
        Assert.Equal([nextDay], items.Where(i => !i.InNumerator).Select(i => i.ItemId));
    }

    [Fact]
    public async Task ProxyRate_LettersAndVisitsHandledThroughAProxy_PhoneAndOnlineNotEligible()
    {
        var s = await ScenarioAsync(Beijing(2026, 11, 2));
        await s.LetterAsync(proxy: true);
        await s.LetterAsync(proxy: true);
        await s.LetterAsync();
        await s.LetterAsync(MatterSource.Online);
        await s.LetterAsync(MatterSource.Phone);
        var (_, proxied) = await s.VisitAsync(proxy: true);
        await s.VisitAsync();

        var november = await s.ConsistentFigureAsync(Kpis.ProxyRate, November);
        var items = await s.Metrics.ItemsAsync(s.Scope, Kpis.ProxyRate, November);

        Assert.Equal((3, 5, 60.0, KpiStanding.Met), (november.Numerator, november.Denominator, november.Value, november.Standing));
        Assert.Contains(items, i => i.MatterId == proxied && i.InNumerator);
        Assert.DoesNotContain(items, i => i.Source is MatterSource.Online or MatterSource.Phone);
    }

    [Fact]
    public async Task AverageHandlingDays_WorkingDaysFromAcceptanceToReply_BackdatedReplyCountsItsOwnDate()
    {
        var s = await ScenarioAsync(Beijing(2026, 11, 2));
        var matters = new List<long>();
        for (var i = 0; i < 4; i++)
        {
            matters.Add(await s.LetterAsync());
            await s.ToHandlingAsync(matters[^1]);
        }

        s.MoveTo(Beijing(2026, 11, 3));
        await s.ReplyAsync(matters[0]); // 1 working day
        s.MoveTo(Beijing(2026, 11, 6));
        await s.ReplyAsync(matters[1]); // 4
        s.MoveTo(Beijing(2026, 11, 16));
        await s.ReplyAsync(matters[2]); // 10 (two weekends)
        await s.ReplyAsync(matters[3], on: new DateOnly(2026, 11, 13)); // replied on Friday, recorded on Monday: 9

        var november = await s.ConsistentFigureAsync(Kpis.AverageHandlingDays, November);
        var items = await s.Metrics.ItemsAsync(s.Scope, Kpis.AverageHandlingDays, November);

        Assert.Equal((4, 4, 6.0, KpiStanding.Met), (november.Numerator, november.Denominator, november.Value, november.Standing));
        Assert.Equal([1.0, 4, 9, 10], items.Select(i => i.Value!.Value).Order());
        Assert.Equal("6.0 个工作日", november.ValueText);
    }

    [Fact]
    public async Task EscalatedVisits_VisitsAboveTheCounty_FallingYearOnYearIsMet()
    {
        var s = await ScenarioAsync(Beijing(2025, 11, 3));
        var lastYear = new List<long>();
        for (var i = 0; i < 4; i++)
        {
            lastYear.Add((await s.VisitAsync()).VisitId);
        }

        // A month so far is held against the same days of last year's month: 1–5 November both years.
        s.MoveTo(Beijing(2026, 11, 5));
        var (national, _) = await s.VisitAsync();
        var (county, _) = await s.VisitAsync();
        // The desk records county visits only; a visit to a higher level reaches the county as a notice, recorded as its level.
        await using (var connection = await db.DataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("UPDATE visit SET level = 'city' WHERE id = ANY(@ids)", new { ids = lastYear.Take(2).ToArray() });
            await connection.ExecuteAsync("UPDATE visit SET level = 'province' WHERE id = @id", new { id = lastYear[2] });
            await connection.ExecuteAsync("UPDATE visit SET level = 'national' WHERE id = @national", new { national });
        }

        var november = await s.ConsistentFigureAsync(Kpis.EscalatedVisits, November);
        var lastNovember = await s.ConsistentFigureAsync(Kpis.EscalatedVisits, new DateOnly(2025, 11, 1));
        var byLevel = await s.Metrics.BreakdownAsync(s.Scope, Kpis.EscalatedVisits, new DateOnly(2025, 11, 1), "level");

        Assert.Equal((1.0, 3.0, KpiStanding.Met), (november.Value, november.LastYear, november.Standing));
        Assert.Equal((3.0, KpiStanding.Missed), (lastNovember.Value, lastNovember.Standing)); // none the year before
        Assert.Equal([("市（越级）", 2), ("省（越级）", 1)], byLevel.Select(r => (r.Label, r.Figure.Denominator)));
        Assert.DoesNotContain(await s.Metrics.ItemsAsync(s.Scope, Kpis.EscalatedVisits, November), i => i.ItemId == county);
    }

    [Fact]
    public async Task Scope_UnitLeaderSeesTheirOwnUnit_AnotherUnitIsRefusedAndAudited()
    {
        var s = await ScenarioAsync(Beijing(2026, 11, 2));
        var ours = await s.LetterAsync();
        var theirs = await s.LetterAsync();
        await s.AcceptAssignAsync(ours, s.UnitId);
        await s.AcceptAssignAsync(theirs, s.OtherUnitId);
        var leader = Actor.OfUnit(s.Floor.OtherClerkId, s.CenterId, s.UnitId, Roles.UnitLeader);

        var scope = await s.Metrics.ScopeAsync(leader);
        var items = await s.Metrics.ItemsAsync(scope, Kpis.TimelyAcceptance, November);
        var center = await s.Metrics.ScopeAsync(s.Statistician);
        var refused = await Assert.ThrowsAsync<ForbiddenException>(() => s.Metrics.ScopeAsync(leader, s.OtherUnitId));
        await Assert.ThrowsAsync<ForbiddenException>(() => s.Metrics.ScopeAsync(s.Officer));

        Assert.Equal([s.UnitId], scope.Units);
        Assert.Equal([ours], items.Select(i => i.MatterId!.Value));
        Assert.Null(center.Units);
        Assert.Equal(2, (await s.Metrics.ItemsAsync(center, Kpis.TimelyAcceptance, November)).Count);
        Assert.Contains("不属于您的单位", refused.Message);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM audit_log WHERE action = 'may.view_metrics' AND outcome = 'refused' AND center_id = @CenterId AND unit_id = @OtherUnitId",
            new { s.CenterId, s.OtherUnitId }));
    }
}
