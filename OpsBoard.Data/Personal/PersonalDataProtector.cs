using System.Security.Cryptography;
using System.Text;

namespace OpsBoard.Data.Personal;

/// <summary>
/// Encrypts ID numbers at rest (AES-256-GCM) and derives a keyed hash for exact lookup, both from one master key.
/// A keyed hash rather than a plain one: the 18-digit space is small enough to brute-force an unkeyed SHA-256.
/// </summary>
public sealed class PersonalDataProtector
{
    public const int KeySize = 32;

    /// <summary>Where the embedded database keeps its generated key, inside the data directory.</summary>
    public const string KeyFileName = "personal-data.key";

    const int NonceSize = 12;
    const int TagSize = 16;
    readonly byte[] encryptionKey;
    readonly byte[] lookupKey;

    public PersonalDataProtector(byte[] masterKey)
    {
        if (masterKey.Length != KeySize)
        {
            throw new ArgumentException("The personal data key must be 32 bytes (base64 of 32 random bytes).", nameof(masterKey));
        }

        encryptionKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, masterKey, 32, info: "opsboard/encrypt"u8.ToArray());
        lookupKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, masterKey, 32, info: "opsboard/lookup"u8.ToArray());
    }

    public byte[] LookupHash(ChineseIdNumber number) => HMACSHA256.HashData(lookupKey, Encoding.ASCII.GetBytes(number.Value));

    public byte[] Encrypt(ChineseIdNumber number)
    {
        var plain = Encoding.ASCII.GetBytes(number.Value);
        var sealedBox = new byte[NonceSize + plain.Length + TagSize];
        var nonce = sealedBox.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(encryptionKey, TagSize);
        aes.Encrypt(nonce, plain, sealedBox.AsSpan(NonceSize, plain.Length), sealedBox.AsSpan(NonceSize + plain.Length));
        return sealedBox;
    }

    public ChineseIdNumber Decrypt(byte[] sealedBox)
    {
        var length = sealedBox.Length - NonceSize - TagSize;
        var plain = new byte[length];
        using var aes = new AesGcm(encryptionKey, TagSize);
        aes.Decrypt(sealedBox.AsSpan(0, NonceSize), sealedBox.AsSpan(NonceSize, length), sealedBox.AsSpan(NonceSize + length), plain);
        return ChineseIdNumber.Parse(Encoding.ASCII.GetString(plain));
    }

    /// <summary>Why a configured key cannot be used (to follow the setting's name), or null when it can.</summary>
    public static string? KeyProblem(string base64Key)
    {
        // Decoded base64 is always shorter than its text, so this buffer never makes a good key look bad.
        var decoded = new byte[base64Key.Length];
        if (!Convert.TryFromBase64String(base64Key, decoded, out var length))
        {
            return "is not base64";
        }

        return length == KeySize ? null : $"is base64 of {length} bytes, not {KeySize}";
    }

    /// <summary>Reads the key from configuration, or creates and keeps one beside the embedded data.</summary>
    public static PersonalDataProtector FromKeyOrFile(string? base64Key, string keyFile)
    {
        if (!string.IsNullOrWhiteSpace(base64Key))
        {
            return new PersonalDataProtector(Convert.FromBase64String(base64Key));
        }

        if (!File.Exists(keyFile))
        {
            Postgres.OwnerOnlyFile.Write(keyFile, Convert.ToBase64String(RandomNumberGenerator.GetBytes(KeySize)));
        }
        else
        {
            Postgres.OwnerOnlyFile.Tighten(keyFile);
        }

        return new PersonalDataProtector(Convert.FromBase64String(File.ReadAllText(keyFile).Trim()));
    }
}
