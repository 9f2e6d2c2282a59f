using Dapper;
using Npgsql;

namespace OpsBoard.Data.Tests.Schema;

/// <summary>Rules the database itself enforces, whatever code writes to it.</summary>
public sealed class ConstraintTests(DemoDatabaseFixture db) : IClassFixture<DemoDatabaseFixture>
{
    async Task<PostgresException> ViolationAsync(string sql)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        return await Assert.ThrowsAsync<PostgresException>(async () =>
        {
            await connection.ExecuteAsync(sql, transaction: transaction);
            await transaction.CommitAsync();
        });
    }

    [Fact]
    public async Task UserRole_UnitRoleWithoutUnit_IsRefused()
    {
        var error = await ViolationAsync("INSERT INTO user_role (user_id, role) SELECT id, 'unit_officer' FROM app_user LIMIT 1");

        Assert.Equal(PostgresErrorCodes.CheckViolation, error.SqlState);
    }

    [Fact]
    public async Task Ticket_PriorityWithoutReason_IsRefused()
    {
        var error = await ViolationAsync("UPDATE ticket SET priority = true, priority_reason = ' ' WHERE id = (SELECT min(id) FROM ticket)");

        Assert.Equal(PostgresErrorCodes.CheckViolation, error.SqlState);
    }

    [Fact]
    public async Task VisitPerson_SixthRepresentative_IsRefusedAtCommit()
    {
        var error = await ViolationAsync("""
            WITH v AS (SELECT min(id) AS id FROM visit),
                 p AS (SELECT id FROM petitioner ORDER BY id LIMIT 6)
            INSERT INTO visit_person (visit_id, petitioner_id, is_representative)
            SELECT v.id, p.id, true FROM v, p
            ON CONFLICT (visit_id, petitioner_id) DO UPDATE SET is_representative = true
            """);

        Assert.Contains("at most 5 representatives", error.MessageText);
    }

    [Fact]
    public async Task CalendarDay_WorkdayOnAWeekday_IsRefused()
    {
        var error = await ViolationAsync("INSERT INTO calendar_day (day, kind, name, schedule_year) VALUES ('2030-01-02', 'workday', '测试', 2030)");

        Assert.Equal(PostgresErrorCodes.CheckViolation, error.SqlState);
    }

    [Fact]
    public async Task MatterClock_ExtensionOver30Days_IsRefused()
    {
        var error = await ViolationAsync("""
            UPDATE matter_clock
            SET extension_days = 31, extension_reason = '测试', extension_approver = (SELECT min(id) FROM app_user)
            WHERE id = (SELECT min(id) FROM matter_clock)
            """);

        Assert.Equal(PostgresErrorCodes.CheckViolation, error.SqlState);
    }
}
