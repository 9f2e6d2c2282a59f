using Dapper;
using OpsBoard.Data.Reception;

namespace OpsBoard.Data.Tests.Reception;

public sealed class TicketStoreTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    async Task<FloorScenario> FloorAsync()
    {
        var floor = await FloorScenario.CreateAsync(db.DataSource);
        await floor.Tickets.SignInWindowAsync(floor.CenterId, floor.Window1, floor.ClerkId);
        return floor;
    }

    [Fact]
    public async Task RegisterAsync_TicketsNumberedPerLinePerDay()
    {
        var floor = await FloorAsync();

        var a1 = await floor.ArriveAsync();
        var a2 = await floor.ArriveAsync();
        var b1 = await floor.ArriveAsync(floor.LineB);
        floor.Clock.Advance(TimeSpan.FromDays(1));
        var nextDay = await floor.ArriveAsync();

        Assert.Equal(["A001", "A002", "B001", "A001"], new[] { a1.Number, a2.Number, b1.Number, nextDay.Number });
    }

    [Fact]
    public async Task SignOutWindowAsync_TicketStillCalled_IsRefusedAndTheWindowStaysOpen()
    {
        var floor = await FloorAsync();
        var arrived = await floor.ArriveAsync();
        await floor.Tickets.CallNextAsync(floor.CenterId, floor.Window1, floor.ClerkId);

        var refused = await Assert.ThrowsAsync<FloorException>(() => floor.Tickets.SignOutWindowAsync(floor.CenterId, floor.Window1, floor.ClerkId));
        var next = await floor.Tickets.CallNextAsync(floor.CenterId, floor.Window1, floor.ClerkId).ContinueWith(t => t.Exception?.InnerException);

        Assert.Contains(arrived.Number, refused.Message);
        Assert.IsType<FloorException>(next); // still signed in, still busy with the called ticket
    }

    [Fact]
    public async Task RegisterAsync_SameFormTwice_CreatesOneVisit()
    {
        var floor = await FloorAsync();
        var visit = floor.Visit();

        var first = await floor.Registry.RegisterAsync(visit);
        var second = await floor.Registry.RegisterAsync(visit);

        Assert.Equal(first.VisitId, second.VisitId);
        Assert.Equal(first.Number, second.Number);
        Assert.True(second.Repeated);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM visit WHERE request_key = @RequestKey", new { visit.RequestKey }));
    }

    [Fact]
    public async Task CallNextAsync_GreenChannelFirstThenArrivalOrder()
    {
        var floor = await FloorAsync();
        await floor.ArriveAsync();                                      // A001
        await floor.ArriveAsync();                                      // A002
        await floor.ArriveAsync(priority: true, reason: "82岁老人");     // A003, green channel
        await floor.ArriveAsync(floor.LineB);                           // B001, not served by window 1

        var order = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var called = await floor.Tickets.CallNextAsync(floor.CenterId, floor.Window1, floor.ClerkId);
            if (called is null)
            {
                break;
            }

            order.Add(called.Number);
            await floor.Tickets.StartServiceAsync(floor.CenterId, called.Id, floor.ClerkId);
            await floor.Tickets.FinishAsync(floor.CenterId, called.Id, floor.ClerkId, "resolved_on_spot", null);
        }

        Assert.Equal(["A003", "A001", "A002"], order);
    }

    [Fact]
    public async Task CallNextAsync_WindowNobodySignedInTo_IsRefusedAndChangesNothing()
    {
        var floor = await FloorAsync();
        await floor.ArriveAsync();

        var error = await Assert.ThrowsAsync<FloorException>(() => floor.Tickets.CallNextAsync(floor.CenterId, floor.Window2, floor.ClerkId));

        Assert.Contains("无人签到", error.Message);
        Assert.Equal(1, (await floor.Floor.QueuesAsync(floor.CenterId)).Single(q => q.Code == "A").Waiting);
    }

    [Fact]
    public async Task CallNextAsync_WindowSignedInByAnother_IsRefused()
    {
        var floor = await FloorAsync();
        await floor.ArriveAsync();

        var error = await Assert.ThrowsAsync<FloorException>(() => floor.Tickets.CallNextAsync(floor.CenterId, floor.Window1, floor.OtherClerkId));

        Assert.Contains("其他工作人员", error.Message);
    }

    [Fact]
    public async Task NoShowAsync_FirstTimeRequeuesAtTheEnd_SecondTimeCloses()
    {
        var floor = await FloorAsync();
        var first = await floor.ArriveAsync();
        await floor.ArriveAsync();

        var called = await floor.Tickets.CallNextAsync(floor.CenterId, floor.Window1, floor.ClerkId);
        floor.Clock.Advance(TimeSpan.FromMinutes(2));
        var requeued = await floor.Tickets.NoShowAsync(floor.CenterId, called!.Id, floor.ClerkId);
        var next = await floor.Tickets.CallNextAsync(floor.CenterId, floor.Window1, floor.ClerkId);
        await floor.Tickets.StartServiceAsync(floor.CenterId, next!.Id, floor.ClerkId);
        await floor.Tickets.FinishAsync(floor.CenterId, next.Id, floor.ClerkId, "resolved_on_spot", null);
        var again = await floor.Tickets.CallNextAsync(floor.CenterId, floor.Window1, floor.ClerkId);
        var closed = await floor.Tickets.NoShowAsync(floor.CenterId, again!.Id, floor.ClerkId);

        Assert.Equal(first.TicketId, called.Id);
        Assert.Equal("waiting", requeued.State);
        Assert.Equal("A002", next.Number);
        Assert.Equal(first.TicketId, again.Id);
        Assert.Equal("no_show", closed.State);
    }

    [Fact]
    public async Task FinishAsync_TicketAlreadyDone_IsRefused()
    {
        var floor = await FloorAsync();
        await floor.ArriveAsync();
        var called = await floor.Tickets.CallNextAsync(floor.CenterId, floor.Window1, floor.ClerkId);
        await floor.Tickets.StartServiceAsync(floor.CenterId, called!.Id, floor.ClerkId);
        await floor.Tickets.FinishAsync(floor.CenterId, called.Id, floor.ClerkId, "resolved_on_spot", "satisfied");

        var error = await Assert.ThrowsAsync<FloorException>(() =>
            floor.Tickets.FinishAsync(floor.CenterId, called.Id, floor.ClerkId, "resolved_on_spot", null));

        Assert.Contains("接待完毕", error.Message);
    }

    [Fact]
    public async Task Periods_EveryStateKeepsItsOwnTimestamps()
    {
        var floor = await FloorAsync();
        var ticket = await floor.ArriveAsync();
        floor.Clock.Advance(TimeSpan.FromMinutes(5));
        await floor.Tickets.CallNextAsync(floor.CenterId, floor.Window1, floor.ClerkId);
        floor.Clock.Advance(TimeSpan.FromMinutes(1));
        await floor.Tickets.StartServiceAsync(floor.CenterId, ticket.TicketId, floor.ClerkId);
        floor.Clock.Advance(TimeSpan.FromMinutes(2));
        await floor.Tickets.HoldAsync(floor.CenterId, ticket.TicketId, floor.ClerkId);
        floor.Clock.Advance(TimeSpan.FromMinutes(3));
        await floor.Tickets.StartServiceAsync(floor.CenterId, ticket.TicketId, floor.ClerkId);
        floor.Clock.Advance(TimeSpan.FromMinutes(4));
        await floor.Tickets.FinishAsync(floor.CenterId, ticket.TicketId, floor.ClerkId, "handed_to_unit", null);

        await using var connection = await db.DataSource.OpenConnectionAsync();
        var periods = (await connection.QueryAsync<(string State, double Minutes)>("""
            SELECT state, extract(epoch FROM ended_at - started_at) / 60
            FROM ticket_period
            WHERE ticket_id = @TicketId
            ORDER BY started_at
            """, new { ticket.TicketId })).ToList();
        Assert.Equal([("waiting", 5.0), ("called", 1.0), ("serving", 2.0), ("on_hold", 3.0), ("serving", 4.0)], periods);
    }

    [Theory]
    [InlineData(Placement.Front, "A001")]
    [InlineData(Placement.Back, "B001")]
    [InlineData(Placement.ByWaitingTime, "A001")]
    public async Task TransferAsync_ToDepartment_PlacesTheNewTicketAsAsked(Placement placement, string firstCalledAtB)
    {
        var floor = await FloorAsync();
        await floor.Tickets.SignInWindowAsync(floor.CenterId, floor.WindowB, floor.OtherClerkId);
        var early = await floor.ArriveAsync();           // A001, arrives before the B tickets
        await floor.ArriveAsync(floor.LineB);            // B001
        await floor.ArriveAsync(floor.LineB);            // B002
        var called = await floor.Tickets.CallNextAsync(floor.CenterId, floor.Window1, floor.ClerkId);
        await floor.Tickets.StartServiceAsync(floor.CenterId, called!.Id, floor.ClerkId);
        floor.Clock.Advance(TimeSpan.FromMinutes(1));

        var moved = await floor.Tickets.TransferAsync(floor.CenterId, early.TicketId, floor.ClerkId, floor.LineB, null, placement);
        var next = await floor.Tickets.CallNextAsync(floor.CenterId, floor.WindowB, floor.OtherClerkId);

        Assert.Equal("A001", moved.Number);
        Assert.Equal(firstCalledAtB, next!.Number);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.Equal("transferred", await connection.ExecuteScalarAsync<string>("SELECT state FROM ticket WHERE id = @TicketId", new { early.TicketId }));
    }

    [Fact]
    public async Task TransferAsync_ToWindowNotServingTheLine_IsRefused()
    {
        var floor = await FloorAsync();
        var ticket = await floor.ArriveAsync();
        await floor.Tickets.CallNextAsync(floor.CenterId, floor.Window1, floor.ClerkId);

        var error = await Assert.ThrowsAsync<FloorException>(() =>
            floor.Tickets.TransferAsync(floor.CenterId, ticket.TicketId, floor.ClerkId, floor.LineB, floor.Window2, Placement.Back));

        Assert.Contains("转窗口目标无效", error.Message);
    }

    [Fact]
    public async Task WaitingArea_ServingStartsEmptiesIt_TransferRefillsIt()
    {
        var floor = await FloorAsync();
        var ticket = await floor.ArriveAsync(headcount: 3);
        await floor.Tickets.CallNextAsync(floor.CenterId, floor.Window1, floor.ClerkId);
        var whileCalled = (await floor.Floor.OccupancyAsync(floor.CenterId)).Single().Present;

        await floor.Tickets.StartServiceAsync(floor.CenterId, ticket.TicketId, floor.ClerkId);
        var whileServed = (await floor.Floor.OccupancyAsync(floor.CenterId)).Single().Present;
        await floor.Tickets.TransferAsync(floor.CenterId, ticket.TicketId, floor.ClerkId, floor.LineB, null, Placement.Back);
        var afterTransfer = (await floor.Floor.OccupancyAsync(floor.CenterId)).Single().Present;

        Assert.Equal([3, 0, 3], new[] { whileCalled, whileServed, afterTransfer });
    }

    [Fact]
    public async Task TransferAsync_KeepsTheNumber_AndTakesNoNumberOfTheNewLine()
    {
        var floor = await FloorAsync();
        var ticket = await floor.ArriveAsync();           // A001
        await floor.ArriveAsync(floor.LineB);             // B001
        await floor.Tickets.CallNextAsync(floor.CenterId, floor.Window1, floor.ClerkId);

        var moved = await floor.Tickets.TransferAsync(floor.CenterId, ticket.TicketId, floor.ClerkId, floor.LineB, null, Placement.Front);
        await floor.Tickets.SignInWindowAsync(floor.CenterId, floor.WindowB, floor.OtherClerkId);
        var calledAtB = await floor.Tickets.CallNextAsync(floor.CenterId, floor.WindowB, floor.OtherClerkId);
        var movedAgain = await floor.Tickets.TransferAsync(floor.CenterId, moved.Id, floor.OtherClerkId, floor.LineA, null, Placement.Back);
        var nextAtB = await floor.ArriveAsync(floor.LineB);

        Assert.Equal(["A001", "A001", "A001"], new[] { moved.Number, calledAtB!.Number, movedAgain.Number });
        Assert.Equal("B002", nextAtB.Number);
    }

    [Fact]
    public async Task SignInWindowAsync_HeldBySomeoneElse_AsksFirstThenTakesOverWithAuditAndNotice()
    {
        var floor = await FloorAsync();
        var arrived = await floor.ArriveAsync();
        await floor.Tickets.CallNextAsync(floor.CenterId, floor.Window1, floor.ClerkId);

        var asked = await Assert.ThrowsAsync<WindowHeldException>(() =>
            floor.Tickets.SignInWindowAsync(floor.CenterId, floor.Window1, floor.OtherClerkId));
        var noticeBefore = await floor.Windows.TakenOverAsync(floor.CenterId, floor.ClerkId);
        await floor.Tickets.SignInWindowAsync(floor.CenterId, floor.Window1, floor.OtherClerkId, takeOver: true);
        var notice = await floor.Windows.TakenOverAsync(floor.CenterId, floor.ClerkId);
        var servedByNewHolder = await floor.Tickets.StartServiceAsync(floor.CenterId, arrived.TicketId, floor.OtherClerkId);

        Assert.Null(noticeBefore);
        Assert.NotNull(notice);
        Assert.Contains(asked.Holder, asked.Message);
        Assert.Null(await floor.Windows.SessionOfAsync(floor.CenterId, floor.ClerkId));
        Assert.Equal(TicketState.Serving, servedByNewHolder.State);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var audited = await connection.ExecuteScalarAsync<int>("""
            SELECT count(*) FROM audit_log
            WHERE action = 'window.taken_over' AND user_id = @OtherClerkId AND subject_id = @Window1
              AND (detail->>'previousUserId')::int = @ClerkId
            """, new { floor.OtherClerkId, floor.Window1, floor.ClerkId });
        Assert.Equal(1, audited);
    }

    [Fact]
    public async Task SignInWindowAsync_AlreadyAtAnotherWindow_IsRefused()
    {
        var floor = await FloorAsync();

        var refused = await Assert.ThrowsAsync<FloorException>(() =>
            floor.Tickets.SignInWindowAsync(floor.CenterId, floor.WindowB, floor.ClerkId));

        Assert.Contains("请先在该窗口签退", refused.Message);
    }
}
