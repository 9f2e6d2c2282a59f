using Dapper;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OpsBoard.Data.Accounts;

namespace OpsBoard.Data.Tests.Accounts;

public sealed class SessionAndTwoFactorTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    readonly FixedTime time = new(new DateTimeOffset(2026, 11, 23, 1, 0, 0, TimeSpan.Zero));

    async Task<AppUser> UserAsync()
    {
        var login = "s" + Guid.NewGuid().ToString("N")[..10];
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var centerId = await connection.ExecuteScalarAsync<int>("""
            INSERT INTO center (code, name, county) VALUES ('sess', '测试中心', '测试县')
            ON CONFLICT (code) DO UPDATE SET name = excluded.name
            RETURNING id
            """);
        var users = new UserStore(db.DataSource, time);
        var id = await users.CreateAsync(connection, null, centerId, new NewUser(login, "测试", "Correct#Horse1", [(Roles.Director, null)]));
        return (await users.FindAsync(id))!;
    }

    SessionStore Sessions => new(db.DataSource, time, Options.Create(new OpsBoardOptions { IdleTimeoutMinutes = 30 }));

    [Fact]
    public async Task CheckAsync_OnlyPersonsOwnRequestsKeepTheSessionAlive()
    {
        var user = await UserAsync();
        var sessions = Sessions;
        var byScreen = await sessions.StartAsync(user, null);
        var byPerson = await sessions.StartAsync(user, null);

        time.Now += TimeSpan.FromMinutes(20);
        Assert.True(await sessions.CheckAsync(byScreen, user.Id, user.SecurityStamp, personActed: false));
        Assert.True(await sessions.CheckAsync(byPerson, user.Id, user.SecurityStamp, personActed: true));
        time.Now += TimeSpan.FromMinutes(11);

        Assert.False(await sessions.CheckAsync(byScreen, user.Id, user.SecurityStamp, personActed: false));
        Assert.True(await sessions.CheckAsync(byPerson, user.Id, user.SecurityStamp, personActed: false));
        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.Equal("idle", await connection.ExecuteScalarAsync<string>("SELECT end_reason FROM user_session WHERE id = @byScreen", new { byScreen }));
    }

    [Fact]
    public async Task EndAsync_SignOut_RefusedOnEveryNode_AuditedAndAnnounced()
    {
        var user = await UserAsync();
        var nodeA = Sessions;
        var nodeB = Sessions;
        var session = await nodeA.StartAsync(user, null);
        Assert.True(await nodeB.CheckAsync(session, user.Id, user.SecurityStamp, true));

        await nodeA.EndAsync(session, "sign_out", null);
        nodeB.Forget(session); // what the live dispatcher does on hearing session.ended

        Assert.False(await nodeA.CheckAsync(session, user.Id, user.SecurityStamp, true));
        Assert.False(await nodeB.CheckAsync(session, user.Id, user.SecurityStamp, true));
        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM live_event WHERE kind = 'session.ended' AND payload->>'sessionId' = @id", new { id = session.ToString() }));
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM audit_log WHERE action = 'account.sign_out' AND user_id = @Id", new { user.Id }));
    }

    [Fact]
    public async Task TwoFactor_EnrolConfirmVerify_ReplayRefused_RecoveryCodeOnce()
    {
        var user = await UserAsync();
        var twoFactor = new TwoFactor(db.DataSource, time, new EphemeralDataProtectionProvider());
        var secret = await twoFactor.BeginEnrolmentAsync(user.Id);
        var step = Totp.StepAt(time.Now);

        Assert.Null(await twoFactor.ConfirmAsync(user.Id, "000000" == Totp.Code(secret, step) ? "111111" : "000000", null));
        var codes = await twoFactor.ConfirmAsync(user.Id, Totp.Code(secret, step), null);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var stored = await connection.ExecuteScalarAsync<string>("SELECT totp_secret FROM app_user WHERE id = @Id", new { user.Id });

        Assert.Equal(TwoFactor.RecoveryCodeCount, codes!.Count);
        Assert.DoesNotContain(Totp.Base32(secret), stored);
        Assert.False(await twoFactor.VerifyAsync(user.Id, Totp.Code(secret, step), null));
        time.Now += Totp.Step;
        Assert.True(await twoFactor.VerifyAsync(user.Id, Totp.Code(secret, step + 1), null));
        Assert.True(await twoFactor.VerifyAsync(user.Id, codes[3].ToUpperInvariant(), null));
        Assert.False(await twoFactor.VerifyAsync(user.Id, codes[3], null));
        Assert.Equal(TwoFactor.RecoveryCodeCount - 1, await twoFactor.RecoveryCodesLeftAsync(user.Id));
    }

    [Fact]
    public async Task ChangePasswordAsync_WrongCurrentOrCommonNew_Refused_GoodOneRotatesStamp()
    {
        var user = await UserAsync();
        var users = new UserStore(db.DataSource, time);

        var wrong = await Assert.ThrowsAsync<RefusedException>(() => users.ChangePasswordAsync(user.Id, "not-it", "county office keeps records", null));
        var common = await Assert.ThrowsAsync<RefusedException>(() => users.ChangePasswordAsync(user.Id, "Correct#Horse1", "a123456", null));
        var stamp = await users.ChangePasswordAsync(user.Id, "Correct#Horse1", "county office keeps records", null);

        Assert.Equal("当前密码不正确。", wrong.Message);
        Assert.Equal("新密码至少 10 个字符。", common.Message);
        Assert.NotEqual(user.SecurityStamp, stamp);
        Assert.Equal(SignInStatus.Succeeded, (await users.SignInAsync(user.Login, "county office keeps records", null)).Status);
    }
}

public sealed class AccountBootstrapTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task CreateFirstAdminAsync_EmptyDatabase_OneAdminMustChange_OnlyOnce()
    {
        var bootstrap = new AccountBootstrap(db.DataSource, Options.Create(new OpsBoardOptions { SeedDemo = false }), NullLogger<AccountBootstrap>.Instance);

        var password = await bootstrap.CreateFirstAdminAsync();
        var again = await bootstrap.CreateFirstAdminAsync();
        var signIn = await new UserStore(db.DataSource, TimeProvider.System).SignInAsync("admin", password!, null);

        Assert.Null(again);
        Assert.Equal(SignInStatus.Succeeded, signIn.Status);
        Assert.True(signIn.User!.MustChangePassword);
        Assert.Equal([Roles.Admin], signIn.User.Roles.Select(r => r.Role));
        Assert.Null(PasswordPolicy.Problem(password, "admin"));
        await bootstrap.RefuseDemoPasswordsAsync();
    }
}
