using System.Text.RegularExpressions;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using OpsBoard.Data.Personal;
using OpsBoard.Data.Reception;

namespace OpsBoard.EndToEnd.Tests;

/// <summary>Who is in front of the officer: name and phone for those who handle the person, masked for the others.</summary>
public sealed partial class PetitionerContactTests(AppFixture app, BrowserFixture browser) : IClassFixture<AppFixture>, IClassFixture<BrowserFixture>
{
    [GeneratedRegex(@"^\d{4}\*{10}[\dX]{4}$")]
    private static partial Regex MaskedIdNumber();

    [BrowserTheory]
    [InlineData(1366, 768)]
    [InlineData(1920, 1080)]
    public async Task Window_ServingARepeatVisitor_ShowsNamePhoneEarlierVisitsAndOpenMatter_RevealIsAudited(int width, int height)
    {
        var (idNumber, matterCode, repeat) = await RepeatVisitorAsync($"王建{(width == 1366 ? "国" : "军")}", "13905712345");
        var wall = await browser.NewPageAsync(app.BaseAddress, 1920, 1080);
        await wall.GotoAsync($"/wall?device={await app.DeviceTokenAsync()}");

        var console = await OpenConsoleAsync("window", "接谈窗口1", repeat.Number, width, height);

        var visitor = console.Locator("[data-visitor]");
        await Assertions.Expect(visitor.Locator("[data-petitioner-name]")).ToHaveTextAsync(width == 1366 ? "王建国" : "王建军");
        await Assertions.Expect(visitor.Locator("[data-petitioner-phone]")).ToHaveTextAsync("13905712345");
        await Assertions.Expect(visitor.Locator("[data-petitioner-id]")).ToHaveTextAsync(PersonalMask.IdNumber(ChineseIdNumber.Parse(idNumber)));
        await Assertions.Expect(visitor.Locator("[data-open-matters]")).ToContainTextAsync(matterCode);
        var earlier = visitor.Locator("[data-earlier-visits] tbody tr");
        await Assertions.Expect(earlier).ToHaveCountAsync(1); // the visit being served is not an earlier one
        await Assertions.Expect(earlier).ToContainTextAsync(matterCode);
        await Assertions.Expect(earlier).ToContainTextAsync("县");
        var panel = (await visitor.BoundingBoxAsync())!;
        Assert.True(panel.X + panel.Width <= width, $"visitor panel reaches {panel.X + panel.Width} of {width}");
        await BrowserFixture.SnapshotAsync(console, $"window-console-visitor-{width}x{height}");

        var before = await RevealsAsync("window");
        await console.GetByRole(AriaRole.Button, new() { Name = "显示完整证件号" }).ClickAsync();

        await Assertions.Expect(console.Locator("[data-visitor] [data-revealed]")).ToHaveTextAsync(idNumber);
        Assert.Equal(before + 1, await RevealsAsync("window"));
        await console.GotoAsync("/window");
        await Assertions.Expect(console.Locator("[data-visitor] [data-petitioner-id]")).ToHaveTextAsync(MaskedIdNumber());

        // Never on the wall.
        Assert.DoesNotContain("王建", await wall.Locator("body").InnerTextAsync());
        Assert.DoesNotContain("13905712345", await wall.ContentAsync());
    }

    [BrowserTheory]
    [InlineData(1366, 768)]
    [InlineData(1920, 1080)]
    public async Task MatterFile_UnitOfficerSeesThePhone_StatisticianSeesItMasked(int width, int height)
    {
        var matter = await OfficersMatterAsync();

        var officer = await browser.NewPageAsync(app.BaseAddress, width, height);
        await officer.LogInAsync("officer");
        await officer.GotoAsync($"/matters/{matter.Id}");
        var stats = await browser.NewPageAsync(app.BaseAddress, width, height);
        await stats.LogInAsync("stats");
        await stats.GotoAsync($"/matters/{matter.Id}");

        await Assertions.Expect(officer.Locator("[data-petitioner-name]")).ToHaveTextAsync(matter.Name);
        await Assertions.Expect(officer.Locator("[data-petitioner-phone]")).ToHaveTextAsync(matter.Phone);
        await Assertions.Expect(officer.Locator("[data-petitioner-id]")).ToHaveTextAsync(MaskedIdNumber());
        await Assertions.Expect(stats.Locator("[data-petitioner-name]")).ToHaveTextAsync(PersonalMask.Name(matter.Name));
        await Assertions.Expect(stats.Locator("[data-petitioner-phone]")).ToHaveTextAsync(PersonalMask.Phone(matter.Phone)!);
        await Assertions.Expect(stats.Locator("[data-petitioner-id]")).ToHaveTextAsync(MaskedIdNumber());
        await Assertions.Expect(stats.GetByRole(AriaRole.Button, new() { Name = "显示完整证件号" })).ToHaveCountAsync(0);
        Assert.DoesNotContain(matter.Phone, await stats.ContentAsync());
        var contact = (await officer.Locator("[data-petitioner]").BoundingBoxAsync())!;
        Assert.True(contact.Y < height / 2, $"the petitioner's contact sits at {contact.Y} of {height}: it must be seen without scrolling");
        await BrowserFixture.SnapshotAsync(officer, $"matter-file-officer-{width}x{height}");
        await BrowserFixture.SnapshotAsync(stats, $"matter-file-statistician-{width}x{height}");

        var before = await RevealsAsync("officer");
        await officer.GetByRole(AriaRole.Button, new() { Name = "显示完整证件号" }).ClickAsync();

        await Assertions.Expect(officer.Locator("[data-revealed]")).ToHaveTextAsync(matter.IdNumber);
        Assert.Equal(before + 1, await RevealsAsync("officer"));
        await officer.GotoAsync($"/matters/{matter.Id}");
        await Assertions.Expect(officer.Locator("[data-petitioner-id]")).ToHaveTextAsync(MaskedIdNumber());
    }

