using Npgsql;
using NpgsqlTypes;
using OpsBoard.Data.Calendar;
using OpsBoard.Data.Personal;

namespace OpsBoard.Data.Demo;

/// <summary>
/// Copies the demo rows into PostgreSQL with binary COPY, inside the caller's transaction.
/// Rows carry planned times; only what has happened by <c>now</c> is written, so the floor and the clocks are live.
/// The synchronous writer API is used on purpose: millions of tiny field writes are much faster without a task each.
/// </summary>
sealed class DemoWriter(NpgsqlConnection connection, DemoIds ids, WorkingCalendar calendar, PersonalDataProtector protector, DateTime now)
{
    static readonly TimeSpan CopyTimeout = TimeSpan.FromMinutes(10);

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
            COPY joint_roster (window_id, day, unit_id, staff_name)
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
            COPY petitioner (id, center_id, name, id_number_enc, id_number_hash, id_number_tail, gender, birth_date, phone, address, locality_id, created_at)
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
            w.Write(p.IdNumber.Tail, NpgsqlDbType.Text);
            w.Write(p.IdNumber.Gender, NpgsqlDbType.Text);
            w.Write(p.Birth, NpgsqlDbType.Date);
            w.WriteOrNull(p.Phone);
            w.Write(p.Address, NpgsqlDbType.Text);
            w.Write(p.LocalityId, NpgsqlDbType.Integer);
            w.Write(p.CreatedAt, NpgsqlDbType.TimestampTz);
        }

        w.Complete();
    }

    void Matters(List<MatterRow> rows)
    {
        const string copy = """
            COPY matter (id, center_id, code, source, category, summary, petitioner_id, locality_id, responsible_unit_id, status,
                         is_accusation, is_collective, is_proxy, received_at, accepted_at, acceptance_reason, acceptance_notice_at,
                         assigned_at, first_contact_at, replied_at, reply_outcome, closed_at, created_at)
            FROM STDIN (FORMAT BINARY)
            """;
        using (var w = Begin(copy))
        {
            foreach (var m in rows)
            {
                var decided = Seen(m.Decided);
                var assigned = Seen(m.Assigned);
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
                w.WriteOrNull(assigned is null ? null : m.ResponsibleUnitId);
                w.Write(Status(m), NpgsqlDbType.Text);
                w.Write(m.IsAccusation, NpgsqlDbType.Boolean);
                w.Write(m.IsCollective, NpgsqlDbType.Boolean);
                w.Write(m.IsProxy, NpgsqlDbType.Boolean);
                w.Write(m.Received, NpgsqlDbType.TimestampTz);
                w.WriteOrNull(m.NotAccepted ? null : decided);
                w.WriteOrNull(m.NotAccepted && decided is not null ? m.AcceptanceReason : null);
                w.WriteOrNull(Seen(m.Notice));
                w.WriteOrNull(assigned);
                w.WriteOrNull(Seen(m.FirstContact));
                w.WriteOrNull(replied);
                w.WriteOrNull(replied is null ? null : m.ReplyOutcome);
                w.WriteOrNull(Seen(m.Closed));
                w.Write(m.Received, NpgsqlDbType.TimestampTz);
            }

            w.Complete();
        }

        Transitions(rows);
        Clocks(rows);
    }

    string Status(MatterRow m)
    {
        if (m.NotAccepted)
        {
            return Seen(m.Decided) is null ? "registered" : "not_accepted";
        }

        return Seen(m.Closed) is not null ? "closed"
            : Seen(m.Replied) is not null ? "replied"
            : Seen(m.FirstContact) is not null ? "handling"
            : Seen(m.UnitReceived) is not null ? "received"
            : Seen(m.Assigned) is not null ? "assigned"
            : Seen(m.Decided) is not null ? "accepted"
            : "registered";
    }

    void Transitions(List<MatterRow> rows)
    {
        const string copy = """
            COPY matter_transition (matter_id, from_status, to_status, at, user_id, unit_id, note)
            FROM STDIN (FORMAT BINARY)
            """;
        using var w = Begin(copy);
        foreach (var m in rows)
        {
            var registered = m.Source switch
            {
                "visit" => "来访登记",
                "letter" => "来信登记",
                "online" => "网上信访登记",
                _ => "来电登记",
            };
            Transition(w, m, null, "registered", m.Received, m.RegisteredBy, null, registered);
            if (m.NotAccepted)
            {
                Transition(w, m, "registered", "not_accepted", m.Decided, m.RegisteredBy, null, m.AcceptanceReason);
                continue;
            }

            var unit = m.ResponsibleUnitId;
            var unitName = ids.UnitNames[unit];
            Transition(w, m, "registered", "accepted", m.Decided, m.RegisteredBy, null, m.OnSpot ? "当场受理" : "予以受理，已告知信访人");
            Transition(w, m, "accepted", "assigned", m.Assigned, m.RegisteredBy, unit, m.OnSpot ? $"{unitName}现场接谈" : $"交办{unitName}");
            Transition(w, m, "assigned", "received", m.UnitReceived, m.UnitUser, unit, "责任单位签收");
            Transition(w, m, "received", "handling", m.FirstContact, m.UnitUser, unit, m.OnSpot ? "当面核实情况" : "电话联系信访人，核实诉求");
            var reply = m.ReplyOutcome switch
            {
                "supported" => "书面答复：诉求予以支持",
                "partly_supported" => "书面答复：诉求部分支持",
                "not_supported" => "书面答复：诉求不予支持，告知复查途径",
                _ => "书面答复：解释说明政策依据",
            };
            Transition(w, m, "handling", "replied", m.Replied, m.UnitUser, unit, m.OnSpot ? "当场答复" : reply);
            Transition(w, m, "replied", "closed", m.Closed, m.RegisteredBy, null, m.OnSpot ? "当场化解，签订息访承诺书" : "办结归档");
        }

        w.Complete();
    }

    void Transition(NpgsqlBinaryImporter w, MatterRow m, string? from, string to, DateTime? at, int? userId, int? unitId, string? note)
    {
        if (Seen(at) is not { } moment)
        {
            return;
        }

        w.StartRow();
        w.Write(m.Id, NpgsqlDbType.Bigint);
        w.WriteOrNull(from);
        w.Write(to, NpgsqlDbType.Text);
        w.Write(moment, NpgsqlDbType.TimestampTz);
        w.WriteOrNull(userId);
        w.WriteOrNull(unitId);
        w.WriteOrNull(note);
        TransitionCount++;
    }

    /// <summary>
    /// The 受理告知 (15 days), 办理答复 (60 days from acceptance, 条例 第三十四条) and 一问一核实 (1 working day) clocks,
    /// due at the end of their last local day, stopped met or breached, or still running with the alert state a job would give them now.
    /// </summary>
    void Clocks(List<MatterRow> rows)
    {
        const string copy = """
            COPY matter_clock (id, matter_id, rule_id, started_at, due_at, extension_days, extension_reason, extension_approver,
                               extension_notified, stopped_at, result, overdue_seconds, alert_state, approaching_at, overdue_at)
            FROM STDIN (FORMAT BINARY)
            """;
        using var w = Begin(copy);
        foreach (var m in rows)
        {
            var acceptanceDue = DemoHistory.EndOfDay(calendar.AddCalendarDays(DemoHistory.LocalDay(m.Received), 15));
            Clock(w, m.Id, ids.AcceptanceRule, m.Received, acceptanceDue, Seen(m.Notice), 0, null, null);

            if (!m.NotAccepted && Seen(m.Decided) is { } accepted)
            {
                var extension = Seen(m.ExtensionDecided) is not null ? m.ExtensionDays : 0;
                var due = DemoHistory.EndOfDay(calendar.AddCalendarDays(DemoHistory.LocalDay(accepted), 60 + extension));
                Clock(w, m.Id, ids.HandlingRule, accepted, due, Seen(m.Replied), extension,
                    extension > 0 ? "案情复杂，需进一步调查核实，经单位负责人批准延期" : null, extension > 0 ? m.ExtensionApprover : null);
            }

            if (Seen(m.UnitReceived) is { } unitReceived)
            {
                var due = DemoHistory.EndOfDay(calendar.AddWorkingDays(DemoHistory.LocalDay(unitReceived), 1));
                Clock(w, m.Id, ids.FirstContactRule, unitReceived, due, Seen(m.FirstContact), 0, null, null);
            }
        }

        w.Complete();
    }

    void Clock(NpgsqlBinaryImporter w, long matterId, int ruleId, DateTime started, DateTime due, DateTime? stopped,
        int extensionDays, string? extensionReason, int? approver)
    {
        // "Approaching" once 75 % of the time is used or only the last (working) day is left (DOMAIN.md, Alerts).
        var quarterLeft = started.AddTicks((long)((due - started).Ticks * 0.75));
        var lastDay = DemoHistory.At(DemoHistory.LocalDay(due), 0);
        var approaching = quarterLeft < lastDay ? quarterLeft : lastDay;
        approaching = new DateTime(approaching.Ticks - approaching.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);
        if (approaching < started)
        {
            approaching = started;
        }

        var until = stopped ?? now;
        w.StartRow();
        w.Write(++clockId, NpgsqlDbType.Bigint);
        w.Write(matterId, NpgsqlDbType.Bigint);
        w.Write(ruleId, NpgsqlDbType.Integer);
        w.Write(started, NpgsqlDbType.TimestampTz);
        w.Write(due, NpgsqlDbType.TimestampTz);
        w.Write(extensionDays, NpgsqlDbType.Integer);
        w.WriteOrNull(extensionReason);
        w.WriteOrNull(approver);
        w.Write(extensionDays > 0, NpgsqlDbType.Boolean);
        w.WriteOrNull(stopped);
        if (stopped is { } stop)
        {
            w.Write(stop <= due ? "met" : "breached", NpgsqlDbType.Text);
            w.Write(stop <= due ? 0L : (long)(stop - due).TotalSeconds, NpgsqlDbType.Bigint);
            w.Write("stopped", NpgsqlDbType.Text);
        }
        else
        {
            w.WriteNull();
            w.WriteNull();
            w.Write(now > due ? "overdue" : now >= approaching ? "approaching" : "running", NpgsqlDbType.Text);
        }

        w.WriteOrNull(approaching <= until ? approaching : null);
        w.WriteOrNull(until > due ? due : null);
    }

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

        // 003 §8: everyone registered on the visit; a collective visit names its representatives (at most five, 条例 第二十条).
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
            if (i > 0 && t.Periods[i].State == "waiting" && t.Periods[i - 1].State == "called")
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
            w.Write(e.RecordedBy, NpgsqlDbType.Integer);
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
}
