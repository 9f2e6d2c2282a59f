using Npgsql;
using NpgsqlTypes;
using OpsBoard.Data.Matters;
using OpsBoard.Data.Personal;
using OpsBoard.Data.Reception;

namespace OpsBoard.Data.Demo;

/// <summary>
/// Copies the demo rows into PostgreSQL with binary COPY, inside the caller's transaction.
/// Rows carry planned times; only what has happened by <c>now</c> is written, so the floor and the clocks are live.
/// The synchronous writer API is used on purpose: millions of tiny field writes are much faster without a task each.
/// </summary>
sealed class DemoWriter(NpgsqlConnection connection, DemoIds ids, DemoRules rules, PersonalDataProtector protector, DateTime now)
{
    static readonly TimeSpan CopyTimeout = TimeSpan.FromMinutes(10);

    readonly List<ClockRow> windows = [];
    long clockId;

    public long ClockCount => clockId;

    public long TransitionCount { get; private set; }

    public long PeriodCount { get; private set; }

    public long PersonCount { get; private set; }

    public void Units(IEnumerable<(int Id, int? ParentId, string Kind, string Code, string Name)> units)
    {
        const string copy = """
            COPY unit (id, center_id, parent_id, kind, code, name)
            FROM STDIN (FORMAT BINARY)
            """;
        using var w = Begin(copy);
        foreach (var u in units)
        {
            w.StartRow();
            w.Write(u.Id, NpgsqlDbType.Integer);
            w.Write(ids.CenterId, NpgsqlDbType.Integer);
            w.WriteOrNull(u.ParentId);
            w.Write(u.Kind, NpgsqlDbType.Text);
            w.Write(u.Code, NpgsqlDbType.Text);
            w.Write(u.Name, NpgsqlDbType.Text);
        }

        w.Complete();
    }

    public void LinesAndWindows()
    {
        const string lines = """
            COPY service_line (id, center_id, code, name, kind, unit_id)
            FROM STDIN (FORMAT BINARY)
            """;
        using (var w = Begin(lines))
        {
            foreach (var line in DemoCounty.Lines)
            {
                w.StartRow();
                w.Write(ids.Lines[line.Code], NpgsqlDbType.Integer);
                w.Write(ids.CenterId, NpgsqlDbType.Integer);
                w.Write(line.Code.ToString(), NpgsqlDbType.Text);
                w.Write(line.Name, NpgsqlDbType.Text);
                w.Write(line.Kind, NpgsqlDbType.Text);
                w.WriteOrNull(line.UnitCode is null ? null : ids.Units[line.UnitCode]);
            }

            w.Complete();
        }

        const string windows = """
            COPY service_window (id, center_id, code, name, kind)
            FROM STDIN (FORMAT BINARY)
            """;
        using (var w = Begin(windows))
        {
            foreach (var window in DemoCounty.Windows)
            {
                w.StartRow();
                w.Write(ids.Windows[window.Code], NpgsqlDbType.Integer);
                w.Write(ids.CenterId, NpgsqlDbType.Integer);
                w.Write(window.Code, NpgsqlDbType.Text);
                w.Write(window.Name, NpgsqlDbType.Text);
                w.Write(window.Kind, NpgsqlDbType.Text);
            }

            w.Complete();
        }

        const string windowLines = """
            COPY window_line (window_id, service_line_id)
            FROM STDIN (FORMAT BINARY)
            """;
        using (var w = Begin(windowLines))
        {
            foreach (var window in DemoCounty.Windows)
            {
                foreach (var line in window.Lines)
                {
                    w.StartRow();
                    w.Write(ids.Windows[window.Code], NpgsqlDbType.Integer);
                    w.Write(ids.Lines[line], NpgsqlDbType.Integer);
                }
            }

            w.Complete();
        }
    }

