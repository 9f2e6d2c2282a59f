using Dapper;
using OpsBoard.Data.Accounts;

namespace OpsBoard.Data.Tests.Accounts;

public sealed class UserStoreTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    readonly FixedTime time = new(new DateTimeOffset(2026, 11, 23, 1, 0, 0, TimeSpan.Zero));

    async Task<string> CreateUserAsync(string password = "Correct#Horse1")
    {
        var login = "u" + Guid.NewGuid().ToString("N")[..10];
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var centerId = await connection.ExecuteScalarAsync<int>("""
            INSERT INTO center (code, name, county) VALUES (@code, '测试中心', '测试县')
            ON CONFLICT (code) DO UPDATE SET name = excluded.name
            RETURNING id
            """, new { code = "test" });
        await new UserStore(db.DataSource, time).CreateAsync(connection, null, centerId,
            new NewUser(login, "测试用户", password, [(Roles.Clerk, null)]));
        return login;
    }

    [Fact]
    public async Task SignInAsync_RightPassword_ReturnsUserWithRoles()
    {
        var login = await CreateUserAsync();

        var result = await new UserStore(db.DataSource, time).SignInAsync(login, "Correct#Horse1", null);

        Assert.Equal(SignInStatus.Succeeded, result.Status);
        Assert.Equal([Roles.Clerk], result.User!.Roles.Select(r => r.Role));
    }

    [Fact]
    public async Task SignInAsync_WrongPassword_FailsAndCountsAndAudits()
    {
        var login = await CreateUserAsync();
        var store = new UserStore(db.DataSource, time);

        var result = await store.SignInAsync(login, "wrong", null);

        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(SignInStatus.Failed, result.Status);
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("SELECT failed_logins FROM app_user WHERE login = @login", new { login }));
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM audit_log WHERE action = 'account.sign_in' AND outcome = 'refused' AND detail->>'login' = @login", new { login }));
    }

    [Fact]
    public async Task SignInAsync_FiveFailures_LocksEvenTheRightPasswordUntilLockoutEnds()
    {
        var login = await CreateUserAsync();
        var store = new UserStore(db.DataSource, time);

        for (var i = 1; i < UserStore.MaxFailedLogins; i++)
        {
            Assert.Equal(SignInStatus.Failed, (await store.SignInAsync(login, "wrong", null)).Status);
        }

        var fifth = await store.SignInAsync(login, "wrong", null);
        var rightButLocked = await store.SignInAsync(login, "Correct#Horse1", null);
        time.Now += UserStore.LockoutDuration + TimeSpan.FromSeconds(1);
        var afterLockout = await store.SignInAsync(login, "Correct#Horse1", null);

        Assert.Equal(SignInStatus.LockedOut, fifth.Status);
        Assert.Equal(SignInStatus.LockedOut, rightButLocked.Status);
        Assert.Equal(SignInStatus.Succeeded, afterLockout.Status);
    }

    [Fact]
    public async Task SignInAsync_UnknownLogin_FailsLikeAWrongPassword()
    {
        var result = await new UserStore(db.DataSource, time).SignInAsync("nobody-here", "whatever", null);

        Assert.Equal(SignInStatus.Failed, result.Status);
        Assert.Null(result.User);
    }
}
