using Dapper;
using Npgsql;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Calendar;
using OpsBoard.Data.Slips;

namespace OpsBoard.Data.Demo;

/// <summary>
/// The demo's warning slips, made by the detector itself and taken through the lifecycle's own steps. The mechanism
/// "starts" four weeks before today: the first sweep is a reconciliation over the whole history (the backlog a new
/// office issues at once), then a sweep a working day. Older slips are answered, signed and closed by their unit's demo
/// accounts (or, for units without one, by simulated steps recorded without a user, as the matter history is); the
/// newest ones are left at each stage, and 城东街道's newest slip is left for <c>officer</c> to answer.
/// </summary>
static class DemoSlips
{
    public static async Task<int> SeedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DemoIds ids, WorkingCalendar calendar, DateTime utcNow)
    {
        var now = new DateTimeOffset(utcNow, TimeSpan.Zero);
        var today = ChinaTime.DayOf(now);
        var officerUnit = ids.Units[DemoCounty.AccountSpecs.First(s => s.Account.Login == "officer").UnitCode!];
        var director = Actor.Center(ids.Users["director"], ids.CenterId, Roles.Director);
        var done = new Dictionary<long, int>();
        var first = true;
        var overdueForOfficer = 0L;
        // Each sweep first takes the earlier slips as far as their units had come by then, so a visit after a close
        // raises a recurrence exactly as the nightly reconciliation would.
        for (var day = today.AddDays(-28); day <= today; day = day.AddDays(1))
        {
            var sweep = ChinaTime.StartOf(day).AddHours(first ? 9 : 8.5).ToUniversalTime();
            if (!calendar.IsWorkingDay(day) || sweep >= now)
            {
                continue;
            }

            await StepUntilAsync(sweep);
            await SlipDetector.DetectAsync(connection, transaction, calendar, sweep, full: first);
            await PackagesAsync(connection, transaction, ids, calendar, director, officerUnit, sweep, now);
            if (first)
            {
                // One slip of the backlog is left unanswered past its 7 working days: the overdue case on the wall and in the inbox.
                overdueForOfficer = await connection.ExecuteScalarAsync<long>(
                    "SELECT coalesce(max(id), 0) FROM warning_slip WHERE unit_id = @officerUnit", new { officerUnit }, transaction);
            }

            first = false;
        }

        await SlipDetector.DetectAsync(connection, transaction, calendar, now, full: false);
        await StepUntilAsync(now);
        return await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM warning_slip WHERE center_id = @CenterId", new { ids.CenterId }, transaction);

        // Steps run in time order across slips, so the watcher's marks before each signature see the world as it was then.
        async Task StepUntilAsync(DateTimeOffset until)
        {
            var open = await connection.QueryAsync<(long Id, int UnitId, DateTime IssuedAt)>(
                "SELECT id, unit_id, issued_at FROM warning_slip WHERE center_id = @CenterId AND closed_at IS NULL ORDER BY id", new { ids.CenterId }, transaction);
            var due = new List<(DateTimeOffset At, long Id, int UnitId, int Step)>();
            foreach (var (id, unitId, issuedAt) in open)
            {
                // Each step a few working days after the last, in office hours; a step whose moment has not come stays undone.
                var stepDay = ChinaTime.DayOf(issuedAt);
                for (var i = 0; i < StepDays.Length; i++)
                {
                    stepDay = calendar.AddWorkingDays(stepDay, StepDays[i] + (int)(id % 2));
                    var at = ChinaTime.StartOf(stepDay).AddHours(10 + id % 6).ToUniversalTime();
                    // 城东街道's slips of the last two weeks wait in its inbox for `officer` to take them on.
                    if (at >= until || id == overdueForOfficer || (unitId == officerUnit && ChinaTime.DayOf(issuedAt) > today.AddDays(-14)))
                    {
                        break;
                    }

                    if (i >= done.GetValueOrDefault(id))
                    {
                        due.Add((at, id, unitId, i));
                    }
                }
            }

            foreach (var (at, id, unitId, step) in due.OrderBy(d => d.At).ThenBy(d => d.Id))
            {
                var slip = await SlipSteps.LockAsync(connection, transaction, ids.CenterId, id);
                var officer = Actor.OfUnit(Account(ids, unitId, Roles.UnitOfficer), ids.CenterId, unitId, Roles.UnitOfficer);
                var leader = Actor.OfUnit(Account(ids, unitId, Roles.UnitLeader), ids.CenterId, unitId, Roles.UnitLeader);
                switch (step)
                {
                    case 0:
                        await SlipSteps.AcknowledgeAsync(connection, transaction, officer, slip, at);
                        break;
                    case 1:
                        await SlipSteps.AnswerAsync(connection, transaction, officer, slip, AnswerFor(id, ChinaTime.DayOf(at)), at);
                        break;
                    case 2:
                        // The signature stops the clock, marked first as the watcher would have by then.
                        await SlipSteps.SignAsync(connection, transaction, leader, slip, at);
                        break;
                    default:
                        await SlipSteps.CloseAsync(connection, transaction, director, slip, at);
                        break;
                }

                done[id] = step + 1;
            }
        }
    }

    /// <summary>
    /// 包案 for 城东街道's leader (<c>leader</c>), through the package's own steps: the first two of its slips (on two
    /// matters) are handed over a working day after the sweep that issued them, while they are open; the first gets
    /// all five duties, a 专题分析会 and a 约访 recorded over the following working days, the second only its first
    /// steps, so the leader's list shows work done and work still to do.
    /// </summary>
    static async Task PackagesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DemoIds ids, WorkingCalendar calendar,
        Actor director, int unitId, DateTimeOffset sweep, DateTimeOffset now)
    {
        var leaderId = Account(ids, unitId, Roles.UnitLeader);
        var leader = Actor.OfUnit(leaderId, ids.CenterId, unitId, Roles.UnitLeader);
        var held = await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM matter_package WHERE leader_id = @leaderId", new { leaderId }, transaction);
        var slips = (await connection.QueryAsync<long>("""
            SELECT DISTINCT ON (s.matter_id) s.id
            FROM warning_slip s
            WHERE s.unit_id = @unitId AND s.closed_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM matter_package p WHERE p.matter_id = s.matter_id)
            ORDER BY s.matter_id, s.id
            """, new { unitId }, transaction)).Order().Take(2 - held).ToList();
        string[][] plans =
        [
            [PackageDuty.Grasp, PackageDuty.Meeting, PackageDuty.Interview, PackageDuty.Persuade, PackageDuty.Resolve, PackageDuty.Pledge, PackageDuty.Educate],
            [PackageDuty.Grasp, PackageDuty.Interview],
        ];
        for (var i = 0; i < slips.Count; i++)
        {
            var slip = await SlipSteps.LockAsync(connection, transaction, ids.CenterId, slips[i]);
            var day = calendar.AddWorkingDays(ChinaTime.DayOf(sweep), 1);
            var assigned = ChinaTime.StartOf(day).AddHours(9).ToUniversalTime();
            if (assigned > now)
            {
                continue;
            }

            var packageId = await PackageSteps.AssignAsync(connection, transaction, director, slip, leaderId,
                "多次来访，由街道分管领导牵头包案化解", assigned);
            var package = await PackageSteps.LockAsync(connection, transaction, ids.CenterId, packageId);
            foreach (var kind in plans[held + i])
            {
                // A working day between entries, never past now.
                day = kind == PackageDuty.Grasp ? day : calendar.AddWorkingDays(day, 1);
                var at = ChinaTime.StartOf(day).AddHours(16).ToUniversalTime();
                if (at > now)
                {
                    break;
                }

                await PackageSteps.RecordAsync(connection, transaction, leader, package, new PackageRecord(kind, day, PackageNotes[kind]), at);
            }
        }
    }

    static readonly Dictionary<string, string> PackageNotes = new()
    {
        [PackageDuty.Grasp] = "调阅全部来访记录和办理材料，走访所在社区，掌握信访人家庭及诉求情况",
        [PackageDuty.Meeting] = "召集街道综治办、社区、相关部门召开专题分析会，查找问题症结，研究化解方案",
        [PackageDuty.Interview] = "主动约访信访人，当面听取诉求，说明政策依据",
        [PackageDuty.Persuade] = "会同社区书记多次上门做思想工作，信访人态度有所缓和",
        [PackageDuty.Resolve] = "协调相关部门落实合理诉求部分，明确办理时限",
        [PackageDuty.Pledge] = "信访人书面承诺问题解决后不再重复上访",
        [PackageDuty.Educate] = "落实网格员每周走访一次，重要节点专人稳控",
    };

    /// <summary>Working days from one step to the next: 签收, 答复, 审签, 办结.</summary>
    static readonly int[] StepDays = [1, 3, 1, 1];

    /// <summary>The unit's demo account holding the role, or 0: a simulated step recorded without a user.</summary>
    static int Account(DemoIds ids, int unitId, string role) =>
        DemoCounty.AccountSpecs.FirstOrDefault(s => s.Role == role && s.UnitCode is not null && ids.Units[s.UnitCode] == unitId) is { } spec
            ? ids.Users[spec.Account.Login]
            : 0;

    static SlipAnswer AnswerFor(long id, DateOnly on) => (id % 3) switch
    {
        0 => new("责任线办会同村干部上门走访，重新核实诉求，情况属实", "前期答复对政策解释不充分，信访人对补偿标准有误解",
            "召开协调会，明确补偿依据并书面答复", "联村干部每周联系一次，重要节点专人跟进", on, "责任线办主任、联村工作组组长"),
        1 => new("调阅原办理材料并约谈信访人，核实工程款拖欠情况", "施工方资金周转困难，前期督促不到位",
            "约谈施工方，明确分期支付时间表", "建立工资支付台账，逐月核对，落实稳控责任人", on, "分管副主任、劳动保障所所长"),
        _ => new("实地查看并走访周边住户，核实反映问题", "部门之间职责交叉，前期处理推诿",
            "明确牵头部门，限期整改到位", "包案领导约访信访人，落实专人稳控", on, "片长、网格员"),
    };
}