    public void Rosters(List<JointRosterRow> joint, List<DutyRosterRow> duty)
    {
        const string jointCopy = """
            COPY joint_roster (window_id, day, unit_id, staff_name, user_id)
            FROM STDIN (FORMAT BINARY)
            """;
        using (var w = Begin(jointCopy))
        {
            foreach (var r in joint)
            {
                w.StartRow();
                w.Write(r.WindowId, NpgsqlDbType.Integer);
                w.Write(r.Day, NpgsqlDbType.Date);
                w.Write(r.UnitId, NpgsqlDbType.Integer);
                w.Write(r.StaffName, NpgsqlDbType.Text);
                w.Write(ids.Users[r.StaffLogin], NpgsqlDbType.Integer);
            }

            w.Complete();
        }

        const string dutyCopy = """
            COPY duty_roster (center_id, day, role, user_id, name, title)
            FROM STDIN (FORMAT BINARY)
            """;
        using (var w = Begin(dutyCopy))
        {
            foreach (var r in duty)
            {
                w.StartRow();
                w.Write(ids.CenterId, NpgsqlDbType.Integer);
                w.Write(r.Day, NpgsqlDbType.Date);
                w.Write(r.Role, NpgsqlDbType.Text);
                w.WriteOrNull(r.UserId);
                w.Write(r.Name, NpgsqlDbType.Text);
                w.Write(r.Title, NpgsqlDbType.Text);
            }

            w.Complete();
        }
    }

    public void WaitingArea(int seats)
    {
        const string copy = """
            COPY waiting_area (id, center_id, name, seats)
            FROM STDIN (FORMAT BINARY)
            """;
        using var w = Begin(copy);
        w.StartRow();
        w.Write(ids.WaitingArea, NpgsqlDbType.Integer);
        w.Write(ids.CenterId, NpgsqlDbType.Integer);
        w.Write("候访大厅", NpgsqlDbType.Text);
        w.Write(seats, NpgsqlDbType.Integer);
        w.Complete();
    }

    /// <summary>Who sits at which window right now: the reception and registration desks staffed by the demo clerks.</summary>
    public void WindowSessions(IEnumerable<(string Window, string Login)> sessions, DateTime startedAt)
    {
        const string copy = """
            COPY window_session (window_id, user_id, started_at)
            FROM STDIN (FORMAT BINARY)
            """;
        using var w = Begin(copy);
        foreach (var (window, login) in sessions)
        {
            w.StartRow();
            w.Write(ids.Windows[window], NpgsqlDbType.Integer);
            w.Write(ids.Users[login], NpgsqlDbType.Integer);
            w.Write(startedAt, NpgsqlDbType.TimestampTz);
        }

        w.Complete();
    }

    /// <summary>One month of history, parents before children so every foreign key finds its row.</summary>
    public void Chunk(DemoChunk chunk)
    {
        Petitioners(chunk.Petitioners);
        Matters(chunk.Matters);
        Visits(chunk.Visits);
        Tickets(chunk.Tickets);
        Counters(chunk.Counters);
        Evaluations(chunk.Evaluations);
        Movements(chunk.Movements);
    }

    void Petitioners(List<PetitionerRow> rows)
    {
        const string copy = """
            COPY petitioner (id, center_id, name, id_number_enc, id_number_hash, phone, address, locality_id, created_at)
            FROM STDIN (FORMAT BINARY)
            """;
        using var w = Begin(copy);
        foreach (var p in rows)
        {
            w.StartRow();
            w.Write(p.Id, NpgsqlDbType.Bigint);
            w.Write(ids.CenterId, NpgsqlDbType.Integer);
            w.Write(p.Name, NpgsqlDbType.Text);
            w.Write(protector.Encrypt(p.IdNumber), NpgsqlDbType.Bytea);
            w.Write(protector.LookupHash(p.IdNumber), NpgsqlDbType.Bytea);
            w.WriteOrNull(p.Phone);
            w.Write(p.Address, NpgsqlDbType.Text);
            w.Write(p.LocalityId, NpgsqlDbType.Integer);
            w.Write(p.CreatedAt, NpgsqlDbType.TimestampTz);
        }

        w.Complete();
    }

