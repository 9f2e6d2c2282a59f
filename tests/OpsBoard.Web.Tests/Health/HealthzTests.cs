using System.Net;
using System.Text.Json;
using Dapper;
using Npgsql;

namespace OpsBoard.Web.Tests.Health;

public sealed class HealthzTests(AppFixture app) : IClassFixture<AppFixture>
{
    static async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(HttpClient client)
    {
        var response = await client.GetAsync("/healthz");
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement);
    }

    [Fact]
    public async Task Healthz_AllUp_Returns200WithEachComponent()
    {
        var (status, body) = await GetAsync(app.CreateClient());

        Assert.True(status == HttpStatusCode.OK, body.ToString());
        Assert.Equal("up", body.GetProperty("database").GetProperty("status").GetString());
        Assert.Equal("up", body.GetProperty("migrations").GetProperty("status").GetString());
        Assert.Equal("up", body.GetProperty("scheduler").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Healthz_DatabaseGoneThenBack_Says503ThenRecovers()
    {
        var server = await TestCluster.ServerAsync();
        var database = new NpgsqlConnectionStringBuilder(app.Database.ConnectionString).Database!;
        await using var admin = new NpgsqlConnection(server.ConnectionString("postgres"));
        await admin.OpenAsync();
        var client = app.CreateClient();
        try
        {
            // The database goes away under the running app: no new connections, existing ones cut.
            await admin.ExecuteAsync($"ALTER DATABASE {database} ALLOW_CONNECTIONS false");
            await admin.ExecuteAsync("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = @database", new { database });

            var (down, body) = await GetAsync(client);

            Assert.Equal(HttpStatusCode.ServiceUnavailable, down);
            Assert.Equal("down", body.GetProperty("database").GetProperty("status").GetString());
        }
        finally
        {
            await admin.ExecuteAsync($"ALTER DATABASE {database} ALLOW_CONNECTIONS true");
        }

        // Pooled connections were cut: the first query on each may fail before the pool replaces it.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        var (up, _) = await GetAsync(client);
        while (up != HttpStatusCode.OK && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
            (up, _) = await GetAsync(client);
        }

        Assert.Equal(HttpStatusCode.OK, up);
    }
}
