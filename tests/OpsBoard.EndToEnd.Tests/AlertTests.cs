using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using OpsBoard.Data.Matters;

namespace OpsBoard.EndToEnd.Tests;

public sealed class AlertTests(AppFixture app, BrowserFixture browser) : IClassFixture<AppFixture>, IClassFixture<BrowserFixture>
{
    [BrowserFact]
    public async Task ClockPassesItsDueMoment_WallAlertsShowItWithin2sOfTheWatcher()
    {
        var wall = await browser.NewPageAsync(app.BaseAddress, 1920, 1080);
        await wall.GotoAsync($"/wall?device={await app.DeviceTokenAsync()}");
        await Assertions.Expect(wall.Locator("[data-connection]")).ToHaveTextAsync("实时连接正常");
        // Let the watcher catch up with the demo history first, so the only change below is ours.
        await app.Services.GetRequiredService<ClockWatcher>().RunAsync();
        var before = await OverdueCountAsync(wall);
        await using (var connection = await app.Database.DataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("""
                UPDATE matter_clock SET due_at = now() - interval '1 minute'
                WHERE id = (SELECT min(k.id) FROM matter_clock k JOIN deadline_rule r ON r.id = k.rule_id
                            WHERE k.stopped_at IS NULL AND k.alert_state = 'running' AND r.code <> ALL(@windows)
                              AND NOT EXISTS (SELECT 1 FROM clock_pause p WHERE p.clock_id = k.id AND p.resumed_at IS NULL))
                """, new { windows = ClockKind.PetitionerWindows.ToArray() });
        }

        await app.Services.GetRequiredService<ClockWatcher>().RunAsync();

        await wall.WaitForFunctionAsync(
            "n => Number(document.querySelector('section[data-region=alerts] .alert-counts .overdue')?.textContent.replace(/\\D/g, '')) === n",
            before + 1, new() { Timeout = 2000, PollingInterval = 20 });
        await BrowserFixture.SnapshotAsync(wall, "wall-alerts");
    }

    static async Task<int> OverdueCountAsync(IPage wall)
    {
        var text = await wall.Locator("section[data-region=alerts] .alert-counts .overdue").InnerTextAsync();
        return int.Parse(new string([.. text.Where(char.IsAsciiDigit)]), System.Globalization.CultureInfo.InvariantCulture);
    }
}
