using System.Globalization;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Calendar;
using OpsBoard.Data.Matters;
using OpsBoard.Data.Personal;
using OpsBoard.Data.Reception;

namespace OpsBoard.Data.Demo;

/// <summary>
/// Generates the county's history day by day, one month per chunk: petitioners, cases and their repeat visits,
/// tickets through a queue simulation of each service line, matters with their whole planned lifecycle.
/// Every draw comes from one seeded <see cref="Random"/> in a fixed order, so a seed and a "now" replay exactly.
/// </summary>
sealed class DemoHistory
{
    const int Open = (8 * 60 + 30) * 60;
    const int Close = (17 * 60 + 30) * 60;
    const int SlotSeconds = 30 * 60;
    const int LastArrival = (17 * 60) * 60;
    const int DefaultVisitsPerWorkingDay = 60;
    const int MaxSeq = 999;

    // Half-hour arrival slots from 08:30 to 17:00: a morning peak, a lull over lunch, a smaller afternoon peak.
    static readonly double[] ArrivalSlots = [9, 13, 14, 13, 11, 9, 6, 4, 4, 6, 8, 8, 7, 6, 5, 4, 2];

    static readonly string[] PhonePrefixes = ["13", "15", "18", "17", "19", "16", "14"];
    static readonly double[] PhonePrefixWeights = [30, 28, 22, 8, 7, 3, 2];
    static readonly string[] NotAcceptedReasons =
    [
        "已经或者依法应当通过诉讼途径解决，不予受理",
        "属于劳动仲裁受理范围，已引导申请仲裁",
        "同一事项已复核终结，不再受理",
        "已由其他机关受理，正在办理中",
    ];

    static readonly string[] ReturnReasons =
    [
        "该事项属属地管理，非本单位职责",
        "涉及行业主管部门职责，建议改交县直部门",
        "信访人所在村（社区）不属本辖区",
    ];

    readonly Random random;
    readonly DemoIds ids;
    readonly WorkingCalendar calendar;
    readonly DemoRules rules;
    readonly DemoNames names;
    readonly DateTime now;
    readonly DateOnly today;
    readonly int nowSecond;
    readonly DateOnly start;
    readonly double[] slotCumulative;
    readonly double[] categoryWeights = DemoCounty.Categories.Select(c => c.Weight).ToArray();
    readonly double[] villageWeights;
    readonly Dictionary<string, char> lineOfDepartment = DemoCounty.Lines.Where(l => l.UnitCode is not null).ToDictionary(l => l.UnitCode!, l => l.Code);
    readonly Dictionary<char, string> kindOfLine = DemoCounty.Lines.ToDictionary(l => l.Code, l => l.Kind);
    readonly Dictionary<DateOnly, string> rotatingSeat = [];
    readonly int[] registrars;
    readonly int[] deciders;
    readonly int[] windowStaff;

    // The 代办员 of each street or town: village and community cadres who carry first letters and visits (信访代办).
    readonly string[][] proxyAgents;
    readonly List<PetitionerInfo> people = [];
    // The accusation cases seeded after the history keep their own ID numbers (DemoAccusations).
    readonly HashSet<long> usedIdNumbers = [.. DemoAccusations.ReservedIdKeys];
    readonly PriorityQueue<CaseState, (int Day, long Order)> pending = new();
    long caseOrder;
    long matterId;
    long visitId;
    long ticketId;
    long evaluationId;

    public DemoHistory(Random random, DemoIds ids, DemoRules rules, DemoNames names, DateTime nowUtc, int months)
    {
        this.random = random;
        this.ids = ids;
        this.rules = rules;
        calendar = rules.Calendar;
        this.names = names;
        now = nowUtc;
        today = ChinaTime.DayOf(now);
        nowSecond = (int)(now - At(today, 0)).TotalSeconds;
        start = today.AddMonths(-Math.Max(1, months));

        slotCumulative = new double[ArrivalSlots.Length];
        var sum = ArrivalSlots.Sum();
        var running = 0.0;
        for (var i = 0; i < ArrivalSlots.Length; i++)
        {
            running += ArrivalSlots[i] / sum;
            slotCumulative[i] = running;
        }

        villageWeights = ids.Villages.Select(v => DemoCounty.StreetWeights[v.StreetIndex] / DemoCounty.Streets[v.StreetIndex].Villages.Length).ToArray();
        registrars = [ids.Users["clerk"], ids.Users["clerk2"]];
        // The legal decisions on a matter are taken by whoever the permission matrix gives them to.
        deciders = [.. DemoCounty.AccountSpecs.Where(s => Permissions.Allows(s.Role, Permission.AcceptMatter)).Select(s => ids.Users[s.Account.Login])];
        windowStaff = [ids.Users["window"], ids.Users["window2"]];
        proxyAgents = [.. DemoCounty.Streets.Select(_ => new[] { names.Next(random, random.Chance(0.5)), names.Next(random, random.Chance(0.5)) })];
    }

    public DateOnly Today => today;

    public DateTime Now => now;

    public DateOnly Start => start;

    /// <summary>Whether the center is open at this moment: a working day between opening and closing time.</summary>
    public bool FloorOpen => calendar.IsWorkingDay(today) && nowSecond is >= Open and < Close;

    public DateTime OpeningToday => At(today, Open);

    public long Visits => visitId;

    public long Matters => matterId;

    public long Tickets => ticketId;

    public long Evaluations => evaluationId;

    public long Petitioners => people.Count;

    /// <summary>A moment <paramref name="localSecond"/> seconds into a Beijing day, in UTC.</summary>
    /// <summary>A moment no later than <paramref name="utcNow"/> and before the floor opens on its day.</summary>
    public static DateTime BeforeOpening(DateTime utcNow)
    {
        var beforeOpening = At(ChinaTime.DayOf(utcNow), Open).AddMinutes(-1);
        return utcNow < beforeOpening ? utcNow : beforeOpening;
    }

    public static DateTime At(DateOnly day, int localSecond) => ChinaTime.StartOf(day).UtcDateTime.AddSeconds(localSecond);