    void Matters(List<MatterRow> rows)
    {
        // What each matter has gone through by now: its status, dates and transitions all come from these steps.
        var seen = new List<PlannedStep>[rows.Count];
        for (var i = 0; i < rows.Count; i++)
        {
            var steps = DemoSteps.Of(rows[i], ids);
            var happened = steps.FindIndex(s => s.At > now);
            if (happened >= 0)
            {
                steps.RemoveRange(happened, steps.Count - happened);
            }

            seen[i] = steps;
        }

        const string copy = """
            COPY matter (id, center_id, code, source, category, summary, petitioner_id, locality_id, responsible_unit_id, status,
                         is_accusation, is_collective, is_proxy, proxy_name, received_at, accepted_at, acceptance_reason, acceptance_notice_at,
                         assigned_at, first_contact_at, replied_at, reply_outcome, closed_at, created_at)
            FROM STDIN (FORMAT BINARY)
            """;
        using (var w = Begin(copy))
        {
            for (var i = 0; i < rows.Count; i++)
            {
                var m = rows[i];
                var steps = seen[i];
                var status = steps.FindLast(s => s.To is not null);
                var statusCode = status.To ?? MatterStatus.Registered;
                var assignment = steps.FindLast(s => s.To == MatterStatus.Assigned);
                var replied = Seen(m.Replied);
                w.StartRow();
                w.Write(m.Id, NpgsqlDbType.Bigint);
                w.Write(ids.CenterId, NpgsqlDbType.Integer);
                w.Write(m.Code, NpgsqlDbType.Text);
                w.Write(m.Source, NpgsqlDbType.Text);
                w.Write(m.Category, NpgsqlDbType.Text);
                w.Write(m.Summary, NpgsqlDbType.Text);
                w.Write(m.PetitionerId, NpgsqlDbType.Bigint);
                w.Write(m.LocalityId, NpgsqlDbType.Integer);
                w.WriteOrNull(assignment.To is null ? null : assignment.UnitId);
                w.Write(statusCode, NpgsqlDbType.Text);
                w.Write(m.IsAccusation, NpgsqlDbType.Boolean);
                w.Write(m.IsCollective, NpgsqlDbType.Boolean);
                w.Write(m.IsProxy, NpgsqlDbType.Boolean);
                w.WriteOrNull(m.ProxyName);
                w.Write(m.Received, NpgsqlDbType.TimestampTz);
                w.WriteOrNull(m.NotAccepted ? null : Seen(m.Decided));
                w.WriteOrNull(statusCode == MatterStatus.NotAccepted ? m.AcceptanceReason : null);
                w.WriteOrNull(Seen(m.Notice));
                w.WriteOrNull(assignment.To is null ? null : assignment.At);
                w.WriteOrNull(Seen(m.FirstContact));
                w.WriteOrNull(replied);
                w.WriteOrNull(replied is null ? null : m.ReplyOutcome);
                // A file is closed by 办结, 不予受理 or a decision on 复查/复核; a request for either reopens it.
                w.WriteOrNull(statusCode is MatterStatus.Closed or MatterStatus.NotAccepted or MatterStatus.Reviewed or MatterStatus.Finalized
                    ? status.At : null);
                w.Write(m.Received, NpgsqlDbType.TimestampTz);
            }

            w.Complete();
        }

        Transitions(seen, rows);
        Clocks(rows);
    }

    void Transitions(List<PlannedStep>[] seen, List<MatterRow> rows)
    {
        const string copy = """
            COPY matter_transition (matter_id, from_status, to_status, at, user_id, unit_id, note)
            FROM STDIN (FORMAT BINARY)
            """;
        using var w = Begin(copy);
        for (var i = 0; i < rows.Count; i++)
        {
            string? from = null;
            foreach (var step in seen[i])
            {
                var to = step.To ?? from!;
                w.StartRow();
                w.Write(rows[i].Id, NpgsqlDbType.Bigint);
                w.WriteOrNull(from);
                w.Write(to, NpgsqlDbType.Text);
                w.Write(step.At, NpgsqlDbType.TimestampTz);
                w.WriteOrNull(step.UserId);
                w.WriteOrNull(step.UnitId);
                w.Write(step.Note, NpgsqlDbType.Text);
                TransitionCount++;
                from = to;
            }
        }

        w.Complete();
    }

