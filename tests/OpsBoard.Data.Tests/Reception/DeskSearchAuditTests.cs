using Dapper;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Personal;
using OpsBoard.Data.Reception;

namespace OpsBoard.Data.Tests.Reception;

public sealed class DeskSearchAuditTests(DemoDatabaseFixture db) : IClassFixture<DemoDatabaseFixture>
{
    [Fact]
    public async Task FindAsync_ByName_AuditsWhoSearchedWhatMasked_ShowsPhoneMasked()
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var clerk = await connection.QuerySingleAsync<(int Id, int CenterId)>("SELECT id, center_id FROM app_user WHERE login = 'clerk'");
        var (name, phone) = await connection.QuerySingleAsync<(string, string)>(
            "SELECT name, phone FROM petitioner WHERE phone IS NOT NULL AND char_length(name) >= 3 ORDER BY id LIMIT 1");
        var protector = new PersonalDataProtector(Convert.FromBase64String(TestCluster.PersonalDataKey));
        var desk = new DeskQueries(db.DataSource, protector, new PetitionerCards(db.DataSource, protector));
        var actor = Actor.Center(clerk.Id, clerk.CenterId, Roles.Clerk);

        var found = await desk.FindAsync(actor, null, name, null, default, System.Net.IPAddress.Loopback);

        Assert.Contains(found.Found, f => f.Card.Phone == PersonalMask.Phone(phone));
        Assert.DoesNotContain(found.Found, f => f.Card.Phone == phone);
        var detail = await connection.ExecuteScalarAsync<string>(
            "SELECT detail::text FROM audit_log WHERE action = 'desk.search' AND user_id = @Id ORDER BY id DESC LIMIT 1", new { clerk.Id });
        Assert.Contains(PersonalMask.Name(name), detail);
        Assert.DoesNotContain(name, detail);
        Assert.Contains("\"by\": \"name\"", detail);
    }
}