    /// <summary>
    /// The joint reception rota for the history and the next 14 days, and the duty rota: the history's rows up to
    /// yesterday, and the plan from today to the end of next week, which the seeder puts on the rota through
    /// <see cref="Duty.DutyRota"/>. The rotating window's seat goes to a spare department about one day in five; the
    /// demo duty account is on duty today (or the next working day).
    /// </summary>
    public (List<JointRosterRow> Joint, List<DutyRosterRow> DutyHistory, Dictionary<DateOnly, int?> DutyPlan) BuildRosters()
    {
        var staff = DemoCounty.JointStaff.ToDictionary(s => s.DepartmentCode);
        foreach (var line in DemoCounty.Lines.Where(l => l.UnitCode is not null))
        {
            // These draws once made up the departments' staff names; they stay, so a seed replays the same history.
            _ = (names.Next(random, random.Chance(0.4)), names.Next(random, random.Chance(0.4)));
        }

        var regular = DemoCounty.Windows.Where(w => w.Kind == ServiceKind.Joint)
            .Select(w => (w.Code, Department: DemoCounty.Lines.Single(l => l.Code == w.Lines[0]).UnitCode!))
            .ToArray();
        var joint = new List<JointRosterRow>();
        var workingDays = new List<DateOnly>();
        for (var day = start; day <= today.AddDays(14); day = day.AddDays(1))
        {
            if (!calendar.IsWorkingDay(day))
            {
                continue;
            }

            workingDays.Add(day);
            foreach (var (code, department) in regular)
            {
                var seated = department;
                if (code == DemoCounty.RotatingWindow)
                {
                    if (random.Chance(0.22))
                    {
                        seated = random.Chance(0.6) ? DemoCounty.SpareDepartments[0] : DemoCounty.SpareDepartments[1];
                    }

                    rotatingSeat[day] = seated;
                }

                joint.Add(new JointRosterRow(ids.Windows[code], day, ids.Units[seated], staff[seated].Name, staff[seated].DepartmentCode));
            }
        }

        var leaders = DemoCounty.AccountSpecs.Where(a => a.Role == Roles.DutyLeader).ToArray();
        var anchor = workingDays.FindIndex(d => d >= today);
        var endOfNextWeek = Duty.DutyRota.MondayOf(today).AddDays(13);
        var history = new List<DutyRosterRow>();
        var plan = new Dictionary<DateOnly, int?>();
        for (var i = 0; i < workingDays.Count; i++)
        {
            var day = workingDays[i];
            var leader = leaders[(((i - anchor) % leaders.Length) + leaders.Length) % leaders.Length];
            if (day < today)
            {
                history.Add(new DutyRosterRow(day, Duty.DutyRota.Role, ids.Users[leader.Account.Login], leader.Account.DisplayName, leader.Title!));
            }
            else if (day <= endOfNextWeek)
            {
                plan[day] = ids.Users[leader.Account.Login];
            }
        }

        return (joint, history, plan);
    }

    /// <summary>The history, one calendar month per chunk; <paramref name="requestedVisits"/> 0 means about 60 per working day.</summary>
    public IEnumerable<DemoChunk> Generate(int requestedVisits)
    {
        var days = new List<DateOnly>();
        for (var day = start.AddDays(1); day <= today; day = day.AddDays(1))
        {
            days.Add(day);
        }

        var weights = days.Select(DayWeight).ToArray();
        var totalWeight = weights.Sum();
        var total = requestedVisits > 0 ? requestedVisits : (long)Math.Round(DefaultVisitsPerWorkingDay * totalWeight);
        var perWeight = totalWeight > 0 ? total / totalWeight : 0;

        // Today keeps at least a realistic morning whatever the size asked for, so even a small test history opens on a
        // busy floor; the other days share the rest in proportion to their weights.
        var todayCount = Math.Min(total, Math.Max(
            (long)Math.Round(weights[^1] / Math.Max(totalWeight, double.Epsilon) * total),
            (long)Math.Round(DefaultVisitsPerWorkingDay * weights[^1])));
        var rest = total - todayCount;
        var restWeight = totalWeight - weights[^1];

        var chunk = new DemoChunk();
        var cumulative = 0.0;
        long allocated = 0;
        for (var i = 0; i < days.Count; i++)
        {
            var day = days[i];
            if (i > 0 && day.Month != days[i - 1].Month && !chunk.IsEmpty)
            {
                yield return chunk;
                chunk = new DemoChunk();
            }

            int count;
            if (i == days.Count - 1)
            {
                count = (int)todayCount;
            }
            else
            {
                // Cumulative rounding: the day counts add up to exactly the requested total.
                cumulative += weights[i];
                var upTo = restWeight > 0 ? (long)Math.Round(cumulative / restWeight * rest) : 0;
                count = (int)(upTo - allocated);
                allocated = upTo;
            }

            GenerateDay(day, count, perWeight, chunk);
        }

        if (!chunk.IsEmpty)
        {
            yield return chunk;
        }
    }

    double DayWeight(DateOnly day)
    {
        if (!calendar.IsWorkingDay(day))
        {
            // The center keeps a duty desk on rest days; few people come.
            return day == today ? 0 : 0.03 * (0.5 + random.NextDouble());
        }

        var weekday = day.DayOfWeek switch
        {
            DayOfWeek.Monday => 1.2,
            DayOfWeek.Tuesday => 1.05,
            DayOfWeek.Wednesday => 1.1,
            DayOfWeek.Thursday => 0.95,
            DayOfWeek.Friday => 0.85,
            _ => 0.8,
        };
        // Wage claims peak before the Spring Festival; the "two sessions" in March and the year end bring more visits.
        double[] month = [1.25, 0.85, 1.1, 1.0, 0.95, 1.0, 0.95, 0.9, 1.0, 0.95, 1.05, 1.15];
        var weight = weekday * month[day.Month - 1] * (0.85 + 0.3 * random.NextDouble());
        return day == today ? weight * ArrivalShare(nowSecond) : weight;
    }

    void GenerateDay(DateOnly day, int count, double perWeight, DemoChunk chunk)
    {
        var working = calendar.IsWorkingDay(day);
        var isToday = day == today;
        var knownPeople = people.Count;
        var lineWindows = LineWindows(day, working);

        var visits = new List<VisitRow>(count);
        var repeatLimit = count / 2;
        while (visits.Count < repeatLimit && pending.TryPeek(out _, out var due) && due.Day <= day.DayNumber)
        {
            visits.Add(RepeatVisit(pending.Dequeue(), day));
        }

        while (visits.Count < count)
        {
            visits.Add(NewCaseVisit(day, knownPeople));
        }

        PlaceArrivals(visits, day, isToday && working);
        visits = visits.OrderBy(v => v.Arrived).ToList();
        IssueTickets(visits, day, lineWindows, chunk);
        if (isToday)
        {
            WaitingHall(visits, day, chunk);
        }

        Settle(visits, day, chunk);

        if (perWeight > 0)
        {
            var fullDay = working ? (isToday ? ArrivalShare(nowSecond) : 1.0) : 0.0;
            OtherChannels(day, MatterSource.Letter, Stochastic(perWeight * 0.10 * fullDay), chunk);
            OtherChannels(day, MatterSource.Online, Stochastic(perWeight * 0.16 * (working ? 1.0 : 0.5)), chunk);
            OtherChannels(day, MatterSource.Phone, Stochastic(perWeight * 0.06 * fullDay), chunk);
        }
    }

