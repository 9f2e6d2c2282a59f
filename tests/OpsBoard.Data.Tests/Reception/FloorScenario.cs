using Dapper;
using Npgsql;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Personal;
using OpsBoard.Data.Reception;

namespace OpsBoard.Data.Tests.Reception;

/// <summary>
/// A small center of its own inside the class database: two service lines (A reception, B a department's joint
/// window), three windows, one waiting area of ten seats, one clerk. Each test builds its own, so none shares a queue.
/// </summary>
public sealed class FloorScenario
{
    static int counter;

    public required int CenterId { get; init; }
    public required int ClerkId { get; init; }
    public required int OtherClerkId { get; init; }
    public required int LineA { get; init; }
    public required int LineB { get; init; }
    public required int Window1 { get; init; }
    public required int Window2 { get; init; }
    public required int WindowB { get; init; }
    public required int AreaId { get; init; }
    public required TestClock Clock { get; init; }
    public required NpgsqlDataSource DataSource { get; init; }
    public required VisitRegistry Registry { get; init; }
    public required TicketStore Tickets { get; init; }
    public required FloorQueries Floor { get; init; }
    public required FloorStore Store { get; init; }
    public required WindowQueries Windows { get; init; }

    public static readonly PersonalDataProtector Protector = new(Convert.FromBase64String(TestCluster.PersonalDataKey));

    /// <summary>A new center on its own clock: a working Monday morning unless the test starts elsewhere in the calendar.</summary>
    public static async Task<FloorScenario> CreateAsync(NpgsqlDataSource dataSource, TestClock? startingAt = null)
    {
        var n = Interlocked.Increment(ref counter);
        var code = $"f{n}-{Guid.NewGuid():N}"[..12];
        var clock = startingAt ?? TestClock.WorkingMorning();
        await using var connection = await dataSource.OpenConnectionAsync();
        var centerId = await connection.ExecuteScalarAsync<int>(
            "INSERT INTO center (code, name, county) VALUES (@code, '测试中心', '测试县') RETURNING id", new { code });
        var unitId = await connection.ExecuteScalarAsync<int>(
            "INSERT INTO unit (center_id, kind, code, name) VALUES (@centerId, 'department', 'dept-zjj', '县住建局') RETURNING id", new { centerId });
        var users = new UserStore(dataSource, clock);
        var clerk = await users.CreateAsync(connection, null, centerId, new NewUser($"c{code}", "窗口一", "x-password-1", [(Roles.Clerk, null)]));
        var other = await users.CreateAsync(connection, null, centerId, new NewUser($"o{code}", "窗口二", "x-password-1", [(Roles.Clerk, null)]));
        var lineA = await connection.ExecuteScalarAsync<int>(
            "INSERT INTO service_line (center_id, code, name, kind) VALUES (@centerId, 'A', '综合接待', 'reception') RETURNING id", new { centerId });
        var lineB = await connection.ExecuteScalarAsync<int>(
            "INSERT INTO service_line (center_id, code, name, kind, unit_id) VALUES (@centerId, 'B', '住建', 'joint', @unitId) RETURNING id", new { centerId, unitId });
        async Task<int> WindowAsync(string windowCode, string kind, int line)
        {
            var id = await connection.ExecuteScalarAsync<int>(
                "INSERT INTO service_window (center_id, code, name, kind) VALUES (@centerId, @windowCode, @name, @kind) RETURNING id",
                new { centerId, windowCode, name = windowCode + "号窗口", kind });
            await connection.ExecuteAsync("INSERT INTO window_line (window_id, service_line_id) VALUES (@id, @line)", new { id, line });
            return id;
        }

        var window1 = await WindowAsync("1", "reception", lineA);
        var window2 = await WindowAsync("2", "reception", lineA);
        var windowB = await WindowAsync("8", "joint", lineB);
        var areaId = await connection.ExecuteScalarAsync<int>(
            "INSERT INTO waiting_area (center_id, name, seats) VALUES (@centerId, '一楼候访区', 10) RETURNING id", new { centerId });
        return new FloorScenario
        {
            CenterId = centerId, ClerkId = clerk, OtherClerkId = other, LineA = lineA, LineB = lineB,
            Window1 = window1, Window2 = window2, WindowB = windowB, AreaId = areaId, Clock = clock, DataSource = dataSource,
            Registry = new VisitRegistry(dataSource, Protector,
                new OpsBoard.Data.Matters.MatterIntake(dataSource, Protector, new OpsBoard.Data.Matters.MatterClocks(new OpsBoard.Data.Calendar.CalendarStore(dataSource)), clock), clock),
            Tickets = new TicketStore(dataSource, clock),
            Floor = new FloorQueries(dataSource, clock),
            Store = new FloorStore(dataSource, clock),
            Windows = new WindowQueries(dataSource, new OpsBoard.Data.Personal.PetitionerCards(dataSource, Protector), clock),
        };
    }

    static int idCounter;

    /// <summary>A fresh valid ID number each call (GB 11643 check character computed).</summary>
    public static string NewIdNumber()
    {
        var serial = Interlocked.Increment(ref idCounter) % 1000;
        var first17 = $"33069919800101{serial:000}";
        return first17 + ChineseIdNumber.CheckCharacterOf(first17);
    }

    public RegisterVisit Visit(int? line = null, int headcount = 1, bool priority = false, string? reason = null) => new()
    {
        CenterId = CenterId,
        UserId = ClerkId,
        RequestKey = Guid.NewGuid(),
        Principal = new Visitor("张三", NewIdNumber(), "13800000000"),
        Headcount = headcount,
        Category = "urban_construction",
        Summary = "小区加装电梯纠纷",
        ServiceLineId = line ?? LineA,
        Priority = priority,
        PriorityReason = reason,
    };

    /// <summary>Registers a visit one minute after the previous one.</summary>
    public async Task<Registered> ArriveAsync(int? line = null, int headcount = 1, bool priority = false, string? reason = null)
    {
        Clock.Advance(TimeSpan.FromMinutes(1));
        return await Registry.RegisterAsync(Visit(line, headcount, priority, reason));
    }

    /// <summary>A new account of this center holding one role (a unit role for its unit), under a login unique to the run.</summary>
    public async Task<int> AccountAsync(string name, string role, int? unitId)
    {
        var login = $"u{Interlocked.Increment(ref counter)}-{Guid.NewGuid():N}"[..20];
        await using var connection = await DataSource.OpenConnectionAsync();
        return await new UserStore(DataSource, Clock).CreateAsync(connection, null, CenterId, new NewUser(login, name, "x-password-1", [(role, unitId)]));
    }
}
