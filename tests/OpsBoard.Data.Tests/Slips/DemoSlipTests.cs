using Dapper;

namespace OpsBoard.Data.Tests.Slips;

public sealed class DemoSlipTests(DemoDatabaseFixture db) : IClassFixture<DemoDatabaseFixture>
{
    [Fact]
    public async Task Demo_HoldsDetectorSlipsAtEveryStage_AndAnOpenOneForTheStreetOfficer()
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();

        var states = (await connection.QueryAsync<string>("SELECT DISTINCT state FROM warning_slip")).ToList();
        var forOfficer = await connection.ExecuteScalarAsync<int>("""
            SELECT count(*)
            FROM warning_slip s
            JOIN user_role r ON r.unit_id = s.unit_id AND r.role = 'unit_officer'
            JOIN app_user a ON a.id = r.user_id AND a.login = 'officer'
            WHERE s.state = 'issued'
            """);

        Assert.Contains("closed", states);
        Assert.Contains("issued", states);
        var byUnit = string.Join(", ", await connection.QueryAsync<string>(
            "SELECT u.code || ':' || s.state || ':' || s.issued_at::date FROM warning_slip s JOIN unit u ON u.id = s.unit_id WHERE u.code LIKE 'street%' OR u.kind = 'street' ORDER BY 1"));
        Assert.True(forOfficer >= 1, byUnit);
        Assert.Equal(0, await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM warning_slip s WHERE NOT EXISTS (SELECT 1 FROM matter_clock k WHERE k.slip_id = s.id)"));
    }
}
