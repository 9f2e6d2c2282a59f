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
        var (_, hallToken) = await new DeviceTokens(dataSource).CreateAsync(centerId, "性能测试叫号屏", adminId, ScreenKinds.Hall);
        // The commonest petitioner name (the slowest name search), a petitioner with several matters (the ID-number
        // search lands on their id), a busy unit over its last 30 days.
        var name = await connection.ExecuteScalarAsync<string>("""
            SELECT p.name FROM matter m JOIN petitioner p ON p.id = m.petitioner_id GROUP BY p.name ORDER BY count(*) DESC LIMIT 1
            """);
        var petitioner = await connection.ExecuteScalarAsync<long>(
            "SELECT petitioner_id FROM matter WHERE petitioner_id IS NOT NULL GROUP BY petitioner_id ORDER BY count(*) DESC LIMIT 1");
        var (unit, lastDay) = await connection.QuerySingleAsync<(int, DateTime)>("""
            SELECT responsible_unit_id, max(received_at) FROM matter WHERE responsible_unit_id IS NOT NULL
            GROUP BY responsible_unit_id ORDER BY count(*) DESC LIMIT 1
            """);
        var to = DateOnly.FromDateTime(lastDay);
        var range = $"unit={unit}&from={to.AddDays(-30):yyyy-MM-dd}&to={to:yyyy-MM-dd}";
        // An old month: its matters are closed, so in the due and code orders they lie far from where the walk starts.
        var oldest = DateOnly.FromDateTime(await connection.ExecuteScalarAsync<DateTime>("SELECT min(received_at) FROM matter"));
        var oldRange = $"from={oldest.AddDays(60):yyyy-MM-dd}&to={oldest.AddDays(90):yyyy-MM-dd}";

        var pages = new (string Login, string Name, string Path)[]
        {
            ("director", "首页", "/"),
            ("director", "信访事项 第1页", "/matters"),
            ("director", "信访事项 深翻页", $"/matters?after={await DeepCursorAsync(connection)}"),
            ("director", "信访事项 按状态", "/matters?status=handling"),
            ("director", "信访事项 按姓名", $"/matters?name={Uri.EscapeDataString(name ?? "")}"),
            ("director", "信访事项 按身份证（来访人）", $"/matters?petitioner={petitioner}"),
            ("director", "信访事项 单位+30日", $"/matters?{range}"),
            ("director", "信访事项 单位+30日 按到期", $"/matters?{range}&sort=due"),
            ("director", "信访事项 早期30日 按到期", $"/matters?{oldRange}&sort=due"),
            ("director", "信访事项 单位+早期30日 按编号", $"/matters?unit={unit}&{oldRange}&sort=code"),
            ("director", "信访事项 按到期", "/matters?sort=due"),
            ("director", "信访事项 按到期 第400页", "/matters?sort=due&page=400"),
            ("director", "信访事项 按编号", "/matters?sort=code"),
            ("director", "信访事项 跳到第400页", "/matters?page=400"),
            ("director", "信访事项 末页", "/matters?page=last"),
            ("director", "信访事项 从旧到新 末页", "/matters?sort=oldest&page=last"),
            ("director", "事项档案", $"/matters/{matterId}"),
            ("director", "期限预警", "/alerts"),
            ("clerk", "来访登记", "/desk"),
            ("clerk", "窗口叫号", "/window"),
            ("clerk", "现场管理", "/floor"),
            ("officer", "本单位事项", "/unit"),
            ("officer", "本单位事项 按到期", "/unit?sort=due"),
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
        await MeasureAsync(screen, "叫号屏 整页", $"/hall?device={hallToken}");
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
        var micros = (DateTime.SpecifyKind(at, DateTimeKind.Utc) - DateTime.UnixEpoch).Ticks / 10;
        return new OpsBoard.Data.Matters.MatterCursor('n', micros.ToString(System.Globalization.CultureInfo.InvariantCulture), id).ToString();
    }

    HttpClient NewClient() => BenchHttp.NewClient(baseAddress);

    Task<HttpClient> SignInAsync(string login) => BenchHttp.SignInAsync(baseAddress, login);
}