    /// <summary>
    /// Every clock the lifecycle starts (<see cref="MatterIntake"/>, <see cref="MatterLifecycle"/>, <see cref="Supervisions"/>),
    /// on the rule version in force on its start day, due when <see cref="DeadlineRule.DueFor"/> says. A stopped clock is
    /// written as <see cref="MatterClocks.StopAsync"/> leaves it; a running one as just started, for the seeder to hand to
    /// <see cref="ClockWatcher.MarkAsync"/>. Then the rows that point at clocks: pauses, extension requests, 督办 sheets.
    /// </summary>
    void Clocks(List<MatterRow> rows)
    {
        var pauses = new List<(long ClockId, DateTime From, DateTime? To)>();
        var extensions = new List<(long ClockId, MatterRow Matter)>();
        var supervisions = new List<(long ClockId, MatterRow Matter)>();
        using (var w = Begin(ClockCopy))
        {
            foreach (var m in rows)
            {
                Clock(w, m, ClockKind.Transfer, m.Received, m.NotAccepted ? m.Decided : m.FirstAssigned ?? m.Assigned);
                Clock(w, m, ClockKind.AcceptanceNotice, m.Received, m.Notice);
                if (m.NotAccepted)
                {
                    continue;
                }

                var extended = Seen(m.ExtensionDecided) is null ? 0 : m.ExtensionDays;
                var handling = Clock(w, m, ClockKind.Handling, m.Decided, m.Replied, extended);
                Clock(w, m, ClockKind.LocalHandlingFor(m.Source), m.Decided, m.Replied);
                if (m.FirstAssigned is not null)
                {
                    Clock(w, m, ClockKind.Objection, m.FirstAssigned, m.Returned);
                }

                Clock(w, m, ClockKind.Objection, m.Assigned, m.UnitReceived);
                Clock(w, m, ClockKind.FirstContact, m.UnitReceived, m.FirstContact);
                var sheet = Clock(w, m, ClockKind.Supervision, m.Supervised, m.SupervisionFeedback);
                if (sheet > 0)
                {
                    supervisions.Add((sheet, m));
                }

                if (Seen(m.ExtensionRequested) is not null)
                {
                    extensions.Add((handling, m));
                }

                Window(m, ClockKind.ReviewRequest, m.Replied, m.ReviewRequested);
                Clock(w, m, ClockKind.ReviewDecision, m.ReviewRequested, m.ReviewDecided);
                Window(m, ClockKind.ReReviewRequest, m.ReviewDecided, m.ReReviewRequested);
                var reReview = Clock(w, m, ClockKind.ReReviewDecision, m.ReReviewRequested, m.ReReviewDecided, pause: m.HearingStarted);
                if (reReview > 0 && Seen(m.HearingStarted) is { } hearing)
                {
                    pauses.Add((reReview, hearing, Seen(m.HearingEnded)));
                }
            }

            w.Complete();
        }

        Pauses(pauses);
        ExtensionRequests(extensions);
        SupervisionSheets(supervisions);
    }

    const string ClockCopy = """
        COPY matter_clock (id, matter_id, center_id, rule_id, started_at, due_at, extension_days, extension_reason, extension_approver,
                           extension_notified, stopped_at, result, overdue_seconds, alert_state, approaching_from, approaching_at, overdue_at)
        FROM STDIN (FORMAT BINARY)
        """;

    /// <summary>A clock of <paramref name="kind"/> if it has started by now, its id (0 if not).</summary>
    long Clock(NpgsqlBinaryImporter w, MatterRow m, string kind, DateTime? startedAt, DateTime? stoppedAt, int extensionDays = 0, DateTime? pause = null)
    {
        if (Seen(startedAt) is not { } started)
        {
            return 0;
        }

        var clock = Planned(m, kind, started, stoppedAt, extensionDays, pause);
        Write(w, clock);
        return clockId;
    }

    /// <summary>
    /// The petitioner's own window for 复查/复核: it runs from the reply (or the review decision) until a request stops it,
    /// and when nobody asks it is simply left to run out. Held back and written in <see cref="Finish"/>, after every other
    /// clock: the watcher never marks these, so they take the highest ids and "the first running clock" is one it watches.
    /// </summary>
    void Window(MatterRow m, string kind, DateTime? startedAt, DateTime? stoppedAt)
    {
        if (Seen(startedAt) is { } started)
        {
            windows.Add(Planned(m, kind, started, stoppedAt, 0, null));
        }
    }