    /// <summary>Arrival times: the day's usual curve, and on a working "today" a floor that is visibly busy now.</summary>
    void PlaceArrivals(List<VisitRow> visits, DateOnly day, bool workingToday)
    {
        var share = day == today ? ArrivalShare(nowSecond) : 1.0;
        foreach (var visit in visits)
        {
            visit.Arrived = At(day, ArrivalSecond(random.NextDouble() * share));
        }

        if (workingToday && nowSecond > Open + 3600 && nowSecond < LastArrival)
        {
            // The demo opens on a live floor: a handful of people came in just now for the general reception line,
            // so the three reception windows are busy and some tickets wait, whatever the draws of the morning were.
            var late = visits.Where(v => v.Level == VisitLevel.County).TakeLast(Math.Max(8, visits.Count / 4)).ToList();
            foreach (var visit in late)
            {
                visit.Arrived = At(day, nowSecond - random.Between(60, 12 * 60));
                visit.Case.Line = 'A';
            }

            // And two were just called to the quiet legal and counselling rooms and are on their way: the hall screen shows a call.
            foreach (var (visit, line) in late.TakeLast(2).Zip(['L', 'P']))
            {
                visit.Arrived = now.AddSeconds(-random.Between(200, 300));
                visit.Case.Line = line;
                visit.JustCalled = true;
            }
        }
    }

    /// <summary>Ids in arrival order, a ticket for everyone who came to the center, numbered per line, served by the queue model.</summary>
    void IssueTickets(List<VisitRow> visits, DateOnly day, Dictionary<char, int[]> lineWindows, DemoChunk chunk)
    {
        var isToday = day == today;
        foreach (var visit in visits)
        {
            visit.Id = ++visitId;
            if (!visit.First)
            {
                visit.MatterId = visit.Case.MatterId;
            }

            if (visit.NewPeople is not null)
            {
                foreach (var person in visit.NewPeople)
                {
                    person.CreatedAt = visit.Arrived;
                    chunk.Petitioners.Add(person);
                }
            }

            if (visit.Level == VisitLevel.County)
            {
                var issued = visit.JustCalled ? now.AddSeconds(-random.Between(70, 100)) : visit.Arrived.AddSeconds(random.Between(90, 480));
                visit.Ticket = new TicketRow
                {
                    VisitId = visit.Id,
                    Day = day,
                    Issued = isToday && issued > now ? now : issued,
                    PriorityReason = PriorityReason(visit.Case.Members[0], day),
                    SlowToWindow = visit.JustCalled,
                };
            }
        }

        // Numbers follow the order tickets leave the machine; a full line (999 a day) spills to the emptiest open line.
        var seqs = lineWindows.Keys.ToDictionary(k => k, _ => 0);
        var byLine = lineWindows.Keys.ToDictionary(k => k, _ => new List<TicketRow>());
        foreach (var visit in visits.Where(v => v.Ticket is not null).OrderBy(v => v.Ticket!.Issued))
        {
            var ticket = visit.Ticket!;
            var line = lineWindows.ContainsKey(visit.Case.Line) ? visit.Case.Line : 'A';
            if (seqs[line] >= MaxSeq)
            {
                line = seqs.OrderBy(s => s.Value).ThenBy(s => s.Key).First().Key;
                if (seqs[line] >= MaxSeq)
                {
                    visit.Ticket = null;
                    continue;
                }
            }

            ticket.Id = ++ticketId;
            ticket.Line = line;
            ticket.LineId = ids.Lines[line];
            ticket.Seq = ++seqs[line];
            byLine[line].Add(ticket);
            chunk.Tickets.Add(ticket);
        }

        foreach (var (line, queue) in byLine)
        {
            if (queue.Count > 0)
            {
                Simulate(day, line, queue, lineWindows[line]);
                chunk.Counters.Add(new TicketCounterRow(ids.Lines[line], day, seqs[line]));
            }
        }
    }

    /// <summary>Outcomes, the matter each first visit opens, and the evaluation cards.</summary>
    void Settle(List<VisitRow> visits, DateOnly day, DemoChunk chunk)
    {
        foreach (var visit in visits)
        {
            var ticket = visit.Ticket;
            var served = ticket is { FinalState: TicketState.Done };
            string? outcome;
            if (visit.First)
            {
                // More is settled at the window as the year goes on (the office's 一次性化解 drive).
                var p = Progress(day);
                outcome = ticket is null
                    ? VisitOutcome.HandedToUnit
                    : new[] { VisitOutcome.ResolvedOnSpot, VisitOutcome.HandedToUnit, VisitOutcome.MatterRegistered }[random.Weighted([22 + 8 * p, 40, 38 - 8 * p])];
                var matter = PlanVisitMatter(visit, outcome == VisitOutcome.ResolvedOnSpot && served, day);
                visit.MatterId = matter.Id;
                visit.Case.MatterId = matter.Id;
                chunk.Matters.Add(matter);
                AddMatterEvaluation(matter, chunk);
                if (served && random.Chance(0.9))
                {
                    // The evaluation card of a first visit (《大英县接待场所方案》三(二)4), filled in at the desk after the talk.
                    var at = ticket!.Closed!.Value.AddSeconds(random.Between(30, 240));
                    if (at <= now)
                    {
                        chunk.Evaluations.Add(new EvaluationRow(++evaluationId, visit.Id, matter.Id, Rating([85, 10, 5]), EvaluationChannel.Card, at, random.Pick(windowStaff)));
                    }
                }
            }
            else
            {
                outcome = ticket is null ? VisitOutcome.HandedToUnit : random.Chance(0.3) ? VisitOutcome.ResolvedOnSpot : VisitOutcome.HandedToUnit;
            }

            visit.Outcome = ticket is null || served ? outcome : null;
            if (ticket is not null)
            {
                ticket.Outcome = served ? outcome : null;
            }

            chunk.Visits.Add(visit);
        }
    }

    /// <summary>
    /// Today's ledger of the waiting hall (候访区): people sit down when their ticket is issued and leave for the window
    /// when they are served (or are given up as no-shows). Only today is kept: occupancy is a figure of the live floor.
    /// </summary>
    void WaitingHall(List<VisitRow> visits, DateOnly day, DemoChunk chunk)
    {
        foreach (var visit in visits)
        {
            if (visit.Ticket is not { } ticket)
            {
                continue;
            }

            chunk.Movements.Add(new WaitingMovementRow(visit.Id, visit.Headcount, ticket.Issued, day, visit.RegisteredBy));
            var left = ticket.FinalState == TicketState.NoShow ? ticket.Closed : ticket.Periods.Find(p => p.State == TicketState.Serving).Start;
            if (left <= now)
            {
                chunk.Movements.Add(new WaitingMovementRow(visit.Id, -visit.Headcount, left.Value, day, null));
            }
        }
    }

