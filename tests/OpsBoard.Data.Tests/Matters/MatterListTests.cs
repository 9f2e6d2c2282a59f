using Dapper;
using Npgsql;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Matters;
using OpsBoard.Data.Personal;
using OpsBoard.Data.Tests.Reception;

namespace OpsBoard.Data.Tests.Matters;

/// <summary>
/// The matter list's filters, orders and pages, on a center of 60 matters of its own: two received at each moment (so
/// ties are broken by id), three units, petitioners named alike, and clocks of every kind that bears on the due date.
/// </summary>
public sealed class MatterListTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    const int Count = 60;

    sealed record Row(long Id, string Code, DateTimeOffset Received, int? Unit, long? Petitioner, string Status);

    sealed record World(int CenterId, int UnitA, int UnitB, Actor Director, Actor OfficerA, long Zhang1, long Zhang2, long Li,
        string Zhang1IdNumber, IReadOnlyList<Row> Rows, MatterQueries Queries);

    static DateTimeOffset Beijing(int year, int month, int day, int hour = 10, int minute = 0) =>
        new(year, month, day, hour, minute, 0, TimeSpan.FromHours(8));

    /// <summary>Matter i is received on 2026-01-01 + i/2 days at 10:00 Beijing; even ones in unit A, odd in B, every fifth in none.</summary>
    async Task<World> WorldAsync()
    {
        var floor = await FloorScenario.CreateAsync(db.DataSource);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var unitA = await connection.ExecuteScalarAsync<int>("SELECT id FROM unit WHERE center_id = @CenterId AND code = 'dept-zjj'", new { floor.CenterId });
        var unitB = await connection.ExecuteScalarAsync<int>(
            "INSERT INTO unit (center_id, kind, code, name) VALUES (@CenterId, 'department', 'dept-rsj', '县人社局') RETURNING id", new { floor.CenterId });
        var zhang1Id = FloorScenario.NewIdNumber();
        await using var transaction = await connection.BeginTransactionAsync();
        var zhang1 = await Petitioners.UpsertAsync(connection, transaction, FloorScenario.Protector, floor.CenterId, floor.ClerkId, "张三", ChineseIdNumber.Parse(zhang1Id), null, null, [], floor.Clock.GetUtcNow());
        var zhang2 = await Petitioners.UpsertAsync(connection, transaction, FloorScenario.Protector, floor.CenterId, floor.ClerkId, "张三", ChineseIdNumber.Parse(FloorScenario.NewIdNumber()), null, null, [], floor.Clock.GetUtcNow());
        var li = await Petitioners.UpsertAsync(connection, transaction, FloorScenario.Protector, floor.CenterId, floor.ClerkId, "李四", ChineseIdNumber.Parse(FloorScenario.NewIdNumber()), null, null, [], floor.Clock.GetUtcNow());
        var rows = new List<Row>();
        for (var i = 0; i < Count; i++)
        {
            var received = Beijing(2026, 1, 1).AddDays(i / 2);
            int? unit = i % 5 == 0 ? null : i % 2 == 0 ? unitA : unitB;
            long? petitioner = i % 7 == 0 ? zhang1 : i % 11 == 0 ? zhang2 : i % 13 == 0 ? li : null;
            var status = i % 4 == 0 ? MatterStatus.Handling : MatterStatus.Registered;
            var code = $"XF{received:yyyyMMdd}-{i + 1:000000}";
            var id = await connection.ExecuteScalarAsync<long>("""
                INSERT INTO matter (center_id, code, source, category, summary, petitioner_id, responsible_unit_id, status, received_at)
                VALUES (@CenterId, @code, 'letter', 'other', '测试事项', @petitioner, @unit, @status, @received)
                RETURNING id
                """, new { floor.CenterId, code, petitioner, unit, status, received = received.ToUniversalTime() }, transaction);
            rows.Add(new Row(id, code, received, unit, petitioner, status));
        }

        await transaction.CommitAsync();
        return new World(floor.CenterId, unitA, unitB, Actor.Center(floor.ClerkId, floor.CenterId, Roles.Director),
            Actor.OfUnit(floor.OtherClerkId, floor.CenterId, unitA, Roles.UnitOfficer), zhang1, zhang2, li, zhang1Id, rows,
            new MatterQueries(db.DataSource, FloorScenario.Protector));
    }

    static async Task<long> ClockAsync(NpgsqlConnection connection, Row matter, string rule, DateTimeOffset due, bool stopped = false)
    {
        return await connection.ExecuteScalarAsync<long>("""
            INSERT INTO matter_clock (matter_id, center_id, rule_id, started_at, due_at, stopped_at, result, alert_state)
            SELECT m.id, m.center_id, r.id, m.received_at, @due,
                   CASE WHEN @stopped THEN m.received_at END, CASE WHEN @stopped THEN 'met' END, CASE WHEN @stopped THEN 'stopped' ELSE 'running' END
            FROM matter m, deadline_rule r
            WHERE m.id = @Id AND r.code = @rule AND r.version = 1
            RETURNING id
            """, new { matter.Id, rule, due = due.ToUniversalTime(), stopped });
    }

    static async Task<List<MatterListItem>> AllPagesAsync(MatterQueries queries, Actor actor, MatterFilter filter)
    {
        var items = new List<MatterListItem>();
        var page = await queries.ListAsync(actor, filter);
        items.AddRange(page.Items);
        while (page.Next is { } next && items.Count <= Count)
        {
            page = await queries.ListAsync(actor, filter with { After = MatterCursor.Parse(next, filter.Sort), Page = null });
            items.AddRange(page.Items);
        }

        return items;
    }

    [Fact]
    public async Task List_ByPetitionerName_ReturnsTheMattersOfEveryoneOfThatName()
    {
        var w = await WorldAsync();

        var items = await AllPagesAsync(w.Queries, w.Director, new MatterFilter { PetitionerName = " 张三 " });

        Assert.Equal(w.Rows.Where(r => r.Petitioner == w.Zhang1 || r.Petitioner == w.Zhang2).Select(r => r.Id).Order(), items.Select(i => i.Id).Order());
        Assert.Contains(items, i => w.Rows.Single(r => r.Id == i.Id).Petitioner == w.Zhang2);
    }

    [Fact]
    public async Task List_ByIdNumber_FindsThePetitionerByTheLookupHashAndOnlyTheirMatters()
    {
        var w = await WorldAsync();

        var petitioner = await w.Queries.PetitionerByIdNumberAsync(w.Director, ChineseIdNumber.Parse(w.Zhang1IdNumber));
        var items = await AllPagesAsync(w.Queries, w.Director, new MatterFilter { PetitionerId = petitioner });

        Assert.Equal(w.Zhang1, petitioner);
        Assert.Equal(w.Rows.Where(r => r.Petitioner == w.Zhang1).Select(r => r.Id).Order(), items.Select(i => i.Id).Order());
        Assert.Null(await w.Queries.PetitionerByIdNumberAsync(w.Director, ChineseIdNumber.Parse(FloorScenario.NewIdNumber())));
    }

    [Fact]
    public async Task List_ByUnit_ReturnsOnlyThatUnitsMatters()
    {
        var w = await WorldAsync();

        var items = await AllPagesAsync(w.Queries, w.Director, new MatterFilter { UnitId = w.UnitB });

        Assert.Equal(w.Rows.Where(r => r.Unit == w.UnitB).Select(r => r.Id).Order(), items.Select(i => i.Id).Order());
        Assert.All(items, i => Assert.Equal("县人社局", i.Unit));
    }

    [Fact]
    public async Task List_ByReceivedRange_TakesBothEndDaysWholeInBeijingTime()
    {
        var w = await WorldAsync();
        // Received 23:30 on the last day in Beijing (15:30 UTC, same UTC day) is in; 00:10 the next day (still the
        // last day in UTC) is out.
        var lastDay = w.Rows[10].Received;
        await using var connection = await db.DataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("UPDATE matter SET received_at = @at WHERE id = @Id",
            new { at = Beijing(2026, 1, 6, 23, 30).ToUniversalTime(), w.Rows[10].Id });
        await connection.ExecuteAsync("UPDATE matter SET received_at = @at WHERE id = @Id",
            new { at = Beijing(2026, 1, 7, 0, 10).ToUniversalTime(), w.Rows[14].Id });

        var items = await AllPagesAsync(w.Queries, w.Director, new MatterFilter { From = new DateOnly(2026, 1, 3), To = DateOnly.FromDateTime(lastDay.DateTime) });

        Assert.Equal(new DateOnly(2026, 1, 6), DateOnly.FromDateTime(lastDay.DateTime));
        Assert.Equal([4, 5, 6, 7, 8, 9, 10, 11], items.Select(i => w.Rows.Select(r => r.Id).ToList().IndexOf(i.Id)).Order());
    }

    [Fact]
    public async Task List_ByStatusAndCodePrefix_Combine()
    {
        var w = await WorldAsync();

        var items = await AllPagesAsync(w.Queries, w.Director, new MatterFilter { Status = MatterStatus.Handling, Code = "XF2026010" });

        Assert.Equal(w.Rows.Where(r => r.Status == MatterStatus.Handling && r.Code.StartsWith("XF2026010", StringComparison.Ordinal)).Select(r => r.Id).Order(),
            items.Select(i => i.Id).Order());
        Assert.NotEmpty(items);
    }

    [Fact]
    public async Task List_UnitRoleAskingForAnotherUnit_SeesOnlyItsOwnAndIsTold()
    {
        var w = await WorldAsync();

        var page = await w.Queries.ListAsync(w.OfficerA, new MatterFilter { UnitId = w.UnitB });
        var all = await AllPagesAsync(w.Queries, w.OfficerA, new MatterFilter());

        Assert.Contains(page.Notes, n => n.Contains("本单位", StringComparison.Ordinal));
        Assert.All(page.Items, i => Assert.Equal("县住建局", i.Unit));
        Assert.Equal(w.Rows.Where(r => r.Unit == w.UnitA).Select(r => r.Id).Order(), all.Select(i => i.Id).Order());
    }

    public static TheoryData<string> Sorts => [.. MatterSort.Labels.Codes];

    /// <summary>What each order means, written out independently of the SQL.</summary>
    static IEnumerable<MatterListItem> Expected(IEnumerable<MatterListItem> items, string sort) => sort switch
    {
        MatterSort.Oldest => items.OrderBy(i => i.ReceivedAt).ThenBy(i => i.Id),
        MatterSort.Due => items.OrderBy(i => i.DueAt ?? DateTime.MaxValue).ThenBy(i => i.Id),
        MatterSort.Code => items.OrderBy(i => i.Code, StringComparer.Ordinal),
        _ => items.OrderByDescending(i => i.ReceivedAt).ThenByDescending(i => i.Id),
    };

    async Task WithDueClocksAsync(World w)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        for (var i = 0; i < Count; i += 3)
        {
            await ClockAsync(connection, w.Rows[i], ClockKind.Handling, Beijing(2026, 4, 1).AddDays(-(i % 9)));
        }
    }

    [Theory]
    [MemberData(nameof(Sorts))]
    public async Task Paging_UnderEachSort_WalksEveryMatterOnceInOrderAndBackAgain(string sort)
    {
        var w = await WorldAsync();
        await WithDueClocksAsync(w);
        var filter = new MatterFilter { Sort = sort };

        var pages = new List<MatterPage> { await w.Queries.ListAsync(w.Director, filter) };
        while (pages[^1].Next is { } next && pages.Count <= 3)
        {
            pages.Add(await w.Queries.ListAsync(w.Director, filter with { After = MatterCursor.Parse(next, sort) }));
        }

        var walked = pages.SelectMany(p => p.Items).ToList();
        Assert.Equal([25, 25, 10], pages.Select(p => p.Items.Count));
        Assert.Equal(Expected(walked, sort).Select(i => i.Id), walked.Select(i => i.Id));
        Assert.Equal(w.Rows.Select(r => r.Id).Order(), walked.Select(i => i.Id).Order());

        // Back from the last page by the previous-page cursors: the same pages, the same rows.
        var back = pages[^1];
        for (var p = pages.Count - 2; p >= 0; p--)
        {
            back = await w.Queries.ListAsync(w.Director, filter with { Before = MatterCursor.Parse(back.Previous, sort) });
            Assert.Equal(pages[p].Items.Select(i => i.Id), back.Items.Select(i => i.Id));
        }

        Assert.Null(back.Previous);
    }

    [Theory]
    [MemberData(nameof(Sorts))]
    public async Task Paging_ReceivedRangeUnderEachSort_WalksExactlyTheRangeInOrder(string sort)
    {
        var w = await WorldAsync();
        await WithDueClocksAsync(w);
        var filter = new MatterFilter { Sort = sort, From = new DateOnly(2026, 1, 4), To = new DateOnly(2026, 1, 20) };

        var walked = await AllPagesAsync(w.Queries, w.Director, filter);
        var jumped = await w.Queries.ListAsync(w.Director, filter with { Page = 2 });

        Assert.Equal(w.Rows.Where(r => r.Received >= Beijing(2026, 1, 4, 0) && r.Received < Beijing(2026, 1, 21, 0)).Select(r => r.Id).Order(),
            walked.Select(i => i.Id).Order());
        Assert.Equal(Expected(walked, sort).Select(i => i.Id), walked.Select(i => i.Id));
        Assert.Equal(walked.Skip(25).Select(i => i.Id), jumped.Items.Select(i => i.Id));
    }

    [Theory]
    [MemberData(nameof(Sorts))]
    public async Task PageJump_ByNumberAndLast_GivesTheSamePagesAsTheCursors(string sort)
    {
        var w = await WorldAsync();
        await WithDueClocksAsync(w);
        var filter = new MatterFilter { Sort = sort };
        var first = await w.Queries.ListAsync(w.Director, filter);
        var second = await w.Queries.ListAsync(w.Director, filter with { After = MatterCursor.Parse(first.Next, sort) });

        var jumped = await w.Queries.ListAsync(w.Director, filter with { Page = 2 });
        var last = await w.Queries.ListAsync(w.Director, filter with { Last = true });

        Assert.Equal(second.Items.Select(i => i.Id), jumped.Items.Select(i => i.Id));
        Assert.Equal(2, jumped.Number);
        Assert.Equal(first.Items.Select(i => i.Id), (await w.Queries.ListAsync(w.Director, filter with { Before = MatterCursor.Parse(jumped.Previous, sort) })).Items.Select(i => i.Id));
        Assert.Equal(3, last.Number);
        Assert.Equal(10, last.Items.Count);
        Assert.Null(last.Next);
        Assert.Equal(3, last.JumpablePages);
    }

    [Fact]
    public async Task PageJump_BeyondTheLastPage_ShowsTheLastPageAndSaysSo()
    {
        var w = await WorldAsync();

        var page = await w.Queries.ListAsync(w.Director, new MatterFilter { Page = 99999 });

        Assert.Equal(3, page.Number);
        Assert.Equal(10, page.Items.Count);
        Assert.Contains(page.Notes, n => n.Contains("共 3 页", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SortByDue_CountsOnlyRunningUnpausedOfficeClocks_AndFollowsClockChanges()
    {
        var w = await WorldAsync();
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var soon = Beijing(2026, 2, 1);
        await ClockAsync(connection, w.Rows[1], ClockKind.Handling, soon.AddDays(5));
        await ClockAsync(connection, w.Rows[1], ClockKind.FirstContact, soon.AddDays(2));
        await ClockAsync(connection, w.Rows[2], ClockKind.ReviewRequest, soon);                        // the petitioner's window: not the office's
        await ClockAsync(connection, w.Rows[3], ClockKind.Handling, soon.AddDays(-10), stopped: true); // stopped: no longer due
        var paused = await ClockAsync(connection, w.Rows[4], ClockKind.ReReviewDecision, soon.AddDays(1));
        await connection.ExecuteAsync("INSERT INTO clock_pause (clock_id, reason, paused_at) VALUES (@paused, 'hearing', now())", new { paused });
        await ClockAsync(connection, w.Rows[5], ClockKind.Supervision, soon.AddDays(3));

        var page = await w.Queries.ListAsync(w.Director, new MatterFilter { Sort = MatterSort.Due });

        Assert.Equal([w.Rows[1].Id, w.Rows[5].Id], page.Items.Take(2).Select(i => i.Id));
        Assert.Equal(soon.AddDays(2).UtcDateTime, page.Items[0].DueAt);
        Assert.All(page.Items.Skip(2), i => Assert.Null(i.DueAt));
        Assert.Equal(Expected(page.Items, MatterSort.Due).Select(i => i.Id), page.Items.Select(i => i.Id));

        // The first-contact clock stops, the hearing ends: the due date follows without anyone asking for it.
        await connection.ExecuteAsync("""
            UPDATE matter_clock SET stopped_at = now(), result = 'met', alert_state = 'stopped'
            WHERE matter_id = @Id AND rule_id = (SELECT id FROM deadline_rule WHERE code = 'first_contact' AND version = 1)
            """, new { w.Rows[1].Id });
        await connection.ExecuteAsync("UPDATE clock_pause SET resumed_at = now() WHERE clock_id = @paused", new { paused });

        var after = await w.Queries.ListAsync(w.Director, new MatterFilter { Sort = MatterSort.Due });

        Assert.Equal([w.Rows[4].Id, w.Rows[5].Id, w.Rows[1].Id], after.Items.Take(3).Select(i => i.Id));
        Assert.Equal(soon.AddDays(5).UtcDateTime, after.Items[2].DueAt);
    }

    [Fact]
    public async Task List_OverTheCountCap_JumpsWithinTheCapAndReachesTheEndBackwards()
    {
        var floor = await FloorScenario.CreateAsync(db.DataSource);
        await using (var connection = await db.DataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("""
                INSERT INTO matter (center_id, code, source, category, summary, status, received_at)
                SELECT @CenterId, 'XF' || lpad(n::text, 8, '0'), 'letter', 'other', '测试事项', 'registered', '2025-01-01'::timestamptz + n * interval '1 minute'
                FROM generate_series(1, @rows) AS n
                """, new { floor.CenterId, rows = MatterPage.CountLimit + 30 });
        }

        var queries = new MatterQueries(db.DataSource, FloorScenario.Protector);
        var director = Actor.Center(floor.ClerkId, floor.CenterId, Roles.Director);

        var far = await queries.ListAsync(director, new MatterFilter { Page = 99999 });
        var last = await queries.ListAsync(director, new MatterFilter { Last = true });

        Assert.True(far.TotalCapped);
        Assert.Equal(400, far.JumpablePages);
        Assert.Equal(400, far.Number);
        Assert.Contains(far.Notes, n => n.Contains("最多可跳到第 400 页", StringComparison.Ordinal));
        Assert.Null(last.Number);
        Assert.Equal("XF00000001", last.Items[^1].Code);
        Assert.Null(last.Next);
        Assert.NotNull(last.Previous);
    }

    [Theory]
    [InlineData("page", "abc", "页码“abc”无效")]
    [InlineData("page", "0", "页码“0”无效")]
    [InlineData("sort", "received_at; DROP TABLE matter", "排序方式")]
    [InlineData("status", "open", "状态“open”无效")]
    [InlineData("unit", "abc", "责任单位无效")]
    [InlineData("from", "2026-02-30", "起始日期“2026-02-30”无效")]
    [InlineData("to", "yesterday", "截止日期“yesterday”无效")]
    [InlineData("after", "n123-456", "翻页位置无效")]
    [InlineData("petitioner", "x", "来访人条件无效")]
    public void Parse_MalformedValue_IsLeftOutWithANote(string key, string value, string note)
    {
        var args = key switch
        {
            "page" => new MatterListArgs(Page: value),
            "sort" => new MatterListArgs(Sort: value),
            "status" => new MatterListArgs(Status: value),
            "unit" => new MatterListArgs(Unit: value),
            "from" => new MatterListArgs(From: value),
            "to" => new MatterListArgs(To: value),
            "after" => new MatterListArgs(After: value),
            _ => new MatterListArgs(Petitioner: value),
        };

        var (filter, notes) = MatterFilter.Parse(args);

        Assert.Contains(notes, n => n.Contains(note, StringComparison.Ordinal));
        Assert.Equal(new MatterFilter(), filter);
    }

    [Fact]
    public void Parse_FromAfterTo_SwapsThemAndSaysSo()
    {
        var (filter, notes) = MatterFilter.Parse(new MatterListArgs(From: "2026-03-01", To: "2026-01-01"));

        Assert.Equal(new DateOnly(2026, 1, 1), filter.From);
        Assert.Equal(new DateOnly(2026, 3, 1), filter.To);
        Assert.Contains("晚于截止日期", Assert.Single(notes), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_CursorOfAnotherSort_IsNotFollowed()
    {
        var cursor = new MatterCursor('n', "1767225600000000", 42).ToString();

        var (same, sameNotes) = MatterFilter.Parse(new MatterListArgs(After: cursor));
        var (other, otherNotes) = MatterFilter.Parse(new MatterListArgs(Sort: MatterSort.Due, After: cursor));

        Assert.Equal(42, same.After!.Id);
        Assert.Empty(sameNotes);
        Assert.Null(other.After);
        Assert.Contains("翻页位置无效", Assert.Single(otherNotes), StringComparison.Ordinal);
    }
}
