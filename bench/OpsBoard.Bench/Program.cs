using System.Globalization;
using OpsBoard.Bench;

// The bench driver. bench/run.sh starts the app and calls it once per scenario and size, each call appending rows to
// a results file; `report` then prints one table with the ratios measured in that run.
//   live  --url U --db CS --pid P --screens 1,10,100,1000 --events 20 --out F
//   pages --url U --db CS --size N --repeat 10 --out F
//   kpi   --url U --db CS --size N --repeat 10 --baseline 1 --out F
//   slips --db CS --size N --repeat 10 --out F
//   login --url U --size N --repeat 10 --out F   (wrong passwords for a known and an unknown login, timed)
//   xlsx  --db CS --out F     (last month's export once; kpi runs it in a child process with a capped heap)
//   record --out F --scenario S --case C --size N --metric M --value V   (figures measured by run.sh itself)
//   report --out F
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
OpsBoard.Data.DapperSetup.Configure();
var options = BenchOptions.Parse(args);
var results = new Results(options.Get("out"));
switch (options.Command)
{
    case "live":
        await new LiveScenario(options, results).RunAsync();
        break;
    case "pages":
        await new PagesScenario(options, results).RunAsync();
        break;
    case "kpi":
        await new KpiScenario(options, results).RunAsync();
        break;
    case "slips":
        await new SlipsScenario(options, results).RunAsync();
        break;
    case "login":
        await new LoginScenario(options, results).RunAsync();
        break;
    case "xlsx":
        await KpiScenario.ExportOnceAsync(options.Get("db"));
        break;
    case "record":
        results.Add(options.Get("scenario"), options.Get("case"), long.Parse(options.Get("size"), CultureInfo.InvariantCulture),
            options.Get("metric"), double.Parse(options.Get("value"), CultureInfo.InvariantCulture));
        break;
    case "report":
        Report.Print(results.Load());
        break;
    default:
        Console.Error.WriteLine($"unknown command '{options.Command}': live, pages, kpi, slips, login, record or report");
        return 2;
}

return 0;