    Dictionary<char, int[]> LineWindows(DateOnly day, bool working)
    {
        var w = ids.Windows;
        if (!working)
        {
            return new Dictionary<char, int[]> { ['A'] = [w["JT1"]] };
        }

        var lines = new Dictionary<char, int[]>
        {
            ['A'] = [w["JT1"], w["JT2"], w["JT3"]],
            ['L'] = [w["FL"]],
            ['P'] = [w["XL"]],
            ['V'] = [w["SP"]],
            ['M'] = [w["TC"]],
        };
        foreach (var window in DemoCounty.Windows.Where(x => x.Kind == ServiceKind.Joint))
        {
            var line = window.Code == DemoCounty.RotatingWindow
                ? lineOfDepartment[rotatingSeat[day]]
                : window.Lines[0];
            lines[line] = [w[window.Code]];
        }

        return lines;
    }

    VisitRow RepeatVisit(CaseState c, DateOnly day)
    {
        var visit = new VisitRow
        {
            Case = c,
            Day = day,
            First = false,
            Headcount = c.Collective ? Math.Max(5, c.Headcount + random.Between(-3, 3)) : c.Headcount,
            LocalityId = ids.Villages[c.Village].Id,
            RegisteredBy = random.Pick(registrars),
        };
        // Escalated visits (越级访) come mostly from people who already came here and were not satisfied; they fall over
        // the year as more is settled here (the 逐年下降 the office is measured by).
        if (random.Chance(0.08 * Trend(day, 1.15, 0.85)))
        {
            visit.Level = new[] { VisitLevel.City, VisitLevel.Province, VisitLevel.National }[random.Weighted([65, 28, 7])];
        }

        visit.Behaviours = Behaviours(c.Collective ? 0.15 : 0.035);
        Schedule(c, day);
        return visit;
    }

    VisitRow NewCaseVisit(DateOnly day, int knownPeople)
    {
        var category = DemoCounty.Categories[random.Weighted(categoryWeights)];
        var collective = random.Chance(0.015);
        var c = new CaseState { Category = category, Collective = collective };
        var created = new List<PetitionerRow>();
        long lead;
        if (knownPeople > 0 && !collective && random.Chance(0.06))
        {
            // Someone who came before about another matter.
            lead = random.Next(knownPeople) + 1;
            c.Village = people[(int)lead - 1].Village;
        }
        else
        {
            c.Village = random.Weighted(villageWeights);
            var person = NewPerson(c.Village, day);
            created.Add(person);
            lead = person.Id;
        }

        if (collective)
        {
            c.Headcount = 5 + (int)(35 * Math.Pow(random.NextDouble(), 3));
            var registered = Math.Min(c.Headcount, random.Between(3, 8));
            c.Members = new long[registered];
            c.Members[0] = lead;
            for (var i = 1; i < registered; i++)
            {
                var person = NewPerson(c.Village, day);
                created.Add(person);
                c.Members[i] = person.Id;
            }

            // A group names at most five representatives (条例 第二十条).
            c.Representatives = Math.Min(registered, random.Between(2, 5));
            c.Remaining = random.Between(0, 2);
        }
        else
        {
            c.Headcount = random.Weighted([72, 20, 5, 3]) + 1;
            c.Members = [lead];
            // Fewer come back as the year goes on: the share settled at once rises (一次性化解率 逐年提高).
            var p = Progress(day);
            var kind = random.Weighted([68 + 10 * p, 18 - 4 * p, 14 - 6 * p]);
            c.Remaining = kind switch { 0 => 0, 1 => 1, _ => random.Between(2, 5) };
        }

        c.Line = PreferredLine(category, collective);
        var visit = new VisitRow
        {
            Case = c,
            Day = day,
            First = true,
            Headcount = c.Headcount,
            LocalityId = ids.Villages[c.Village].Id,
            RegisteredBy = random.Pick(registrars),
            NewPeople = created.Count > 0 ? created : null,
        };
        if (random.Chance(0.006 * Trend(day, 1.15, 0.85)))
        {
            visit.Level = random.Chance(0.8) ? VisitLevel.City : VisitLevel.Province;
        }

        visit.Behaviours = Behaviours(collective ? 0.12 : 0.008);
        Schedule(c, day);
        return visit;
    }

    void Schedule(CaseState c, DateOnly day)
    {
        if (c.Remaining <= 0)
        {
            return;
        }

        c.Remaining--;
        var next = calendar.AddWorkingDays(day, random.Chance(0.1) ? 1 : random.Between(2, 25));
        pending.Enqueue(c, (next.DayNumber, ++caseOrder));
    }

    char PreferredLine(DemoCategory category, bool collective)
    {
        var joint = lineOfDepartment.GetValueOrDefault(category.DepartmentCode);
        if (collective)
        {
            return random.Chance(0.55) ? 'M' : joint != default ? joint : 'A';
        }

        return random.Weighted([5, 1.5, 1.5, 2.5, 89.5]) switch
        {
            0 => 'L',
            1 => 'P',
            2 => 'V',
            3 => 'M',
            _ => joint != default && random.Chance(0.8) ? joint : 'A',
        };
    }

    string[] Behaviours(double p)
    {
        if (!random.Chance(p))
        {
            return [];
        }

        string[] kinds = ["noise", "lingering", "sit_in"];
        var first = random.Weighted([50, 30, 20]);
        if (!random.Chance(0.2))
        {
            return [kinds[first]];
        }

        var second = (first + random.Between(1, 2)) % 3;
        return [kinds[first], kinds[second]];
    }

    string? PriorityReason(long petitionerId, DateOnly day)
    {
        var person = people[(int)petitionerId - 1];
        var age = day.Year - person.Birth.Year - (day.DayOfYear < person.Birth.DayOfYear ? 1 : 0);
        // The green channel (老弱病残孕, 《常州“五心”服务标准》第14项) records why a ticket jumps the queue.
        if (age >= 70 && random.Chance(0.3))
        {
            return "老人";
        }

        if (person.Female && age is >= 22 and <= 40 && random.Chance(0.03))
        {
            return "孕妇";
        }

        return random.NextDouble() switch
        {
            < 0.015 => "残疾",
            < 0.03 => "病人",
            _ => null,
        };
    }

