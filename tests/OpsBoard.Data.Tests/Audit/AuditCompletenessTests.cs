using System.Net;
using Dapper;
using Microsoft.Extensions.Options;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Audit;
using OpsBoard.Data.Calendar;
using OpsBoard.Data.Duty;
using OpsBoard.Data.Emergency;
using OpsBoard.Data.Notices;
using OpsBoard.Data.Personal;
using OpsBoard.Data.Reception;
using OpsBoard.Data.Screens;
using OpsBoard.Data.Slips;
using OpsBoard.Data.Tests.Reception;

namespace OpsBoard.Data.Tests.Audit;

/// <summary>
/// Every kind of action the operation log must hold (issue 13 item 11: registration, desk search, ticket and window
/// actions, personal-data reveal, login and logout, refusals, settings) is taken once through the domain code, and each
/// must have left its row, with who did it. Job pause and resume are proved in the web tests (JobsPageTests), page
/// refusals in AuditPageTests.
/// </summary>
public sealed class AuditCompletenessTests(DemoDatabaseFixture db) : IClassFixture<DemoDatabaseFixture>
{
    static readonly IPAddress Address = IPAddress.Parse("10.1.2.3");

    public static readonly string[] Expected =
    [
        "visit.register", "desk.search", "window.sign_in", "ticket.called", "ticket.recalled", "ticket.serving", "ticket.on_hold",
        "petitioner.reveal_id_number", "ticket.transferred", "ticket.done", "ticket.requeued", "ticket.no_show", "window.taken_over",
        "window.sign_out", "floor.people_left", "account.sign_in", "account.sign_out", "may.administer",
        "rule.revise", "calendar.load", "user.created", "device.create", "device.revoke", "slip_rule.revise", "emergency.kind_saved",
        "duty.assigned", "period.added", "audit.retention_set", "audit.search", "audit.export",
    ];

    [Fact]
    public async Task EveryAuditedAction_WritesItsRowWithTheActor()
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var mark = await connection.ExecuteScalarAsync<long>("SELECT coalesce(max(id), 0) FROM audit_log");
        var written = new List<(string Action, int? UserId)>();

        // The floor: registration, desk search, window and ticket actions, reveal, departures.
        var s = await FloorScenario.CreateAsync(db.DataSource);
        var clerk = Actor.Center(s.ClerkId, s.CenterId, Roles.Clerk);
        var cards = new PetitionerCards(db.DataSource, FloorScenario.Protector);
        var first = await s.ArriveAsync();
        var second = await s.ArriveAsync();
        var third = await s.ArriveAsync();
        await new DeskQueries(db.DataSource, FloorScenario.Protector, cards).FindAsync(clerk, null, "张三", null, default, Address);
        await s.Tickets.SignInWindowAsync(s.CenterId, s.Window1, s.ClerkId);
        var called = await s.Tickets.CallNextAsync(s.CenterId, s.Window1, s.ClerkId);
        Assert.Equal(first.TicketId, called!.Id);
        await s.Tickets.RecallAsync(s.CenterId, called.Id, s.ClerkId);
        await s.Tickets.StartServiceAsync(s.CenterId, called.Id, s.ClerkId);
        await s.Tickets.HoldAsync(s.CenterId, called.Id, s.ClerkId);
        await s.Tickets.StartServiceAsync(s.CenterId, called.Id, s.ClerkId);
        await cards.RevealForTicketAsync(clerk, called.Id, Address);
        await s.Tickets.TransferAsync(s.CenterId, called.Id, s.ClerkId, s.LineB, null, Placement.Back);
        var next = await s.Tickets.CallNextAsync(s.CenterId, s.Window1, s.ClerkId);
        await s.Tickets.StartServiceAsync(s.CenterId, next!.Id, s.ClerkId);
        await s.Tickets.FinishAsync(s.CenterId, next.Id, s.ClerkId, VisitOutcome.ResolvedOnSpot, null);
        var absent = await s.Tickets.CallNextAsync(s.CenterId, s.Window1, s.ClerkId);
        await s.Tickets.NoShowAsync(s.CenterId, absent!.Id, s.ClerkId);
        absent = await s.Tickets.CallNextAsync(s.CenterId, s.Window1, s.ClerkId);
        await s.Tickets.NoShowAsync(s.CenterId, absent!.Id, s.ClerkId);
        await s.Tickets.SignInWindowAsync(s.CenterId, s.Window1, s.OtherClerkId, takeOver: true);
        await s.Tickets.SignOutWindowAsync(s.CenterId, s.Window1, s.OtherClerkId);
        await s.Store.RecordLeavingAsync(s.CenterId, s.AreaId, 1, s.ClerkId);
        Assert.NotEqual(0, second.TicketId + third.TicketId);

