using System.Security.Cryptography;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using OpsBoard.Data;
using OpsBoard.Data.Postgres;

namespace OpsBoard.Web.Security;

/// <summary>
/// The key that encrypts the data-protection key ring (which signs and encrypts session cookies and antiforgery tokens)
/// before it is stored in the database. It comes from configuration (<c>OpsBoard:KeyRingKey</c>), or on a node with the
/// embedded database from an owner-only file in the data directory — never from the database, so a copy of the database
/// alone cannot forge a session.
/// </summary>
public sealed class KeyRingKey
{
    public const string FileName = "keyring.key";
    const int Size = 32;

    public KeyRingKey(byte[] key) => Key = key.Length == Size ? key : throw new StartupException($"OpsBoard:KeyRingKey is base64 of {key.Length} bytes, not {Size}");

    internal byte[] Key { get; }

    /// <param name="embedded">The node runs its own database: a key file beside it is as private as the database's own files.</param>
    public static KeyRingKey From(IConfiguration configuration, bool embedded)
    {
        var settings = new OpsBoardOptions();
        configuration.GetSection(OpsBoardOptions.Section).Bind(settings);
        var configured = configuration[$"{OpsBoardOptions.Section}:KeyRingKey"];
        if (!string.IsNullOrWhiteSpace(configured))
        {
            try
            {
                return new KeyRingKey(Convert.FromBase64String(configured.Trim()));
            }
            catch (FormatException)
            {
                throw new StartupException("OpsBoard:KeyRingKey is not base64: set it to the output of `openssl rand -base64 32`");
            }
        }

        if (!embedded)
        {
            throw new StartupException(
                "OpsBoard:KeyRingKey is required with ConnectionStrings:OpsBoard and must be the same on every node: " +
                "set it to the output of `openssl rand -base64 32` and keep it outside the database");
        }

        var file = Path.Combine(settings.DataDirectory, FileName);
        if (!File.Exists(file))
        {
            OwnerOnlyFile.Write(file, Convert.ToBase64String(RandomNumberGenerator.GetBytes(Size)));
        }

        OwnerOnlyFile.Tighten(file);
        return new KeyRingKey(Convert.FromBase64String(File.ReadAllText(file).Trim()));
    }
}

/// <summary>AES-GCM over a key element of the ring, with <see cref="KeyRingKey"/>.</summary>
public sealed class KeyRingEncryptor(KeyRingKey key) : IXmlEncryptor
{
    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        var plain = System.Text.Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
        var nonce = RandomNumberGenerator.GetBytes(AesGcm.NonceByteSizes.MaxSize);
        var cipher = new byte[plain.Length];
        var tag = new byte[AesGcm.TagByteSizes.MaxSize];
        using (var aes = new AesGcm(key.Key, tag.Length))
        {
            aes.Encrypt(nonce, plain, cipher, tag);
        }

        var element = new XElement("opsboardEncryptedKey",
            new XComment(" Encrypted with OpsBoard:KeyRingKey (AES-256-GCM), which is not stored in the database. "),
            new XElement("nonce", Convert.ToBase64String(nonce)),
            new XElement("value", Convert.ToBase64String(cipher)),
            new XElement("tag", Convert.ToBase64String(tag)));
        return new EncryptedXmlInfo(element, typeof(KeyRingDecryptor));
    }
}

/// <summary>Made by the data-protection system from the type named in the stored XML, with the app's services.</summary>
public sealed class KeyRingDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement)
    {
        var key = services.GetRequiredService<KeyRingKey>();
        var nonce = Convert.FromBase64String((string)encryptedElement.Element("nonce")!);
        var cipher = Convert.FromBase64String((string)encryptedElement.Element("value")!);
        var tag = Convert.FromBase64String((string)encryptedElement.Element("tag")!);
        var plain = new byte[cipher.Length];
        using (var aes = new AesGcm(key.Key, tag.Length))
        {
            aes.Decrypt(nonce, cipher, tag, plain);
        }

        return XElement.Parse(System.Text.Encoding.UTF8.GetString(plain));
    }
}

public static class KeyRingProtectionExtensions
{
    /// <summary>New keys of the ring are stored encrypted; roles are read from the database on each request.</summary>
    public static WebApplicationBuilder AddOpsBoardKeyRingProtection(this WebApplicationBuilder builder)
    {
        var key = KeyRingKey.From(builder.Configuration, embedded: builder.Services.Any(d => d.ServiceType == typeof(EmbeddedPostgres)));
        builder.Services.AddSingleton(key);
        builder.Services.PostConfigure<KeyManagementOptions>(options => options.XmlEncryptor = new KeyRingEncryptor(key));
        builder.Services.AddMemoryCache();
        builder.Services.AddScoped<Microsoft.AspNetCore.Authentication.IClaimsTransformation, CurrentRoles>();
        return builder;
    }
}