    PetitionerRow NewPerson(int village, DateOnly day)
    {
        var female = random.Chance(0.45);
        var age = random.Weighted([10, 25, 35, 22, 8]) switch
        {
            0 => random.Between(18, 29),
            1 => random.Between(30, 44),
            2 => random.Between(45, 59),
            3 => random.Between(60, 74),
            _ => random.Between(75, 88),
        };
        var birth = day.AddYears(-age).AddDays(-random.Between(1, 364));
        int order;
        while (true)
        {
            // Positions 15–17: the registering station and a sequence whose last digit is odd for men, even for women.
            order = random.Next(100) * 10 + random.Next(5) * 2 + (female ? 0 : 1);
            if (usedIdNumbers.Add(birth.DayNumber * 1000L + order))
            {
                break;
            }

            if (random.Chance(0.2))
            {
                birth = birth.AddDays(-1);
            }
        }

        var first17 = $"{DemoCounty.AreaCode}{birth:yyyyMMdd}{order:D3}";
        var idNumber = ChineseIdNumber.Parse(first17 + ChineseIdNumber.CheckCharacterOf(first17));
        var (villageId, streetIndex, villageName) = ids.Villages[village];
        var street = DemoCounty.Streets[streetIndex];
        var address = street.IsUrban && villageName.EndsWith("社区", StringComparison.Ordinal)
            ? $"{DemoCounty.County}{street.Name}{villageName}{random.Between(1, 36)}幢{random.Between(1, 4)}单元{random.Between(1, 18)}{random.Between(1, 4):D2}室"
            : $"{DemoCounty.County}{street.Name}{villageName}{random.Between(1, 12)}组{random.Between(1, 120)}号";
        string? phone = null;
        if (random.Chance(0.95))
        {
            phone = PhonePrefixes[random.Weighted(PhonePrefixWeights)] + random.Next(100_000_000, 1_000_000_000).ToString("D9", CultureInfo.InvariantCulture);
        }

        people.Add(new PetitionerInfo(village, birth, female));
        return new PetitionerRow
        {
            Id = people.Count,
            Name = names.Next(random, female),
            IdNumber = idNumber,
            Birth = birth,
            Female = female,
            Phone = phone,
            Address = address,
            LocalityId = villageId,
        };
    }

    /// <summary>
    /// One line's day as a queue: windows take the next ticket as they free up, green-channel tickets first.
    /// A line that gets far more tickets than its windows can serve in a day (benchmark sizes) serves faster instead.
    /// </summary>
    void Simulate(DateOnly day, char line, List<TicketRow> tickets, int[] windows)
    {
        double mean = kindOfLine[line] switch
        {
            ServiceKind.Reception => 20 * 60,
            ServiceKind.Joint => 25 * 60,
            ServiceKind.Legal => 30 * 60,
            ServiceKind.Psychological => 40 * 60,
            ServiceKind.Video => 25 * 60,
            _ => 50 * 60,
        };
        var capacity = windows.Length * (double)(Close - Open);
        if (tickets.Count * mean > 0.85 * capacity)
        {
            mean = Math.Max(60, 0.85 * capacity / tickets.Count);
        }

        var free = windows.Select(_ => At(day, Open)).ToArray();
        var priority = new Queue<TicketRow>();
        var normal = new Queue<TicketRow>();
        var next = 0;
        for (var done = 0; done < tickets.Count; done++)
        {
            var k = 0;
            for (var i = 1; i < free.Length; i++)
            {
                if (free[i] < free[k])
                {
                    k = i;
                }
            }

            var t = free[k];
            if (priority.Count == 0 && normal.Count == 0 && tickets[next].Issued > t)
            {
                t = tickets[next].Issued;
            }

            while (next < tickets.Count && tickets[next].Issued <= t)
            {
                var arriving = tickets[next++];
                (arriving.PriorityReason is null ? normal : priority).Enqueue(arriving);
            }

            var ticket = priority.Count > 0 ? priority.Dequeue() : normal.Dequeue();
            // An idle window still takes a moment to call a fresh ticket.
            var earliest = ticket.Issued.AddSeconds(random.Between(15, 60));
            var call = earliest > t ? earliest : t;
            free[k] = Serve(ticket, windows[k], call, mean).AddSeconds(random.Between(20, 90));
        }
    }

    /// <summary>Lays out a ticket's periods from the moment a window calls it; returns when the window is free again.</summary>
    DateTime Serve(TicketRow ticket, int window, DateTime t, double mean)
    {
        var periods = ticket.Periods;
        periods.Add(new TicketPeriod(TicketState.Waiting, null, ticket.Issued, t));
        var walk = ticket.SlowToWindow ? random.Between(150, 240) : Math.Min(random.Between(30, 120), (int)mean / 4);
        var duration = (int)(mean * (0.5 + random.NextDouble()));
        var variant = random.NextDouble();
        if (variant < 0.006)
        {
            // Called twice without answering: the ticket is closed as a no-show.
            periods.Add(new TicketPeriod(TicketState.Called, window, t, t.AddSeconds(120)));
            periods.Add(new TicketPeriod(TicketState.Waiting, null, t.AddSeconds(120), t.AddSeconds(360)));
            periods.Add(new TicketPeriod(TicketState.Called, window, t.AddSeconds(360), t.AddSeconds(480)));
            ticket.NoShows = 2;
            ticket.FinalState = TicketState.NoShow;
            ticket.Closed = t.AddSeconds(480);
            ticket.ServeStart = ticket.ServeEnd = ticket.Closed.Value;
            return ticket.Closed.Value;
        }

        var s = t.AddSeconds(walk);
        if (variant < 0.018)
        {
            // Missed the first call, came back and was called again.
            periods.Add(new TicketPeriod(TicketState.Called, window, t, t.AddSeconds(120)));
            periods.Add(new TicketPeriod(TicketState.Waiting, null, t.AddSeconds(120), t.AddSeconds(300)));
            periods.Add(new TicketPeriod(TicketState.Called, window, t.AddSeconds(300), t.AddSeconds(300 + walk)));
            ticket.NoShows = 1;
            s = t.AddSeconds(300 + walk);
        }
        else
        {
            periods.Add(new TicketPeriod(TicketState.Called, window, t, s));
        }

        var end = s.AddSeconds(duration);
        if (variant > 0.98 && kindOfLine[ticket.Line] is ServiceKind.Reception or ServiceKind.Joint or ServiceKind.Mediation)
        {
            // On hold while the responsible unit's officer is called to the center (《泗县联合接访工作方案》四(二)2).
            var split = s.AddSeconds(duration / 2);
            var back = split.AddSeconds(random.Between(10, 40) * 60);
            end = back.AddSeconds(duration - duration / 2);
            periods.Add(new TicketPeriod(TicketState.Serving, window, s, split));
            periods.Add(new TicketPeriod(TicketState.OnHold, window, split, back));
            periods.Add(new TicketPeriod(TicketState.Serving, window, back, end));
        }
        else
        {
            periods.Add(new TicketPeriod(TicketState.Serving, window, s, end));
        }

        ticket.ServeStart = s;
        ticket.ServeEnd = end;
        ticket.Closed = end;
        return end;
    }

