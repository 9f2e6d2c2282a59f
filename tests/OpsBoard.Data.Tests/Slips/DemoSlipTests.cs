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

    [Fact]
    public async Task Demo_HandsTwoStreetMattersToItsLeader_OneWithAllFiveDutiesRecordedThroughTheDomain()
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();

        var packages = (await connection.QueryAsync<(long Id, int Duties, int Entries, int Audited)>("""
            SELECT p.id,
                   (SELECT count(DISTINCT e.kind) FILTER (WHERE e.kind IN ('grasp', 'persuade', 'resolve', 'pledge', 'educate'))
                    FROM matter_package_entry e WHERE e.package_id = p.id)::int,
                   (SELECT count(*) FROM matter_package_entry e WHERE e.package_id = p.id)::int,
                   (SELECT count(*) FROM audit_log a WHERE a.subject_kind = 'matter_package' AND a.subject_id = p.id)::int
            FROM matter_package p
            JOIN app_user l ON l.id = p.leader_id AND l.login = 'leader'
            JOIN warning_slip s ON s.id = p.slip_id AND s.unit_id = p.unit_id
            ORDER BY p.id
            """)).ToList();

        Assert.Equal(2, packages.Count);
        Assert.Equal((5, 7), (packages[0].Duties, packages[0].Entries));
        Assert.InRange(packages[1].Duties, 0, 4);
        Assert.All(packages, p => Assert.Equal(p.Entries + 1, p.Audited));
    }
}
