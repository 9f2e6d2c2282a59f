using System.Diagnostics;
using System.Net;
using Dapper;
using Npgsql;
using OpsBoard.Data.Screens;

namespace OpsBoard.Bench;

/// <summary>
/// How long each staff page and each wall region takes to answer, over loopback (so, server time plus a fraction of a
/// millisecond), signed in as the role that uses it, on a database of a given size. run.sh calls it once per size.
/// </summary>
public sealed class PagesScenario(BenchOptions options, Results results)
{
    static readonly string[] WallRegions = ["serving", "queue", "occupancy", "totals", "kpi", "alerts", "duty", "emergency"];

    readonly Uri baseAddress = new(options.Get("url"));
    readonly NpgsqlDataSource dataSource = NpgsqlDataSource.Create(options.Get("db"));
    readonly long size = long.Parse(options.Get("size"), System.Globalization.CultureInfo.InvariantCulture);
    readonly int repeat = options.GetInt("repeat", 10);

    public async Task RunAsync()
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        var (centerId, adminId) = await connection.QuerySingleAsync<(int, int)>(
            "SELECT c.id, u.id FROM center c JOIN app_user u ON u.center_id = c.id WHERE u.login = 'admin' ORDER BY c.id LIMIT 1");
        var matterId = await connection.ExecuteScalarAsync<long>("SELECT max(id) FROM matter");
        var unitMatter = await connection.ExecuteScalarAsync<long>("""
            SELECT max(m.id) FROM matter m
            JOIN user_role r ON r.unit_id = m.responsible_unit_id JOIN app_user u ON u.id = r.user_id
            WHERE u.login = 'officer'
            """);
        var (_, token) = await new DeviceTokens(dataSource).CreateAsync(centerId, "性能测试页面", adminId);

        var pages = new (string Login, string Name, string Path)[]
        {
            ("director", "首页", "/"),
            ("director", "信访事项 第1页", "/matters"),
            ("director", "信访事项 深翻页", $"/matters?after={await DeepCursorAsync(connection)}"),
            ("director", "信访事项 按状态", "/matters?status=handling"),
            ("director", "事项档案", $"/matters/{matterId}"),
            ("director", "期限预警", "/alerts"),
            ("clerk", "来访登记", "/desk"),
            ("clerk", "窗口叫号", "/window"),
            ("clerk", "现场管理", "/floor"),
            ("officer", "本单位事项", "/unit"),
            ("officer", "本单位事项档案", $"/matters/{unitMatter}"),
            ("admin", "期限规则", "/admin/rules"),
            ("admin", "系统状态", "/admin/system"),
        };
        foreach (var login in pages.Select(p => p.Login).Distinct())
        {
            using var client = await SignInAsync(login);
            foreach (var page in pages.Where(p => p.Login == login))
            {
                await MeasureAsync(client, page.Name, page.Path);
            }
        }

        using var screen = NewClient();
        await MeasureAsync(screen, "大屏 整页", $"/wall?device={token}");
        await MeasureAsync(screen, "叫号屏 整页", $"/hall?device={token}");
        foreach (var region in WallRegions)
        {
            await MeasureAsync(screen, $"大屏区域 {region}", $"/wall/fragments/{region}?device={token}");
        }
    }

    async Task MeasureAsync(HttpClient client, string name, string path)
    {
        var times = new List<double>();
        for (var i = -2; i < repeat; i++)
        {
            var started = Stopwatch.GetTimestamp();
            using var response = await client.GetAsync(path);
            await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"GET {path}: {(int)response.StatusCode}");
            }

            if (i >= 0)
            {
                times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }

        times.Sort();
        results.Add("pages", name, size, "p50 ms", Stats.Percentile(times, 50));
    }

    /// <summary>A cursor near the oldest matter: the page a clerk reaches after paging through the whole history.</summary>
    static async Task<string> DeepCursorAsync(NpgsqlConnection connection)
    {
        var (at, id) = await connection.QuerySingleAsync<(DateTime, long)>(
            "SELECT received_at, id FROM matter ORDER BY received_at, id OFFSET 30 LIMIT 1");
        return new OpsBoard.Data.Matters.MatterCursor((DateTime.SpecifyKind(at, DateTimeKind.Utc) - DateTime.UnixEpoch).Ticks / 10, id).ToString();
    }

    HttpClient NewClient() => BenchHttp.NewClient(baseAddress);

    Task<HttpClient> SignInAsync(string login) => BenchHttp.SignInAsync(baseAddress, login);
}