    MatterRow PlanVisitMatter(VisitRow visit, bool onSpot, DateOnly day)
    {
        var c = visit.Case;
        var matter = NewMatter(MatterSource.Visit, c.Category, c.Members[0], c.Village, visit.Arrived, c.Collective);
        var ticket = visit.Ticket;
        var joint = ticket is not null && kindOfLine[ticket.Line] == ServiceKind.Joint;
        var department = ids.Units[c.Category.DepartmentCode];
        if (onSpot)
        {
            matter.ResponsibleUnitId = joint ? ids.Units[DemoCounty.Lines.Single(l => l.Code == ticket!.Line).UnitCode!] : ids.Units[DemoCounty.PetitionOffice];
            matter.Decided = ticket!.ServeStart;
            matter.Notice = ticket.ServeStart;
            matter.Assigned = matter.UnitReceived = matter.FirstContact = ticket.ServeStart;
            matter.Replied = ticket.ServeEnd;
            matter.ReplyOutcome = new[] { ReplyOutcome.Explained, ReplyOutcome.Supported, ReplyOutcome.PartlySupported }[random.Weighted([45, 35, 20])];
            // Settled on the spot: the petitioner signs the undertaking and the file is closed (《泗县联合接访工作方案》四(四)1).
            matter.Closed = ticket.ServeEnd.AddSeconds(random.Between(5, 20) * 60);
            matter.UnitUser = UnitUser(matter.ResponsibleUnitId);
            matter.OnSpot = true;
            return matter;
        }

        matter.ResponsibleUnitId = joint
            ? (random.Chance(0.75) ? ids.Units[DemoCounty.Lines.Single(l => l.Code == ticket!.Line).UnitCode!] : StreetOf(c.Village))
            : (random.Chance(0.5) ? department : StreetOf(c.Village));
        var handled = ticket switch
        {
            null => visit.Arrived.AddSeconds(random.Between(60, 180) * 60),
            { FinalState: TicketState.Done } => ticket.ServeEnd,
            _ => ticket.Closed!.Value,
        };
        Lifecycle(matter, handled, matter.ResponsibleUnitId == department ? StreetOf(c.Village) : department);
        return matter;
    }

    void OtherChannels(DateOnly day, string source, int count, DemoChunk chunk)
    {
        for (var i = 0; i < count; i++)
        {
            var received = source == MatterSource.Online
                ? At(day, random.Between(7 * 3600, 24 * 3600 - 1))
                : At(day, random.Between(Open, Close));
            if (received > now)
            {
                continue;
            }

            var category = DemoCounty.Categories[random.Weighted(categoryWeights)];
            long petitionerId;
            int village;
            if (people.Count > 0 && random.Chance(0.2))
            {
                petitionerId = random.Next(people.Count) + 1;
                village = people[(int)petitionerId - 1].Village;
            }
            else
            {
                village = random.Weighted(villageWeights);
                var person = NewPerson(village, day);
                person.CreatedAt = received;
                chunk.Petitioners.Add(person);
                petitionerId = person.Id;
            }

            var matter = NewMatter(source, category, petitionerId, village, received, false);
            var department = ids.Units[category.DepartmentCode];
            matter.ResponsibleUnitId = random.Chance(0.5) ? department : StreetOf(village);
            Lifecycle(matter, received, matter.ResponsibleUnitId == department ? StreetOf(village) : department);
            chunk.Matters.Add(matter);
            AddMatterEvaluation(matter, chunk);
        }
    }

    MatterRow NewMatter(string source, DemoCategory category, long petitionerId, int village, DateTime received, bool collective)
    {
        var (villageId, streetIndex, villageName) = ids.Villages[village];
        var residents = villageName.EndsWith("社区", StringComparison.Ordinal) ? "居民" : "村民";
        var id = ++matterId;
        var proxy = ProxyHandling.EligibleSources.Contains(source) && random.Chance(Trend(ChinaTime.DayOf(received), 0.52, 0.66));
        return new MatterRow
        {
            Id = id,
            Code = MatterCode.For(ChinaTime.DayOf(received), id),
            Source = source,
            Category = category.Code,
            Summary = $"{DemoCounty.Streets[streetIndex].Name}{villageName}{residents}{(collective ? "集体" : "")}反映{random.Pick(category.Summaries)}",
            PetitionerId = petitionerId,
            LocalityId = villageId,
            IsAccusation = random.Chance(0.03),
            IsCollective = collective,
            // 信访代办: most visits and letters from the villages go through a proxy (《沥海街道信访工作意见》二(三), target ≥ 50 %).
            IsProxy = proxy,
            ProxyName = proxy ? random.Pick(proxyAgents[streetIndex]) : null,
            Received = received,
            RegisteredBy = random.Pick(registrars),
            DecidedBy = deciders[(int)(id % deciders.Length)],
        };
    }

