using OpsBoard.Data.Personal;

namespace OpsBoard.Data.Tests.Personal;

public sealed class ChineseIdNumberTests
{
    [Theory]
    [InlineData("11010519491231002X", "1949-12-31", "F")] // the worked example of GB 11643-1999
    [InlineData("11010519491231002x", "1949-12-31", "F")] // lower-case x is accepted and normalised
    [InlineData("440524198001010013", "1980-01-01", "M")]
    public void TryParse_ValidNumber_ReadsBirthDateAndGender(string text, string birth, string gender)
    {
        Assert.True(ChineseIdNumber.TryParse(text, out var number, out _));
        Assert.Equal(DateOnly.Parse(birth, System.Globalization.CultureInfo.InvariantCulture), number.BirthDate);
        Assert.Equal(gender, number.Gender);
        Assert.Equal(text.ToUpperInvariant(), number.Value);
    }

    [Theory]
    [InlineData("110105194912310021", "校验位")]
    [InlineData("11010519491331002X", "出生日期")]
    [InlineData("1101051949123100", "18位")]
    [InlineData("11010519491231002Y", "校验位")]
    [InlineData("A1010519491231002X", "前17位")]
    [InlineData("", "18位")]
    public void TryParse_InvalidNumber_SaysWhatIsWrong(string text, string expected)
    {
        Assert.False(ChineseIdNumber.TryParse(text, out _, out var error));
        Assert.Contains(expected, error);
    }

    [Fact]
    public void Protector_EncryptThenDecrypt_RoundTripsAndHashIsStable()
    {
        var protector = new PersonalDataProtector(Convert.FromBase64String(TestCluster.PersonalDataKey));
        var number = ChineseIdNumber.Parse("11010519491231002X");

        var sealed1 = protector.Encrypt(number);
        var sealed2 = protector.Encrypt(number);

        Assert.Equal(number, protector.Decrypt(sealed1));
        Assert.NotEqual(sealed1, sealed2); // a fresh nonce each time
        Assert.Equal(protector.LookupHash(number), protector.LookupHash(ChineseIdNumber.Parse("11010519491231002x")));
    }
}
