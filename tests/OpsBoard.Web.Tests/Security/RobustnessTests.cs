using System.Net;
using System.Text.Json;
using OpsBoard.Web.Security;

namespace OpsBoard.Web.Tests.Security;

public sealed class LocalUrlTests
{
    [Theory]
    [InlineData("/", true)]
    [InlineData("/matters/12?tab=steps", true)]
    [InlineData("//evil.example/", false)]
    [InlineData("/\\evil.example/", false)]
    [InlineData("/\t/evil.example/", false)]
    [InlineData("/\n/evil.example", false)]
    [InlineData("https://evil.example/", false)]
    [InlineData("evil.example", false)]
    [InlineData("javascript:alert(1)", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void IsLocal_OnlyPathsOnThisSite(string? url, bool local) => Assert.Equal(local, LocalUrl.IsLocal(url));
}

public sealed class RobustnessTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Theory]
    [InlineData("/%09/evil.example/")]
    [InlineData("/%5Cevil.example/")]
    [InlineData("https://evil.example/")]
    public async Task Login_ForeignReturnUrl_GoesHome(string returnUrl)
    {
        var response = await app.CreateClient().SubmitAsync($"/account/login?ReturnUrl={returnUrl}", "form", new Dictionary<string, string>
        {
            ["Input.Login"] = "clerk",
            ["Input.Password"] = "Demo@2026",
        });

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location!.IsAbsoluteUri ? response.Headers.Location.AbsolutePath : response.Headers.Location.OriginalString);
    }

    [Fact]
    public async Task UnknownHost_IsRefused()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/account/login");
        request.Headers.Host = "evil.example";

        var response = await app.CreateClient().SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Healthz_DatabaseDown_SaysWhatNotWhy()
    {
        var server = await TestCluster.ServerAsync();
        var database = new Npgsql.NpgsqlConnectionStringBuilder(app.Database.ConnectionString).Database!;
        await using var admin = new Npgsql.NpgsqlConnection(server.ConnectionString("postgres"));
        await admin.OpenAsync();
        string body;
        try
        {
            await Dapper.SqlMapper.ExecuteAsync(admin, $"ALTER DATABASE {database} ALLOW_CONNECTIONS false");
            await Dapper.SqlMapper.ExecuteAsync(admin, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = @database", new { database });
            body = await (await app.CreateClient().GetAsync("/healthz")).Content.ReadAsStringAsync();
        }
        finally
        {
            await Dapper.SqlMapper.ExecuteAsync(admin, $"ALTER DATABASE {database} ALLOW_CONNECTIONS true");
        }

        var detail = JsonDocument.Parse(body).RootElement.GetProperty("database").GetProperty("detail").GetString()!;
        Assert.Equal("无法连接数据库", detail);
        Assert.DoesNotContain(database, body);
        Assert.DoesNotContain("Npgsql", body);
        Assert.DoesNotContain("Exception", body);
        Assert.DoesNotContain("57P", body);
        await app.WaitUntilHealthyAsync();
    }
}
