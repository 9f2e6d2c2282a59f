using System.Security.Cryptography;
using System.Text;
using OpsBoard.Data.Accounts;

namespace OpsBoard.Data.Tests.Accounts;

public sealed class TotpTests
{
    // RFC 6238 appendix B: the SHA-1 seed and its 8-digit codes.
    static readonly byte[] Seed = Encoding.ASCII.GetBytes("12345678901234567890");

    [Theory]
    [InlineData(59L, "94287082")]
    [InlineData(1111111109L, "07081804")]
    [InlineData(1111111111L, "14050471")]
    [InlineData(1234567890L, "89005924")]
    [InlineData(2000000000L, "69279037")]
    [InlineData(20000000000L, "65353130")]
    public void Code_Rfc6238Vectors_Sha1(long unixSeconds, string expected) =>
        Assert.Equal(expected, Totp.Code(Seed, Totp.StepAt(DateTimeOffset.FromUnixTimeSeconds(unixSeconds)), 8));

    [Theory]
    [InlineData(59L, "46119246")]
    [InlineData(1111111109L, "68084774")]
    [InlineData(20000000000L, "77737706")]
    public void Code_Rfc6238Vectors_Sha256(long unixSeconds, string expected) =>
        Assert.Equal(expected, Totp.Code(Encoding.ASCII.GetBytes("12345678901234567890123456789012"),
            Totp.StepAt(DateTimeOffset.FromUnixTimeSeconds(unixSeconds)), 8, HashAlgorithmName.SHA256));

    [Theory]
    [InlineData("", "")]
    [InlineData("f", "MY")]
    [InlineData("fo", "MZXQ")]
    [InlineData("foo", "MZXW6")]
    [InlineData("foob", "MZXW6YQ")]
    [InlineData("foobar", "MZXW6YTBOI")]
    public void Base32_Rfc4648Vectors_RoundTrip(string text, string base32)
    {
        Assert.Equal(base32, Totp.Base32(Encoding.ASCII.GetBytes(text)));
        Assert.Equal(text, Encoding.ASCII.GetString(Totp.FromBase32(base32)));
    }

    [Fact]
    public void Verify_CurrentOrNeighbourStep_Accepted_ReplayAndOldRefused()
    {
        var secret = Totp.NewSecret();
        var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        var step = Totp.StepAt(now);

        Assert.Equal(step, Totp.Verify(secret, Totp.Code(secret, step), now, null));
        Assert.Equal(step - 1, Totp.Verify(secret, Totp.Code(secret, step - 1), now, null));
        Assert.Null(Totp.Verify(secret, Totp.Code(secret, step - 2), now, null));
        Assert.Null(Totp.Verify(secret, Totp.Code(secret, step), now, lastUsedStep: step));
        Assert.Null(Totp.Verify(secret, "12345", now, null));
    }

    [Fact]
    public void KeyUri_NamesIssuerAccountAndSecret()
    {
        var uri = Totp.KeyUri("OpsBoard", "admin", Encoding.ASCII.GetBytes("foobar"));

        Assert.Equal("otpauth://totp/OpsBoard:admin?secret=MZXW6YTBOI&issuer=OpsBoard&digits=6&period=30", uri);
    }
}