    /// <summary>
    /// The matter's life as <see cref="MatterLifecycle"/> would take it, planned from <paramref name="handled"/> (when the
    /// floor finished with it, or when the letter or message came in): acceptance, assignment (now and then to the wrong
    /// unit, <paramref name="otherUnit"/>, which returns it), the unit's first contact, an extension, a 督办 sheet, the
    /// reply and closing, and for a few the petitioner's 复查 and 复核. Mostly on time, a few late, measured against the
    /// rules in force, so a revised rule reshapes the history too.
    /// </summary>
    void Lifecycle(MatterRow m, DateTime handled, int otherUnit)
    {
        m.UnitUser = UnitUser(m.ResponsibleUnitId);
        if (random.Chance(0.03))
        {
            m.NotAccepted = true;
            m.AcceptanceReason = random.Pick(NotAcceptedReasons);
            m.Decided = WorkTimeAfter(handled, m.Source == MatterSource.Visit ? 0 : random.Between(1, 6));
            m.Notice = m.Decided;
            return;
        }

        var roll = random.NextDouble();
        DateTime accepted = m.Source switch
        {
            // 当天接谈、当天转交 (《大英县接待场所方案》三(三)2): visits are accepted the same day, but not all.
            MatterSource.Visit => roll < 0.92 ? handled.AddSeconds(random.Between(0, 20) * 60)
                : roll < 0.98 ? WorkTimeAfter(handled, random.Between(1, 8))
                : LateWorkTime(handled, random.Between(16, 24)),
            MatterSource.Letter => roll < 0.85 ? WorkTimeAfter(handled, random.Between(1, 8))
                : roll < 0.95 ? LateWorkTime(handled, random.Between(9, 14))
                : LateWorkTime(handled, random.Between(16, 25)),
            MatterSource.Online => roll < 0.9 ? WorkTimeAfter(handled, random.Between(0, 5)) : LateWorkTime(handled, random.Between(8, 20)),
            _ => WorkTimeAfter(handled, random.Between(0, 3)),
        };
        m.Decided = accepted;
        m.Notice = m.Source == MatterSource.Letter && random.Chance(0.5) ? WorkTimeAfter(accepted, 1) : accepted;

        var assigned = accepted.AddSeconds(random.Between(10, 120) * 60);
        if (random.Chance(0.03))
        {
            // 退回: the first unit finds the matter outside its remit and sends it back within its 5 working days
            // (条例 第二十三条); the center reassigns it. The petitioner was told at acceptance.
            m.FirstUnitId = otherUnit;
            m.FirstUnitUser = UnitUser(otherUnit);
            m.FirstAssigned = assigned;
            m.Returned = WorkTimeAfter(assigned, random.Between(1, 4));
            m.ReturnReason = random.Pick(ReturnReasons);
            m.Notice = accepted;
            assigned = WorkTimeAfter(m.Returned.Value, 0);
        }

        var unitReceived = random.Chance(0.75) ? assigned.AddSeconds(random.Between(20, 240) * 60) : WorkTimeAfter(assigned, 1);
        var contactRoll = random.NextDouble();
        // 一问一核实 (《沥海街道信访工作意见》一(二)): a phone call within one working day, sometimes late.
        var firstContact = contactRoll < 0.8 ? unitReceived.AddSeconds(random.Between(30, 300) * 60)
            : contactRoll < 0.92 ? WorkTimeAfter(unitReceived, 1)
            : WorkTimeAfter(unitReceived, random.Between(2, 4));
        m.Assigned = assigned;
        m.UnitReceived = unitReceived;
        m.FirstContact = firstContact;
        var settled = Later(firstContact, m.Notice.Value);

        var acceptedDay = ChinaTime.DayOf(accepted);
        if (random.Chance(0.006))
        {
            Supervise(m, acceptedDay, settled, null, slow: true);
            return;
        }

        // Days from acceptance to reply: most within the local limit (《沥海街道信访工作意见》一(五): 15 working days, a week for phone
        // and online), nearly all within 条例 第三十四条's 60 days, a few later, some of those with an approved extension.
        var handling = rules.InForce(ClockKind.Handling, accepted);
        var length = Math.Max(4, handling.Length);
        var localDays = Math.Clamp(ChinaTime.DayOf(rules.DueFor(ClockKind.LocalHandlingFor(m.Source), accepted)).DayNumber - acceptedDay.DayNumber, 2, length - 2);
        var bucket = random.Weighted([83, 10, 4, 3]);
        var delay = bucket switch
        {
            // Units reply towards the end of the local limit rather than at once: investigation, a site visit, a meeting.
            0 => localDays - (int)((localDays - 2) * Math.Pow(random.NextDouble(), 3)),
            1 => random.Between(localDays + 1, Math.Max(localDays + 1, length * 3 / 4)),
            2 => random.Between(Math.Max(localDays + 1, length * 3 / 4 + 1), length),
            _ => random.Between(length + 1, length + 28),
        };
        // Only the unit's own leader approves an extension (《信访工作条例》第三十四条), so only units with a demo
        // officer and leader get them.
        if (delay > length && handling.MaxExtensionDays > 0 && random.Chance(0.45)
            && UnitAccount(m.ResponsibleUnitId, Roles.UnitLeader) is { } approver && m.UnitUser is not null)
        {
            m.ExtensionDays = Math.Min(handling.MaxExtensionDays, delay - length + random.Between(3, 10));
            var asked = WorkTimeOn(calendar.NextWorkingDayOnOrAfter(acceptedDay.AddDays(random.Between(length * 3 / 4 - 6, length * 3 / 4))));
            m.ExtensionRequested = Later(asked, settled.AddHours(1));
            m.ExtensionDecided = WorkTimeAfter(m.ExtensionRequested.Value, random.Between(1, 3));
            m.ExtensionApprover = approver;
        }

        var replied = WorkTimeOn(calendar.NextWorkingDayOnOrAfter(acceptedDay.AddDays(delay)));
        var earliest = Later(settled, m.ExtensionDecided ?? settled);
        if (replied <= earliest)
        {
            replied = earliest.AddSeconds(random.Between(60, 240) * 60);
        }

        Supervise(m, acceptedDay, settled, replied, slow: bucket >= 2);
        m.Replied = replied;
        m.ReplyOutcome = new[] { ReplyOutcome.Supported, ReplyOutcome.PartlySupported, ReplyOutcome.NotSupported, ReplyOutcome.Explained }[random.Weighted([30, 20, 15, 35])];
        // 见面答复: more units answer face to face, or call, and ask the petitioner's satisfaction as they do.
        if (random.Chance(Trend(ChinaTime.DayOf(replied), 0.3, 0.6)))
        {
            m.ReplyRatingChannel = EvaluationChannel.AtReply[random.Weighted([60, 40])];
            m.ReplyRating = Rating(m.ReplyOutcome switch
            {
                ReplyOutcome.Supported => [90, 8, 2],
                ReplyOutcome.NotSupported => [45, 27, 28],
                _ => [70, 20, 10],
            });
        }

        m.Closed = WorkTimeOn(calendar.NextWorkingDayOnOrAfter(ChinaTime.DayOf(replied).AddDays(random.Between(3, 30))));
        Review(m);
    }

    /// <summary>
    /// A 督办 sheet (《泗县联合接访工作方案》四(五)) on about a third of the slow matters and now and then on another, issued while the unit still
    /// works on it (before <paramref name="replied"/>, if it ever replies) and answered mostly within its days.
    /// </summary>
    void Supervise(MatterRow m, DateOnly acceptedDay, DateTime settled, DateTime? replied, bool slow)
    {
        if (!random.Chance(slow ? 0.3 : 0.02))
        {
            return;
        }

        var issued = WorkTimeOn(calendar.NextWorkingDayOnOrAfter(acceptedDay.AddDays(random.Between(7, 40))));
        if (issued <= settled || issued >= replied)
        {
            return;
        }

        var days = rules.InForce(ClockKind.Supervision, issued).Length;
        var answer = random.Chance(0.85) ? random.Between(1, Math.Max(1, days - 1)) : random.Between(days + 1, days + 6);
        m.Supervised = issued;
        m.SupervisionFeedback = WorkTimeOn(calendar.NextWorkingDayOnOrAfter(ChinaTime.DayOf(issued).AddDays(answer)));
    }