    ClockRow Planned(MatterRow m, string kind, DateTime started, DateTime? stoppedAt, int extensionDays, DateTime? pause)
    {
        var rule = rules.InForce(kind, started);
        // Days paused count once the hearing is over, as MatterClocks.ResumeAsync counts them.
        var pausedDays = pause is { } from && Seen(m.HearingEnded) is { } to
            ? rule.DaysBetween(ChinaTime.DayOf(from), ChinaTime.DayOf(to), rules.Calendar)
            : 0;
        var startedAt = DemoRules.Utc(started);
        var due = rule.DueFor(startedAt, rules.Calendar, extensionDays, pausedDays);
        return new ClockRow(m.Id, rule.Id, startedAt, due, DeadlineRule.ApproachingFrom(startedAt, due), extensionDays,
            extensionDays > 0 ? DemoSteps.ExtensionReasonOf(m) : null, extensionDays > 0 ? m.ExtensionApprover : null,
            Seen(stoppedAt) is { } stopped ? DemoRules.Utc(stopped) : null);
    }

    void Write(NpgsqlBinaryImporter w, in ClockRow c)
    {
        w.StartRow();
        w.Write(++clockId, NpgsqlDbType.Bigint);
        w.Write(c.MatterId, NpgsqlDbType.Bigint);
        w.Write(ids.CenterId, NpgsqlDbType.Integer);
        w.Write(c.RuleId, NpgsqlDbType.Integer);
        w.Write(c.Started, NpgsqlDbType.TimestampTz);
        w.Write(c.Due, NpgsqlDbType.TimestampTz);
        w.Write(c.ExtensionDays, NpgsqlDbType.Integer);
        w.WriteOrNull(c.ExtensionReason);
        w.WriteOrNull(c.ExtensionApprover);
        w.Write(c.ExtensionDays > 0, NpgsqlDbType.Boolean);
        if (c.Stopped is { } stopped)
        {
            // As MatterClocks.StopAsync leaves a clock, with the moments it passed on the way.
            w.Write(stopped, NpgsqlDbType.TimestampTz);
            w.Write(ClockResult.Of(stopped, c.Due), NpgsqlDbType.Text);
            w.Write(Math.Max(0L, (long)(stopped - c.Due).TotalSeconds), NpgsqlDbType.Bigint);
            w.Write(ClockAlertState.Stopped, NpgsqlDbType.Text);
            w.Write(c.ApproachingFrom, NpgsqlDbType.TimestampTz);
            w.WriteOrNull(c.ApproachingFrom <= stopped ? c.ApproachingFrom : null);
            w.WriteOrNull(stopped > c.Due ? c.Due : null);
        }
        else
        {
            // Just started, as far as this row knows: ClockWatcher.MarkAsync gives it its alert state afterwards.
            w.WriteNull();
            w.WriteNull();
            w.WriteNull();
            w.Write(ClockAlertState.Running, NpgsqlDbType.Text);
            w.Write(c.ApproachingFrom, NpgsqlDbType.TimestampTz);
            w.WriteNull();
            w.WriteNull();
        }
    }

    /// <summary>The petitioners' windows held back by <see cref="Window"/>, once the whole history is in.</summary>
    public void Finish()
    {
        using var w = Begin(ClockCopy);
        foreach (var clock in windows)
        {
            Write(w, clock);
        }

        w.Complete();
        windows.Clear();
    }

    /// <summary>A 复核 hearing (条例 第三十六条) pauses the decision clock; one still going has no resumed_at yet.</summary>
    void Pauses(List<(long ClockId, DateTime From, DateTime? To)> rows)
    {
        if (rows.Count == 0)
        {
            return;
        }

        const string copy = """
            COPY clock_pause (clock_id, reason, paused_at, resumed_at)
            FROM STDIN (FORMAT BINARY)
            """;
        using var w = Begin(copy);
        foreach (var (clock, from, to) in rows)
        {
            w.StartRow();
            w.Write(clock, NpgsqlDbType.Bigint);
            w.Write(ClockEvent.Hearing, NpgsqlDbType.Text);
            w.Write(from, NpgsqlDbType.TimestampTz);
            w.WriteOrNull(to);
        }

        w.Complete();
    }

