using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Xml.Linq;
using Dapper;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpsBoard.Data.Accounts;
using OpsBoard.Web.Accounts;
using OpsBoard.Web.Security;

namespace OpsBoard.Web.Tests.Security;

public sealed class KeyRingTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task KeyRing_InTheDatabase_IsEncryptedWithAKeyKeptElsewhere()
    {
        await app.SignInAsync("clerk"); // the ring has a key once a cookie was issued

        await using var connection = await app.Database.DataSource.OpenConnectionAsync();
        var stored = (await connection.QueryAsync<string>("SELECT xml FROM data_protection_key")).ToList();

        Assert.NotEmpty(stored);
        Assert.All(stored, xml =>
        {
            var key = XElement.Parse(xml);
            Assert.Empty(key.Descendants("masterKey").SelectMany(m => m.Elements("value")));
            Assert.NotEmpty(key.Descendants("opsboardEncryptedKey"));
        });
        // The same stored element cannot be read with another key.
        var encrypted = XElement.Parse(stored[0]).Descendants("opsboardEncryptedKey").First();
        var other = new ServiceCollection().AddSingleton(new KeyRingKey(RandomNumberGenerator.GetBytes(32))).BuildServiceProvider();
        Assert.ThrowsAny<CryptographicException>(() => new KeyRingDecryptor(other).Decrypt(encrypted));
        Assert.NotNull(new KeyRingDecryptor(app.Services).Decrypt(encrypted).Element("value"));
    }

    /// <summary>A cookie that claims a role the database does not give (as one minted with a stolen key ring would) gets nothing for it.</summary>
    [Fact]
    public async Task Cookie_ClaimingARoleTheUserLacks_IsNotBelieved()
    {
        var users = app.Services.GetRequiredService<UserStore>();
        await using var connection = await app.Database.DataSource.OpenConnectionAsync();
        var clerkId = await connection.ExecuteScalarAsync<int>("SELECT id FROM app_user WHERE login = 'clerk'");
        var clerk = (await users.FindAsync(clerkId))!;
        // A real session of the clerk's: only the role written into the cookie is forged.
        var session = await app.Services.GetRequiredService<SessionStore>().StartAsync(clerk, null);
        var principal = UserPrincipal.Create(clerk, session, twoFactorRequired: false);
        ((ClaimsIdentity)principal.Identity!).AddClaim(new Claim(ClaimTypes.Role, Roles.Admin));
        var options = app.Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(CookieAuthenticationDefaults.AuthenticationScheme);
        var cookie = options.TicketDataFormat.Protect(new AuthenticationTicket(principal, new AuthenticationProperties(), CookieAuthenticationDefaults.AuthenticationScheme));
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Add("Cookie", $"{options.Cookie.Name}={cookie}");

        var desk = await client.GetAsync("/desk");
        var devices = await client.GetAsync("/admin/devices");

        Assert.Equal(HttpStatusCode.OK, desk.StatusCode); // the cookie itself is good: the clerk's own rights hold
        Assert.Equal(HttpStatusCode.Redirect, devices.StatusCode);
        Assert.StartsWith("/account/denied", devices.Headers.Location!.PathAndQuery);
    }
}
