using Dapper;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Audit;

namespace OpsBoard.Data.Tests.Audit;

public sealed class AuditRetentionTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    async Task<(int CenterId, int AuditorId)> AuditorAsync()
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var centerId = await connection.ExecuteScalarAsync<int>("""
            INSERT INTO center (code, name, county) VALUES ('audit', '测试中心', '测试县')
            ON CONFLICT (code) DO UPDATE SET name = excluded.name
            RETURNING id
            """);
        var login = "a" + Guid.NewGuid().ToString("N")[..10];
        var id = await new UserStore(db.DataSource, TimeProvider.System).CreateAsync(connection, null, centerId,
            new NewUser(login, "审计员", "Correct#Horse1", [(Roles.Auditor, null)]));
        return (centerId, id);
    }

    async Task<long> InsertAsync(string age)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>(
            $"INSERT INTO audit_log (action, at) VALUES ('test.row', now() - interval '{age}') RETURNING id");
    }

    async Task<bool> ExistsAsync(long id)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM audit_log WHERE id = @id)", new { id });
    }

    [Fact]
    public async Task PurgeAsync_DefaultRetention_KeepsAYearRemovesOlder()
    {
        var retention = new AuditRetention(db.DataSource);
        Assert.Equal(AuditRetention.DefaultDays, await retention.DaysAsync());
        var older = await InsertAsync("400 days");
        var inYear = await InsertAsync("300 days");
        var recent = await InsertAsync("1 day");

        var removed = await retention.PurgeAsync();

        Assert.True(removed >= 1);
        Assert.False(await ExistsAsync(older));
        Assert.True(await ExistsAsync(inYear));
        Assert.True(await ExistsAsync(recent));
        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.True(await connection.ExecuteScalarAsync<bool>(
            "SELECT EXISTS (SELECT 1 FROM audit_log WHERE action = 'audit.purged' AND (detail->>'removed')::int >= 1)"));
    }

    [Fact]
    public async Task SetAsync_ShorterRetention_PurgeRemovesOlderButNeverYoungerThanSixMonths()
    {
        var (centerId, auditorId) = await AuditorAsync();
        var retention = new AuditRetention(db.DataSource);
        await retention.SetAsync(Actor.Center(auditorId, centerId, Roles.Auditor), AuditRetention.MinimumDays);
        var sevenMonths = await InsertAsync("7 months");
        var fiveMonths = await InsertAsync("5 months");
        var sixMonthsLess = await InsertAsync("183 days");

        await retention.PurgeAsync();

        Assert.False(await ExistsAsync(sevenMonths));
        Assert.True(await ExistsAsync(fiveMonths));
        Assert.True(await ExistsAsync(sixMonthsLess));
        await retention.SetAsync(Actor.Center(auditorId, centerId, Roles.Auditor), AuditRetention.DefaultDays);
    }

    [Theory]
    [InlineData(30)]
    [InlineData(180)]
    [InlineData(183)]
    public async Task SetAsync_BelowSixMonths_IsRefusedAndChangesNothing(int days)
    {
        var (centerId, auditorId) = await AuditorAsync();
        var retention = new AuditRetention(db.DataSource);
        var before = await retention.DaysAsync();

        var refused = await Assert.ThrowsAsync<RefusedException>(() => retention.SetAsync(Actor.Center(auditorId, centerId, Roles.Auditor), days));

        Assert.Contains("至少留存六个月", refused.Message);
        Assert.Equal(before, await retention.DaysAsync());
    }

    [Fact]
    public async Task SetAsync_Admin_IsRefusedAndAudited()
    {
        var (centerId, userId) = await AuditorAsync();
        var retention = new AuditRetention(db.DataSource);

        await Assert.ThrowsAsync<ForbiddenException>(() => retention.SetAsync(Actor.Center(userId, centerId, Roles.Admin), 200));

        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.True(await connection.ExecuteScalarAsync<bool>(
            "SELECT EXISTS (SELECT 1 FROM audit_log WHERE action = 'may.view_audit' AND outcome = 'refused')"));
    }

    [Fact]
    public async Task Database_RetentionBelowSixMonths_IsRefusedByTheTableToo()
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();

        var refused = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => connection.ExecuteAsync("UPDATE audit_setting SET retention_days = 90"));

        Assert.Equal(Npgsql.PostgresErrorCodes.CheckViolation, refused.SqlState);
    }
}

public sealed class AuditSeparationOfDutiesTests
{
    [Fact]
    public void Matrix_AuditLog_TheAuditorAloneAndTheAuditorNothingElse()
    {
        Assert.Equal([Roles.Auditor], Permissions.RolesFor(Permission.ViewAudit));
        Assert.False(Permissions.Allows(Roles.Admin, Permission.ViewAudit));
        Assert.All(Enum.GetValues<Permission>().Where(p => p != Permission.ViewAudit),
            p => Assert.False(Permissions.Allows(Roles.Auditor, p), $"the auditor must not hold {p}"));
        Assert.Equal("审计员", Roles.DisplayName(Roles.Auditor));
    }
}