    sealed record OfficersMatter(long Id, string Name, string Phone, byte[] Sealed)
    {
        public string IdNumber { get; set; } = "";
    }

    /// <summary>A matter of the demo officer's unit (城东街道) whose petitioner left a phone and an ID number.</summary>
    async Task<OfficersMatter> OfficersMatterAsync()
    {
        await using var connection = await app.Database.DataSource.OpenConnectionAsync();
        var matter = await connection.QueryFirstAsync<OfficersMatter>("""
            SELECT m.id, p.name, p.phone, p.id_number_enc AS Sealed
            FROM matter m
            JOIN petitioner p ON p.id = m.petitioner_id
            JOIN user_role r ON r.unit_id = m.responsible_unit_id AND r.role = 'unit_officer'
            JOIN app_user u ON u.id = r.user_id AND u.login = 'officer'
            WHERE p.phone IS NOT NULL AND p.id_number_enc IS NOT NULL
            ORDER BY m.id DESC
            LIMIT 1
            """);
        matter.IdNumber = app.Services.GetRequiredService<PersonalDataProtector>().Decrypt(matter.Sealed).Value;
        return matter;
    }

    /// <summary>A first visit, then a repeat visit on the same matter through the green channel, so it is called first.</summary>
    async Task<(string IdNumber, string MatterCode, Registered Repeat)> RepeatVisitorAsync(string name, string phone)
    {
        var registry = app.Services.GetRequiredService<VisitRegistry>();
        var line = int.Parse((await app.Services.GetRequiredService<DeskQueries>().ServiceLinesAsync(1))[0].Value, System.Globalization.CultureInfo.InvariantCulture);
        var first17 = $"3306021962{Random.Shared.Next(1, 13):00}{Random.Shared.Next(1, 29):00}{Random.Shared.Next(0, 999):000}";
        var visitor = new Visitor(name, first17 + ChineseIdNumber.CheckCharacterOf(first17), phone);
        RegisterVisit Visit() => new()
        {
            CenterId = 1, UserId = 1, RequestKey = Guid.NewGuid(), Principal = visitor, Headcount = 1,
            Category = "expropriation", Summary = "反映征地补偿款未足额发放", ServiceLineId = line,
        };
        var first = await registry.RegisterAsync(Visit());
        await using var connection = await app.Database.DataSource.OpenConnectionAsync();
        var (matterId, code) = await connection.QuerySingleAsync<(long, string)>(
            "SELECT m.id, m.code FROM visit v JOIN matter m ON m.id = v.matter_id WHERE v.id = @VisitId", new { first.VisitId });
        var repeat = await registry.RegisterAsync(Visit() with { MatterId = matterId, Priority = true, PriorityReason = "75岁老人" });
        return (visitor.IdNumber, code, repeat);
    }

    async Task<int> RevealsAsync(string login)
    {
        await using var connection = await app.Database.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<int>("""
            SELECT count(*)::int
            FROM audit_log a
            JOIN app_user u ON u.id = a.user_id
            WHERE u.login = @login AND a.action = @RevealAction AND a.outcome = 'ok' AND a.subject_kind = 'petitioner'
            """, new { login, PetitionerCards.RevealAction });
    }

    /// <summary>Signs the clerk in at the window (unless already there) and calls until the number comes up.</summary>
    async Task<IPage> OpenConsoleAsync(string login, string window, string number, int width, int height)
    {
        var console = await browser.NewPageAsync(app.BaseAddress, width, height);
        await console.LogInAsync(login);
        await console.GotoAsync("/window");
        var signIn = console.Locator("form", new() { HasText = window }).GetByRole(AriaRole.Button, new() { Name = "在此窗口签到" });
        if (await signIn.CountAsync() > 0)
        {
            await signIn.ClickAsync();
        }

        for (var i = 0; i < 40; i++)
        {
            if (await console.Locator("[data-current-number]").CountAsync() == 0)
            {
                await console.GetByRole(AriaRole.Button, new() { Name = "叫下一位" }).ClickAsync();
            }

            if (await console.Locator("[data-current-number]").InnerTextAsync() == number)
            {
                return console;
            }

            await console.GetByRole(AriaRole.Button, new() { Name = "未到" }).ClickAsync();
        }

        throw new InvalidOperationException($"{number} never came up at {window}");
    }
}
