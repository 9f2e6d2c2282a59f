using Dapper;
using OpsBoard.Data.Accounts;

namespace OpsBoard.Data.Tests.Accounts;

public sealed class UserAdminTests(DemoDatabaseFixture db) : IClassFixture<DemoDatabaseFixture>
{
    async Task<(Actor Admin, Actor Clerk)> ActorsAsync()
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var admin = await connection.QuerySingleAsync<(int Id, int CenterId)>("SELECT id, center_id FROM app_user WHERE login = 'admin'");
        var clerk = await connection.ExecuteScalarAsync<int>("SELECT id FROM app_user WHERE login = 'clerk'");
        return (Actor.Center(admin.Id, admin.CenterId, Roles.Admin), Actor.Center(clerk, admin.CenterId, Roles.Clerk));
    }

    UserAdmin Admin => new(db.DataSource, TimeProvider.System);

    [Fact]
    public async Task ListAsync_Search_FindsByLoginAndName_Paged()
    {
        var (admin, _) = await ActorsAsync();

        var all = await Admin.ListAsync(admin, null, 1);
        var officers = await Admin.ListAsync(admin, "officer", 1);

        Assert.True(all.Total >= 18);
        Assert.All(officers.Rows, r => Assert.Contains("officer", r.Login));
        Assert.Contains(officers.Rows, r => r.RoleLabels.Any(l => l.StartsWith("责任单位经办人（", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task CreateAsync_ThenResetPassword_RotatesStampEndsSessionsAudits()
    {
        var (admin, _) = await ActorsAsync();
        var (id, password) = await Admin.CreateAsync(admin, "Wang.Fang", "王芳", Roles.Statistician, null, null);
        var users = new UserStore(db.DataSource, TimeProvider.System);
        var signedIn = await users.SignInAsync("wang.fang", password, null);
        var sessions = new SessionStore(db.DataSource, TimeProvider.System, Microsoft.Extensions.Options.Options.Create(new OpsBoardOptions()));
        var session = await sessions.StartAsync(signedIn.User!, null);

        var reset = await Admin.ResetPasswordAsync(admin, id, null);

        Assert.True(signedIn.User!.MustChangePassword);
        Assert.NotEqual(password, reset);
        Assert.False(await sessions.CheckAsync(session, id, signedIn.User.SecurityStamp, true));
        Assert.Equal(SignInStatus.Succeeded, (await users.SignInAsync("wang.fang", reset, null)).Status);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(["user.created", "user.password_reset"], await connection.QueryAsync<string>(
            "SELECT action FROM audit_log WHERE subject_kind = 'app_user' AND subject_id = @id ORDER BY id", new { id }));
        Assert.Equal("account_changed", await connection.ExecuteScalarAsync<string>("SELECT end_reason FROM user_session WHERE id = @session", new { session }));
    }

    [Fact]
    public async Task Changes_ByAClerk_AreRefusedAndAudited()
    {
        var (_, clerk) = await ActorsAsync();

        await Assert.ThrowsAsync<ForbiddenException>(() => Admin.CreateAsync(clerk, "sneaky", "某人", Roles.Admin, null, null));
    }

    [Fact]
    public async Task SetActive_Self_OrLastAdminRole_Refused()
    {
        var (admin, _) = await ActorsAsync();

        var self = await Assert.ThrowsAsync<RefusedException>(() => Admin.SetActiveAsync(admin, admin.UserId, false, null));
        var ownRole = await Assert.ThrowsAsync<RefusedException>(() => Admin.RemoveRoleAsync(admin, admin.UserId, Roles.Admin, null, null));

        Assert.Equal("不能停用自己的账号。", self.Message);
        Assert.Equal("不能撤销自己的系统管理员角色。", ownRole.Message);
    }

    [Fact]
    public async Task AddRoleAsync_UnitRoleNeedsItsUnit_ThenGranted()
    {
        var (admin, _) = await ActorsAsync();
        var (id, _) = await Admin.CreateAsync(admin, "liu.yang", "刘洋", Roles.Clerk, null, null);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var unit = await connection.ExecuteScalarAsync<int>("SELECT id FROM unit WHERE kind = 'street' ORDER BY id LIMIT 1");

        var refused = await Assert.ThrowsAsync<RefusedException>(() => Admin.AddRoleAsync(admin, id, Roles.UnitOfficer, null, null));
        await Admin.AddRoleAsync(admin, id, Roles.UnitOfficer, unit, null);

        Assert.Contains("须选择所属责任单位", refused.Message);
        Assert.Contains((await Admin.GetAsync(admin, id))!.Roles, r => r.Role == Roles.UnitOfficer && r.UnitId == unit);
    }
}
