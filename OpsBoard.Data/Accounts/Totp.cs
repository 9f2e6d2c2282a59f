using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace OpsBoard.Data.Accounts;

/// <summary>
/// Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP), as authenticator apps compute them: HMAC-SHA1,
/// 30-second steps, 6 digits. ASP.NET Core Identity's <c>AuthenticatorTokenProvider</c> computes the same codes but only
/// behind a <c>UserManager</c> and its store, which OpsBoard does not use; this is the algorithm alone, checked against
/// the RFC's own test vectors.
/// </summary>
public static class Totp
{
    public const int Digits = 6;
    public static readonly TimeSpan Step = TimeSpan.FromSeconds(30);

    /// <summary>A code of the step before or after is accepted too: a phone's clock a little off still signs in.</summary>
    public const int AllowedDrift = 1;

    public static byte[] NewSecret() => RandomNumberGenerator.GetBytes(20);

    public static long StepAt(DateTimeOffset moment) => moment.ToUnixTimeSeconds() / (long)Step.TotalSeconds;

    public static string Code(byte[] secret, long step, int digits = Digits, HashAlgorithmName? algorithm = null)
    {
        Span<byte> counter = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(counter, step);
        var hash = (algorithm ?? HashAlgorithmName.SHA1).Name switch
        {
            "SHA256" => HMACSHA256.HashData(secret, counter),
            "SHA512" => HMACSHA512.HashData(secret, counter),
            _ => HMACSHA1.HashData(secret, counter),
        };
        // Dynamic truncation, RFC 4226 section 5.3.
        var offset = hash[^1] & 0x0f;
        var binary = (BinaryPrimitives.ReadInt32BigEndian(hash.AsSpan(offset)) & 0x7fffffff) % (int)Math.Pow(10, digits);
        return binary.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(digits, '0');
    }

    /// <summary>The step the code belongs to, or null; a step at or before <paramref name="lastUsedStep"/> is a replay.</summary>
    public static long? Verify(byte[] secret, string? code, DateTimeOffset now, long? lastUsedStep)
    {
        var typed = new string((code ?? "").Where(char.IsAsciiDigit).ToArray());
        if (typed.Length != Digits)
        {
            return null;
        }

        var current = StepAt(now);
        for (var step = current - AllowedDrift; step <= current + AllowedDrift; step++)
        {
            if (step > (lastUsedStep ?? long.MinValue)
                && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Code(secret, step)), Encoding.ASCII.GetBytes(typed)))
            {
                return step;
            }
        }

        return null;
    }

    /// <summary>The otpauth:// address an authenticator app reads (Google's Key URI format).</summary>
    public static string KeyUri(string issuer, string account, byte[] secret) =>
        $"otpauth://totp/{Uri.EscapeDataString(issuer)}:{Uri.EscapeDataString(account)}?secret={Base32(secret)}&issuer={Uri.EscapeDataString(issuer)}&digits={Digits}&period={(int)Step.TotalSeconds}";

    const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    /// <summary>RFC 4648 base32 without padding, the form authenticator apps take by hand.</summary>
    public static string Base32(byte[] data)
    {
        var text = new StringBuilder((data.Length * 8 + 4) / 5);
        int buffer = 0, bits = 0;
        foreach (var b in data)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                text.Append(Alphabet[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }
        }

        if (bits > 0)
        {
            text.Append(Alphabet[(buffer << (5 - bits)) & 31]);
        }

        return text.ToString();
    }

    public static byte[] FromBase32(string text)
    {
        var bytes = new List<byte>();
        int buffer = 0, bits = 0;
        foreach (var c in text.ToUpperInvariant().Where(c => c is not ('=' or ' ' or '-')))
        {
            var value = Alphabet.IndexOf(c);
            if (value < 0)
            {
                throw new FormatException("Not base32");
            }

            buffer = (buffer << 5) | value;
            bits += 5;
            if (bits >= 8)
            {
                bytes.Add((byte)(buffer >> (bits - 8)));
                bits -= 8;
            }
        }

        return [.. bytes];
    }

    /// <summary>Base32 in groups of four, as a person types it into the app.</summary>
    public static string Grouped(byte[] secret) => string.Join(' ', Base32(secret).Chunk(4).Select(c => new string(c)));
}