    /// <summary>The unit's request and its leader's approval (条例 第三十四条); one not yet decided is pending.</summary>
    void ExtensionRequests(List<(long ClockId, MatterRow Matter)> rows)
    {
        if (rows.Count == 0)
        {
            return;
        }

        const string copy = """
            COPY extension_request (clock_id, days, reason, requested_by, requested_at, decided_by, decided_at, approved, petitioner_notified)
            FROM STDIN (FORMAT BINARY)
            """;
        using var w = Begin(copy);
        foreach (var (clock, m) in rows)
        {
            var decided = Seen(m.ExtensionDecided);
            w.StartRow();
            w.Write(clock, NpgsqlDbType.Bigint);
            w.Write(m.ExtensionDays, NpgsqlDbType.Integer);
            w.Write(DemoSteps.ExtensionReasonOf(m), NpgsqlDbType.Text);
            w.Write(m.UnitUser!.Value, NpgsqlDbType.Integer);
            w.Write(m.ExtensionRequested!.Value, NpgsqlDbType.TimestampTz);
            w.WriteOrNull(decided is null ? null : m.ExtensionApprover);
            w.WriteOrNull(decided);
            if (decided is null)
            {
                w.WriteNull();
            }
            else
            {
                w.Write(true, NpgsqlDbType.Boolean);
            }

            w.Write(decided is not null, NpgsqlDbType.Boolean);
        }

        w.Complete();
    }

    void SupervisionSheets(List<(long ClockId, MatterRow Matter)> rows)
    {
        if (rows.Count == 0)
        {
            return;
        }

        const string copy = """
            COPY supervision (matter_id, unit_id, issued_at, issued_by, request, clock_id, feedback, feedback_at)
            FROM STDIN (FORMAT BINARY)
            """;
        using var w = Begin(copy);
        foreach (var (clock, m) in rows)
        {
            var feedback = Seen(m.SupervisionFeedback);
            w.StartRow();
            w.Write(m.Id, NpgsqlDbType.Bigint);
            w.Write(m.ResponsibleUnitId, NpgsqlDbType.Integer);
            w.Write(m.Supervised!.Value, NpgsqlDbType.TimestampTz);
            w.Write(ids.Users["director"], NpgsqlDbType.Integer);
            w.Write("请加快办理进度，7日内书面反馈办理情况", NpgsqlDbType.Text);
            w.Write(clock, NpgsqlDbType.Bigint);
            w.WriteOrNull(feedback is null ? null : "已约见信访人，正在协调相关部门落实，预计近期答复");
            w.WriteOrNull(feedback);
        }

        w.Complete();
    }

    readonly record struct ClockRow(long MatterId, int RuleId, DateTimeOffset Started, DateTimeOffset Due, DateTimeOffset ApproachingFrom,
        int ExtensionDays, string? ExtensionReason, int? ExtensionApprover, DateTimeOffset? Stopped);

