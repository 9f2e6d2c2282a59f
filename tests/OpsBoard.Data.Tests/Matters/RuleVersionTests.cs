using Dapper;
using OpsBoard.Data.Matters;

namespace OpsBoard.Data.Tests.Matters;

/// <summary>Rule versions an admin saves and withdraws: only a version not yet in effect can be taken back.</summary>
public sealed class RuleVersionTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    static readonly DateOnly Today = new(2026, 11, 30);

    async Task<int> AdminAsync()
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var center = await connection.ExecuteScalarAsync<int>(
            "INSERT INTO center (code, name, county) VALUES (@code, '测试中心', '测试县') RETURNING id", new { code = $"r{Guid.NewGuid():N}"[..12] });
        return await connection.ExecuteScalarAsync<int>("""
            INSERT INTO app_user (center_id, login, display_name, password_hash)
            VALUES (@center, @login, '管理员', 'x')
            RETURNING id
            """, new { center, login = $"a{Guid.NewGuid():N}"[..12] });
    }

    async Task<DeadlineRule> InForceAsync(string code, DateOnly day)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        return await DeadlineRules.InForceAsync(connection, null, code, day);
    }

    [Fact]
    public async Task Withdraw_FutureVersion_TheVersionBeforeStaysInForceAndTheWithdrawalIsAudited()
    {
        var admin = await AdminAsync();
        var before = await InForceAsync(ClockKind.Supervision, Today.AddDays(60));
        var wrong = await DeadlineRules.ReviseAsync(db.DataSource, ClockKind.Supervision, 70, RuleDays.Calendar, 0, "误填", Today.AddDays(10), admin, Today);

        var withdrawn = await DeadlineRules.WithdrawAsync(db.DataSource, wrong.Id, admin, Today);

        Assert.Equal(wrong.Id, withdrawn.Id);
        Assert.Equal(before.Id, (await InForceAsync(ClockKind.Supervision, Today.AddDays(60))).Id);
        Assert.DoesNotContain(await DeadlineRules.AllAsync(db.DataSource), r => r.Id == wrong.Id);
        Assert.NotNull((await DeadlineRules.AllAsync(db.DataSource, withdrawn: true)).Single(r => r.Id == wrong.Id).WithdrawnAt);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var audit = await connection.QuerySingleAsync<(int UserId, string Detail)>(
            "SELECT user_id, detail::text FROM audit_log WHERE action = 'rule.withdraw' AND subject_id = @Id", new { wrong.Id });
        Assert.Equal(admin, audit.UserId);
        Assert.Contains("\"Length\": 70", audit.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Withdraw_ThenSaveAgainOnTheSameDate_TakesANewVersionNumber()
    {
        var admin = await AdminAsync();
        var wrong = await DeadlineRules.ReviseAsync(db.DataSource, ClockKind.Objection, 50, RuleDays.Working, 0, "误填", Today.AddDays(20), admin, Today);
        await DeadlineRules.WithdrawAsync(db.DataSource, wrong.Id, admin, Today);

        var right = await DeadlineRules.ReviseAsync(db.DataSource, ClockKind.Objection, 5, RuleDays.Working, 0, "《信访工作条例》第二十三条", Today.AddDays(20), admin, Today);

        Assert.Equal(wrong.Version + 1, right.Version);
        Assert.Equal(5, (await InForceAsync(ClockKind.Objection, Today.AddDays(20))).Length);
    }

    [Fact]
    public async Task Withdraw_VersionInEffect_IsRefusedAndSaysWhy()
    {
        var admin = await AdminAsync();
        var inForce = await InForceAsync(ClockKind.Handling, Today);

        var refused = await Assert.ThrowsAsync<MatterException>(() => DeadlineRules.WithdrawAsync(db.DataSource, inForce.Id, admin, Today));

        Assert.Contains("不能撤回", refused.Message, StringComparison.Ordinal);
        Assert.Contains("已有期限按这一版计算", refused.Message, StringComparison.Ordinal);
        Assert.Equal(inForce.Id, (await InForceAsync(ClockKind.Handling, Today)).Id);
    }

    [Fact]
    public async Task Withdraw_VersionTakingEffectToday_IsRefused()
    {
        var admin = await AdminAsync();
        var version = await DeadlineRules.ReviseAsync(db.DataSource, ClockKind.Transfer, 14, RuleDays.Calendar, 0, "测试", Today.AddDays(5), admin, Today);

        await Assert.ThrowsAsync<MatterException>(() => DeadlineRules.WithdrawAsync(db.DataSource, version.Id, admin, Today.AddDays(5)));
        await DeadlineRules.WithdrawAsync(db.DataSource, version.Id, admin, Today.AddDays(4));
        var twice = await Assert.ThrowsAsync<MatterException>(() => DeadlineRules.WithdrawAsync(db.DataSource, version.Id, admin, Today));

        Assert.Contains("已经撤回", twice.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Revise_ZeroDays_IsStillRefused()
    {
        var admin = await AdminAsync();

        var refused = await Assert.ThrowsAsync<MatterException>(() =>
            DeadlineRules.ReviseAsync(db.DataSource, ClockKind.Handling, 0, RuleDays.Calendar, 30, "测试", Today.AddDays(1), admin, Today));

        Assert.Contains("1 到 365", refused.Message, StringComparison.Ordinal);
    }
}
