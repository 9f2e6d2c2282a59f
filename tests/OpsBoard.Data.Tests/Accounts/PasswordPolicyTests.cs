using OpsBoard.Data.Accounts;

namespace OpsBoard.Data.Tests.Accounts;

public sealed class PasswordPolicyTests
{
    [Theory]
    [InlineData("123456")]
    [InlineData("a123456")]
    [InlineData("woaini1314")]
    [InlineData("qwerty")]
    [InlineData("1qaz2wsx")]
    [InlineData("Demo@2026")]
    public void IsCommon_ListedPasswords_True(string password) => Assert.True(PasswordPolicy.IsCommon(password));

    [Theory]
    [InlineData("woaini1314", "该密码过于常见，容易被猜中，请换一个。")]
    [InlineData("Password123", "该密码过于常见，容易被猜中，请换一个。")]
    [InlineData("aaaaaaaaaaaa", "该密码过于常见，容易被猜中，请换一个。")]
    [InlineData("short1", "新密码至少 10 个字符。")]
    [InlineData("zhangwei.office", "新密码不能与用户名相同。")]
    public void Problem_WeakPasswords_SaysWhyInChinese(string password, string problem) =>
        Assert.Equal(problem, PasswordPolicy.Problem(password, "zhangwei.office"));

    [Fact]
    public void Problem_LongUncommonPassphrase_Accepted() =>
        Assert.Null(PasswordPolicy.Problem("county office keeps records", "zhangwei"));
}