    void Visits(List<VisitRow> rows)
    {
        const string copy = """
            COPY visit (id, center_id, matter_id, petitioner_id, arrived_at, visit_day, headcount, is_first_visit, level,
                        behaviours, locality_id, outcome, registered_by, created_at)
            FROM STDIN (FORMAT BINARY)
            """;
        using (var w = Begin(copy))
        {
            foreach (var v in rows)
            {
                var finished = v.Ticket is null || Seen(v.Ticket.Closed) is not null;
                w.StartRow();
                w.Write(v.Id, NpgsqlDbType.Bigint);
                w.Write(ids.CenterId, NpgsqlDbType.Integer);
                w.Write(v.MatterId, NpgsqlDbType.Bigint);
                w.Write(v.Case.Members[0], NpgsqlDbType.Bigint);
                w.Write(v.Arrived, NpgsqlDbType.TimestampTz);
                w.Write(v.Day, NpgsqlDbType.Date);
                w.Write(v.Headcount, NpgsqlDbType.Integer);
                w.Write(v.First, NpgsqlDbType.Boolean);
                w.Write(v.Level, NpgsqlDbType.Text);
                w.Write(v.Behaviours, NpgsqlDbType.Array | NpgsqlDbType.Text);
                w.Write(v.LocalityId, NpgsqlDbType.Integer);
                w.WriteOrNull(finished ? v.Outcome : null);
                w.Write(v.RegisteredBy, NpgsqlDbType.Integer);
                w.Write(v.Arrived, NpgsqlDbType.TimestampTz);
            }

            w.Complete();
        }

        // 《常州“五心”服务标准》第8项: everyone registered on the visit; a collective visit names its representatives (at most five, 条例 第二十条).
        const string people = """
            COPY visit_person (visit_id, petitioner_id, is_representative)
            FROM STDIN (FORMAT BINARY)
            """;
        using (var w = Begin(people))
        {
            foreach (var v in rows)
            {
                var members = v.Case.Members;
                for (var i = 0; i < members.Length; i++)
                {
                    w.StartRow();
                    w.Write(v.Id, NpgsqlDbType.Bigint);
                    w.Write(members[i], NpgsqlDbType.Bigint);
                    w.Write(v.Case.Collective && i < v.Case.Representatives, NpgsqlDbType.Boolean);
                    PersonCount++;
                }
            }

            w.Complete();
        }
    }

    void Tickets(List<TicketRow> rows)
    {
        const string copy = """
            COPY ticket (id, center_id, visit_id, service_line_id, issued_on, seq, number, priority, priority_reason, state,
                         window_id, queue_at, no_shows, issued_at, closed_at, outcome)
            FROM STDIN (FORMAT BINARY)
            """;
        using (var w = Begin(copy))
        {
            foreach (var t in rows)
            {
                var (state, window, noShows, closed) = StateNow(t);
                w.StartRow();
                w.Write(t.Id, NpgsqlDbType.Bigint);
                w.Write(ids.CenterId, NpgsqlDbType.Integer);
                w.Write(t.VisitId, NpgsqlDbType.Bigint);
                w.Write(t.LineId, NpgsqlDbType.Integer);
                w.Write(t.Day, NpgsqlDbType.Date);
                w.Write(t.Seq, NpgsqlDbType.Integer);
                w.Write($"{t.Line}{t.Seq:D3}", NpgsqlDbType.Text);
                w.Write(t.PriorityReason is not null, NpgsqlDbType.Boolean);
                w.WriteOrNull(t.PriorityReason);
                w.Write(state, NpgsqlDbType.Text);
                w.WriteOrNull(window);
                w.Write(t.Issued, NpgsqlDbType.TimestampTz);
                w.Write(noShows, NpgsqlDbType.Integer);
                w.Write(t.Issued, NpgsqlDbType.TimestampTz);
                w.WriteOrNull(closed);
                w.WriteOrNull(closed is null ? null : t.Outcome);
            }

            w.Complete();
        }

        const string periods = """
            COPY ticket_period (ticket_id, state, window_id, started_at, ended_at)
            FROM STDIN (FORMAT BINARY)
            """;
        using (var w = Begin(periods))
        {
            foreach (var t in rows)
            {
                foreach (var p in t.Periods)
                {
                    if (p.Start > now)
                    {
                        break;
                    }

                    w.StartRow();
                    w.Write(t.Id, NpgsqlDbType.Bigint);
                    w.Write(p.State, NpgsqlDbType.Text);
                    w.WriteOrNull(p.WindowId);
                    w.Write(p.Start, NpgsqlDbType.TimestampTz);
                    w.WriteOrNull(Seen(p.End));
                    PeriodCount++;
                }
            }

            w.Complete();
        }
    }

