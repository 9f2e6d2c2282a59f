using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Npgsql;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Slips;

namespace OpsBoard.EndToEnd.Tests;

/// <summary>
/// 包案 and 风险研判 change on the screen of whoever has them open, without a reload, through the same live path as the
/// wall: the leader records a 专题分析会 from their own desk and the office's list counts it; a visit of four people makes a
/// matter one step from a collective-visit slip and the watch-list shows it.
/// </summary>
public sealed class SlipPagesLiveTests(AppFixture app, BrowserFixture browser) : IClassFixture<AppFixture>, IClassFixture<BrowserFixture>
{
    NpgsqlDataSource DataSource => app.Services.GetRequiredService<NpgsqlDataSource>();

    [BrowserFact]
    public async Task Packages_LeaderRecordsAMeetingElsewhere_TheOfficesListCountsItWithoutReload()
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        var (packageId, leaderId, unitId) = await connection.QueryFirstAsync<(long, int, int)>("""
            SELECT p.id, p.leader_id, p.unit_id
            FROM matter_package p
            JOIN app_user u ON u.id = p.leader_id
            WHERE u.login = 'leader' AND p.ended_at IS NULL
            ORDER BY p.id
            """);
        var page = await browser.NewPageAsync(app.BaseAddress, 1366, 768);
        await page.LogInAsync("director");
        await page.GotoAsync("/slips/packages?tab=all");
        var meetings = page.Locator($"tr[data-package='{packageId}'] [data-meetings]");
        var before = int.Parse(await meetings.InnerTextAsync(), System.Globalization.CultureInfo.InvariantCulture);
        await page.EvaluateAsync("() => window.stillTheSamePage = true");

        await app.Services.GetRequiredService<MatterPackages>().RecordAsync(Actor.OfUnit(leaderId, 1, unitId, Roles.UnitLeader), packageId,
            new PackageRecord(PackageDuty.Meeting, OpsBoard.Data.ChinaTime.Today(TimeProvider.System), "召开专题分析会，研究化解方案"));

        await Assertions.Expect(meetings).ToHaveTextAsync((before + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), new() { Timeout = 5000 });
        Assert.True(await page.EvaluateAsync<bool>("() => window.stillTheSamePage === true"));
        // The tab the page was opened on is the one refreshed.
        await Assertions.Expect(page.Locator(".nav-tabs .active")).ToHaveTextAsync("全部包案");
        await BrowserFixture.SnapshotAsync(page, "packages-live-1366");
    }

    [BrowserFact]
    public async Task WatchList_VisitOfFourRegistered_TheMatterJoinsTheListWithoutReload()
    {
        var page = await browser.NewPageAsync(app.BaseAddress, 1366, 768);
        await page.LogInAsync("director");
        await page.GotoAsync("/slips/watch?reason=collective_near");
        await Assertions.Expect(page.Locator(".nav-tabs .active")).ToHaveTextAsync("人数接近集体访");
        var region = page.Locator("section[data-region=watch]");
        await Assertions.Expect(region).ToBeVisibleAsync();
        var codes = await region.Locator("[data-watch] tbody tr td:first-child a").AllInnerTextsAsync();
        await page.EvaluateAsync("() => window.stillTheSamePage = true");

        var registered = await app.RegisterAsync(headcount: 4);
        await using var connection = await DataSource.OpenConnectionAsync();
        var (matterId, code) = await connection.QuerySingleAsync<(long, string)>(
            "SELECT m.id, m.code FROM visit v JOIN matter m ON m.id = v.matter_id WHERE v.id = @VisitId", new { registered.VisitId });
        Assert.DoesNotContain(code, codes);

        var row = region.Locator($"tr[data-matter='{matterId}']");
        await Assertions.Expect(row).ToContainTextAsync("人数接近集体访", new() { Timeout = 5000 });
        await Assertions.Expect(row).ToContainTextAsync(code);
        Assert.True(await page.EvaluateAsync<bool>("() => window.stillTheSamePage === true"));
        await BrowserFixture.SnapshotAsync(page, "watch-live-1366");
    }
}