        // Accounts: a wrong and a right password, a session ended by signing out, a refusal by the matrix.
        var users = new UserStore(db.DataSource, TimeProvider.System);
        var clerkLogin = await connection.ExecuteScalarAsync<string>("SELECT login FROM app_user WHERE id = @ClerkId", new { s.ClerkId });
        Assert.Equal(SignInStatus.Failed, (await users.SignInAsync(clerkLogin!, "wrong-password", Address)).Status);
        var signedIn = await users.SignInAsync(clerkLogin!, "x-password-1", Address);
        Assert.Equal(SignInStatus.Succeeded, signedIn.Status);
        var sessions = new SessionStore(db.DataSource, TimeProvider.System, Options.Create(new OpsBoardOptions()));
        var session = await sessions.StartAsync(signedIn.User!, Address);
        await sessions.EndAsync(session, "sign_out", Address);
        await Assert.ThrowsAsync<ForbiddenException>(() =>
            PermissionGuard.RequireAsync(db.DataSource, clerk, Permission.Administer, null, "settings", null, "系统设置"));

        // Settings, by the demo admin (and the auditor for the log's own retention).
        var (adminId, centerId) = await connection.QuerySingleAsync<(int, int)>("SELECT id, center_id FROM app_user WHERE login = 'admin'");
        var admin = Actor.Center(adminId, centerId, Roles.Admin);
        var today = ChinaTime.Today(TimeProvider.System);
        await OpsBoard.Data.Matters.DeadlineRules.ReviseAsync(db.DataSource, "supervision", 7, "calendar", 0, "审计测试", today.AddDays(30), adminId, today);
        var store = new CalendarStore(db.DataSource);
        var loaded = await new CalendarLoader(db.DataSource, store, new CalendarCoverage(store, new SystemNotices(db.DataSource), TimeProvider.System), TimeProvider.System)
            .LoadAsync(2099, "date,kind,name\n2099-01-01,holiday,元旦\n", "", adminId);
        Assert.True(loaded.Loaded, string.Join("；", loaded.Errors));
        await new UserAdmin(db.DataSource, TimeProvider.System).CreateAsync(admin, "u" + Guid.NewGuid().ToString("N")[..8], "新同事", Roles.Clerk, null, Address);
        var devices = new DeviceTokens(db.DataSource);
        var (device, _) = await devices.CreateAsync(centerId, "审计测试屏", adminId);
        await devices.RevokeAsync(centerId, device.Id, adminId);
        var slipRules = new SlipRules(db.DataSource, TimeProvider.System);
        var rule = (await slipRules.AllAsync())[0];
        await slipRules.ReviseAsync(admin, rule.Trigger, rule.Threshold + 1, "审计测试", today.AddDays(1));
        var emergency = new EmergencySettings(db.DataSource, TimeProvider.System);
        var kind = (await emergency.KindsAsync())[0];
        await emergency.SaveKindAsync(admin, kind.Code, kind.AckWithinMinutes, kind.MustReport, kind.ReportWithinMinutes, kind.Roles);
        var rota = new DutyRota(db.DataSource, store, TimeProvider.System);
        var leader = (await rota.LeadersAsync(centerId))[0];
        var workday = (await rota.WeekAsync(centerId, today.AddDays(14))).Days.First(d => d.Day > today);
        await rota.AssignAsync(admin, new Dictionary<DateOnly, int?> { [workday.Day] = leader.UserId });
        await new SensitivePeriods(db.DataSource, TimeProvider.System).AddAsync(admin,
            new SensitivePeriodInput("审计测试期间", today.AddDays(40), today.AddDays(42), null));
        var auditorId = await connection.ExecuteScalarAsync<int>("SELECT id FROM app_user WHERE login = 'auditor'");
        var auditor = Actor.Center(auditorId, centerId, Roles.Auditor);
        await new AuditRetention(db.DataSource).SetAsync(auditor, 400, Address);
        var queries = new AuditQueries(db.DataSource);
        await queries.SearchAsync(auditor, new AuditFilter(Action: "ticket."), null, Address);
        await queries.ExportCsvAsync(auditor, new AuditFilter(Action: "ticket."), new MemoryStream(), Address);

        var rows = (await connection.QueryAsync<(string Action, int? UserId)>(
            "SELECT action, user_id FROM audit_log WHERE id > @mark", new { mark })).ToList();
        var missing = Expected.Where(a => !rows.Any(r => r.Action == a && r.UserId is not null)).ToList();
        Assert.True(missing.Count == 0, "No audit row with its actor for: " + string.Join(", ", missing));
        Assert.Contains(rows, r => r.Action == "account.sign_in" && r.UserId == s.ClerkId);
        Assert.Equal(2, rows.Count(r => r.Action == "account.sign_in" && r.UserId == s.ClerkId));
        Assert.All(Expected, a => Assert.NotEqual(a, AuditActions.Label(a)));
    }
}