    /// <summary>Where a ticket stands at <c>now</c>: its final state once closed, else the state of its open period.</summary>
    (string State, int? Window, int NoShows, DateTime? Closed) StateNow(TicketRow t)
    {
        if (Seen(t.Closed) is { } closed)
        {
            var window = t.Periods.Last(p => p.WindowId is not null).WindowId;
            return (t.FinalState, window, t.NoShows, closed);
        }

        TicketPeriod current = t.Periods[0];
        var missed = 0;
        for (var i = 0; i < t.Periods.Count && t.Periods[i].Start <= now; i++)
        {
            if (i > 0 && t.Periods[i].State == TicketState.Waiting && t.Periods[i - 1].State == TicketState.Called)
            {
                missed++;
            }

            current = t.Periods[i];
        }

        return (current.State, current.WindowId, missed, null);
    }

    void Counters(List<TicketCounterRow> rows)
    {
        const string copy = """
            COPY ticket_counter (service_line_id, day, last_seq)
            FROM STDIN (FORMAT BINARY)
            """;
        using var w = Begin(copy);
        foreach (var c in rows)
        {
            w.StartRow();
            w.Write(c.LineId, NpgsqlDbType.Integer);
            w.Write(c.Day, NpgsqlDbType.Date);
            w.Write(c.LastSeq, NpgsqlDbType.Integer);
        }

        w.Complete();
    }

    void Evaluations(List<EvaluationRow> rows)
    {
        const string copy = """
            COPY evaluation (id, visit_id, matter_id, rating, channel, at, recorded_by)
            FROM STDIN (FORMAT BINARY)
            """;
        using var w = Begin(copy);
        foreach (var e in rows)
        {
            w.StartRow();
            w.Write(e.Id, NpgsqlDbType.Bigint);
            w.WriteOrNull(e.VisitId);
            w.WriteOrNull(e.MatterId);
            w.Write(e.Rating, NpgsqlDbType.Text);
            w.Write(e.Channel, NpgsqlDbType.Text);
            w.Write(e.At, NpgsqlDbType.TimestampTz);
            w.WriteOrNull(e.RecordedBy);
        }

        w.Complete();
    }

    void Movements(List<WaitingMovementRow> rows)
    {
        if (rows.Count == 0)
        {
            return;
        }

        const string copy = """
            COPY waiting_movement (area_id, visit_id, people, at, day, user_id)
            FROM STDIN (FORMAT BINARY)
            """;
        using var w = Begin(copy);
        foreach (var m in rows)
        {
            w.StartRow();
            w.Write(ids.WaitingArea, NpgsqlDbType.Integer);
            w.Write(m.VisitId, NpgsqlDbType.Bigint);
            w.Write(m.People, NpgsqlDbType.Integer);
            w.Write(m.At, NpgsqlDbType.TimestampTz);
            w.Write(m.Day, NpgsqlDbType.Date);
            w.WriteOrNull(m.UserId);
        }

        w.Complete();
    }

    DateTime? Seen(DateTime? at) => at <= now ? at : null;

    NpgsqlBinaryImporter Begin(string copy)
    {
        var importer = connection.BeginBinaryImport(copy);
        importer.Timeout = CopyTimeout;
        return importer;
    }
}

static class BinaryImporterExtensions
{
    public static void WriteOrNull(this NpgsqlBinaryImporter w, string? value)
    {
        if (value is null)
        {
            w.WriteNull();
        }
        else
        {
            w.Write(value, NpgsqlDbType.Text);
        }
    }

    public static void WriteOrNull(this NpgsqlBinaryImporter w, int? value)
    {
        if (value is { } v)
        {
            w.Write(v, NpgsqlDbType.Integer);
        }
        else
        {
            w.WriteNull();
        }
    }

    public static void WriteOrNull(this NpgsqlBinaryImporter w, long? value)
    {
        if (value is { } v)
        {
            w.Write(v, NpgsqlDbType.Bigint);
        }
        else
        {
            w.WriteNull();
        }
    }

    public static void WriteOrNull(this NpgsqlBinaryImporter w, DateTime? value)
    {
        if (value is { } v)
        {
            w.Write(v, NpgsqlDbType.TimestampTz);
        }
        else
        {
            w.WriteNull();
        }
    }

    public static void WriteOrNull(this NpgsqlBinaryImporter w, DateTimeOffset? value)
    {
        if (value is { } v)
        {
            w.Write(v, NpgsqlDbType.TimestampTz);
        }
        else
        {
            w.WriteNull();
        }
    }
}