    /// <summary>
    /// 复查 and 复核 (条例 第三十五、三十六条): mostly asked for after a reply that did not support the request, within the
    /// petitioner's window; the decisions come mostly in time, and half the 复核 hold a hearing that pauses its clock.
    /// </summary>
    void Review(MatterRow m)
    {
        var replied = m.Replied!.Value;
        var chance = Trend(ChinaTime.DayOf(replied), 1.3, 0.7) * m.ReplyOutcome switch
        {
            ReplyOutcome.NotSupported => 0.18,
            ReplyOutcome.PartlySupported => 0.07,
            ReplyOutcome.Explained => 0.03,
            _ => 0.005,
        };
        if (!random.Chance(chance))
        {
            return;
        }

        var requested = Within(replied, rules.InForce(ClockKind.ReviewRequest, replied).Length);
        m.ReviewRequested = requested;
        if (m.Closed >= requested)
        {
            m.Closed = null;
        }

        var decided = Decision(requested, rules.InForce(ClockKind.ReviewDecision, requested).Length, 0);
        m.ReviewDecided = decided;
        if (!random.Chance(0.35))
        {
            return;
        }

        var reRequested = Within(decided, rules.InForce(ClockKind.ReReviewRequest, decided).Length);
        m.ReReviewRequested = reRequested;
        var rule = rules.InForce(ClockKind.ReReviewDecision, reRequested);
        var paused = 0;
        if (rule.PauseEvents.Contains(ClockEvent.Hearing) && random.Chance(0.5))
        {
            var opens = WorkTimeOn(calendar.NextWorkingDayOnOrAfter(ChinaTime.DayOf(reRequested).AddDays(random.Between(4, 10))));
            var ends = WorkTimeOn(calendar.NextWorkingDayOnOrAfter(ChinaTime.DayOf(opens).AddDays(random.Between(1, 7))));
            m.HearingStarted = opens;
            m.HearingEnded = ends;
            paused = rule.DaysBetween(ChinaTime.DayOf(opens), ChinaTime.DayOf(ends), calendar);
        }

        var finalized = Decision(reRequested, rule.Length, paused);
        m.ReReviewDecided = m.HearingEnded is { } end && finalized <= end ? WorkTimeAfter(end, 1) : finalized;
    }

    /// <summary>A request some days into a petitioner's window of <paramref name="window"/> days.</summary>
    DateTime Within(DateTime from, int window) =>
        WorkTimeOn(calendar.NextWorkingDayOnOrAfter(ChinaTime.DayOf(from).AddDays(random.Between(2, Math.Max(2, window - 4)))));

    /// <summary>A decision due <paramref name="days"/> (plus days paused) after the request: nine in ten in time.</summary>
    DateTime Decision(DateTime requested, int days, int paused)
    {
        var after = random.Chance(0.9) ? random.Between(Math.Min(10, days), Math.Max(1, days - 1)) : random.Between(days + 1, days + 12);
        return WorkTimeOn(calendar.NextWorkingDayOnOrAfter(ChinaTime.DayOf(requested).AddDays(after + paused)));
    }

    static DateTime Later(DateTime a, DateTime b) => a > b ? a : b;

    /// <summary>How far into the history a day lies: 0 on its first day, 1 today.</summary>
    double Progress(DateOnly day) => Math.Clamp((day.DayNumber - start.DayNumber) / (double)Math.Max(1, today.DayNumber - start.DayNumber), 0, 1);

    /// <summary>A rate that moves steadily from <paramref name="from"/> at the start of the history to <paramref name="to"/> today.</summary>
    double Trend(DateOnly day, double from, double to) => from + (to - from) * Progress(day);

    void AddMatterEvaluation(MatterRow m, DemoChunk chunk)
    {
        if (m.ReplyRating is { } rating && m.Replied is { } answered && answered <= now)
        {
            // Asked as the reply was given, recorded by the unit's officer with the reply (MatterLifecycle.ReplyAsync).
            chunk.Evaluations.Add(new EvaluationRow(++evaluationId, null, m.Id, rating, m.ReplyRatingChannel!, answered, m.UnitUser));
            return;
        }

        // A later rating of the handling, by phone or message after the reply; on-the-spot cases were rated on the card.
        if (m.Replied is not { } replied || m.OnSpot || m.ReplyRating is not null || !random.Chance(0.3))
        {
            return;
        }

        var at = WorkTimeAfter(replied, random.Between(1, 7));
        if (at <= now)
        {
            var channel = new[] { EvaluationChannel.Phone, EvaluationChannel.Sms, EvaluationChannel.Online }[random.Weighted([50, 35, 15])];
            chunk.Evaluations.Add(new EvaluationRow(++evaluationId, null, m.Id, Rating([80, 13, 7]), channel, at, random.Pick(windowStaff)));
        }
    }

    string Rating(double[] weights) => new[] { EvaluationRating.Satisfied, EvaluationRating.BasicallySatisfied, EvaluationRating.Dissatisfied }[random.Weighted(weights)];

    int StreetOf(int village) => ids.Units[DemoCounty.Streets[ids.Villages[village].StreetIndex].Code];

    int? UnitUser(int unitId) => UnitAccount(unitId, Roles.UnitOfficer);

    /// <summary>The demo account holding <paramref name="role"/> for a unit, if the demo county has one.</summary>
    int? UnitAccount(int unitId, string role) =>
        DemoCounty.AccountSpecs.FirstOrDefault(s => s.Role == role && s.UnitCode is not null && ids.Units[s.UnitCode] == unitId) is { } spec
            ? ids.Users[spec.Account.Login]
            : null;

    /// <summary>Office hours on a given day.</summary>
    DateTime WorkTimeOn(DateOnly day) => At(day, random.Between(Open, Close - 1800));

    /// <summary>A moment in office hours <paramref name="workingDays"/> working days after <paramref name="t"/> (0: later the same day if still open).</summary>
    DateTime WorkTimeAfter(DateTime t, int workingDays)
    {
        var day = ChinaTime.DayOf(t);
        if (workingDays == 0)
        {
            var latest = At(day, Close);
            if (calendar.IsWorkingDay(day) && t.AddMinutes(30) < latest)
            {
                var from = t.AddMinutes(10);
                var earliest = from > At(day, Open) ? from : At(day, Open);
                return earliest.AddSeconds(random.Between(0, (int)(latest - earliest).TotalSeconds / 2));
            }

            workingDays = 1;
        }

        return WorkTimeOn(calendar.AddWorkingDays(day, workingDays));
    }

    /// <summary>Office hours on the first working day at least <paramref name="days"/> calendar days after <paramref name="t"/>.</summary>
    DateTime LateWorkTime(DateTime t, int days) => WorkTimeOn(calendar.NextWorkingDayOnOrAfter(ChinaTime.DayOf(t).AddDays(days)));

    /// <summary>Share of a working day's arrivals that have come by <paramref name="localSecond"/>.</summary>
    double ArrivalShare(int localSecond)
    {
        if (localSecond <= Open)
        {
            return 0;
        }

        var slot = (localSecond - Open) / SlotSeconds;
        if (slot >= ArrivalSlots.Length)
        {
            return 1;
        }

        var before = slot == 0 ? 0 : slotCumulative[slot - 1];
        var within = (localSecond - Open - slot * SlotSeconds) / (double)SlotSeconds;
        return before + within * (slotCumulative[slot] - before);
    }

    int ArrivalSecond(double share)
    {
        var slot = 0;
        while (slot < slotCumulative.Length - 1 && slotCumulative[slot] <= share)
        {
            slot++;
        }

        var before = slot == 0 ? 0 : slotCumulative[slot - 1];
        var within = (share - before) / (slotCumulative[slot] - before);
        return Open + slot * SlotSeconds + (int)(within * SlotSeconds);
    }

    int Stochastic(double expected)
    {
        var whole = (int)expected;
        return whole + (random.NextDouble() < expected - whole ? 1 : 0);
    }
}
