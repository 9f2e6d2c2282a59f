using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using OpsBoard.Data.Personal;
using OpsBoard.Data.Reception;

namespace OpsBoard.EndToEnd.Tests;

/// <summary>
/// The registration desk driven by the keyboard alone, as a clerk with an ID-card reader works it: the reader types the
/// number and Enter. Enter looks a person up; only the 登记并取号 button registers.
/// </summary>
public sealed class DeskKeyboardTests(AppFixture app, BrowserFixture browser) : IClassFixture<AppFixture>, IClassFixture<BrowserFixture>
{
    static int serial;

    static string NewIdNumber()
    {
        var first17 = $"33060219700707{Interlocked.Increment(ref serial) % 1000:000}";
        return first17 + ChineseIdNumber.CheckCharacterOf(first17);
    }

    async Task<Visitor> KnownAsync(string name, string phone)
    {
        var visitor = new Visitor(name, NewIdNumber(), phone);
        var line = (await app.Services.GetRequiredService<DeskQueries>().ServiceLinesAsync(1))[0].Value;
        await app.Services.GetRequiredService<VisitRegistry>().RegisterAsync(new RegisterVisit
        {
            CenterId = 1, UserId = 1, RequestKey = Guid.NewGuid(), Principal = visitor, Headcount = 1,
            Category = "housing", Summary = "反映保障房分配不公", ServiceLineId = int.Parse(line, System.Globalization.CultureInfo.InvariantCulture),
        });
        return visitor;
    }

    async Task<int> VisitsAsync()
    {
        await using var connection = await app.Database.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<int>("SELECT count(*)::int FROM visit");
    }

    async Task<IPage> OpenDeskAsync()
    {
        var desk = await browser.NewPageAsync(app.BaseAddress);
        await desk.LogInAsync("clerk");
        await desk.GotoAsync("/desk");
        await WaitForFocusAsync(desk, "#search-id");
        return desk;
    }

    static Task WaitForFocusAsync(IPage page, string selector) =>
        page.WaitForFunctionAsync("s => document.activeElement?.matches(s)", selector, new() { Timeout = 5000 });

    /// <summary>Presses Tab (or Shift+Tab) until the selector has the focus, as a person does; fails past 60 presses.</summary>
    static async Task TabToAsync(IPage page, string selector, bool back = false)
    {
        for (var i = 0; i < 60; i++)
        {
            if (await page.EvaluateAsync<bool>("s => document.activeElement?.matches(s) ?? false", selector))
            {
                return;
            }

            await page.Keyboard.PressAsync(back ? "Shift+Tab" : "Tab");
        }

        throw new InvalidOperationException($"Tab never reached {selector}");
    }

    [BrowserFact]
    public async Task Desk_CardReaderTypesNumberAndEnter_LooksUpAndFocusMovesToTheMatter()
    {
        var known = await KnownAsync("周建华", "13700001234");
        var desk = await OpenDeskAsync();
        var visits = await VisitsAsync();

        await desk.Keyboard.TypeAsync(known.IdNumber);
        await desk.Keyboard.PressAsync("Enter");

        await Assertions.Expect(desk.Locator("[data-history] [data-petitioner-name]")).ToHaveTextAsync("周建华");
        await Assertions.Expect(desk.Locator("[data-history] [data-petitioner-id]")).ToHaveTextAsync(PersonalMask.IdNumber(ChineseIdNumber.Parse(known.IdNumber)));
        await Assertions.Expect(desk.Locator("#matter")).ToBeFocusedAsync(); // a repeat visit: which open matter
        await Assertions.Expect(desk.Locator("#name")).ToHaveValueAsync("周建华");
        await Assertions.Expect(desk.Locator("#phone")).ToHaveValueAsync("13700001234");
        Assert.Equal(visits, await VisitsAsync());
    }

    [BrowserFact]
    public async Task Desk_EnterInTheRegistrationIdField_LooksUpAndKeepsTheForm_NeverRegisters()
    {
        var known = await KnownAsync("吴秀英", "13700005678");
        var desk = await OpenDeskAsync();
        var visits = await VisitsAsync();

        await TabToAsync(desk, "#name");
        await desk.Keyboard.TypeAsync("吴秀英");
        await TabToAsync(desk, "#id-number");
        await desk.Keyboard.TypeAsync(known.IdNumber);
        await desk.Keyboard.PressAsync("Enter");

        await Assertions.Expect(desk.Locator("[data-lookup-status]")).ToContainTextAsync("已找到：吴秀英");
        await Assertions.Expect(desk.Locator("#id-number")).ToHaveValueAsync(known.IdNumber);
        await Assertions.Expect(desk.Locator("#phone")).ToHaveValueAsync("13700005678");
        await Assertions.Expect(desk.Locator(".alert-danger")).ToHaveCountAsync(0);
        Assert.Equal(visits, await VisitsAsync());

        // The same in the phone field: Enter looks up again, and the summary typed meanwhile is kept.
        await TabToAsync(desk, "#summary");
        await desk.Keyboard.TypeAsync("再次反映保障房分配不公");
        await TabToAsync(desk, "#phone", back: true);
        await desk.Keyboard.PressAsync("Enter");

        await Assertions.Expect(desk.Locator("#summary")).ToHaveValueAsync("再次反映保障房分配不公");
        await Assertions.Expect(desk.Locator("[data-lookup-status]")).ToContainTextAsync("已找到：吴秀英");
        Assert.Equal(visits, await VisitsAsync());
    }

    [BrowserFact]
    public async Task Desk_NameWithAWrongPhone_SaysSomeoneHasTheNameWithoutShowingTheirPhone()
    {
        await KnownAsync("郑国强", "13700009999");
        var desk = await OpenDeskAsync();

        await TabToAsync(desk, "#search-name");
        await desk.Keyboard.TypeAsync("郑国强");
        await desk.Keyboard.PressAsync("Tab");
        await desk.Keyboard.TypeAsync("13911112222");
        await desk.Keyboard.PressAsync("Enter");

        await Assertions.Expect(desk.Locator("[data-lookup-status]")).ToHaveTextAsync("有同名来访人，但联系电话不符：请核对电话，或用身份证号码查询。");
        Assert.DoesNotContain("13700009999", await desk.ContentAsync());
        Assert.DoesNotContain("9999", await desk.Locator("main").InnerTextAsync());
    }

    [BrowserFact]
    public async Task Desk_NewVisitWithoutCategory_MarksTheCategoryAndFocusesIt()
    {
        var desk = await OpenDeskAsync();
        var visits = await VisitsAsync();

        await TabToAsync(desk, "#name");
        await desk.Keyboard.TypeAsync("冯玉兰");
        await desk.Keyboard.PressAsync("Tab");
        await desk.Keyboard.TypeAsync(NewIdNumber());
        await TabToAsync(desk, "#summary");
        await desk.Keyboard.TypeAsync("反映邻里宅基地纠纷");
        await TabToAsync(desk, "#register-submit");
        await desk.Keyboard.PressAsync("Enter");

        await Assertions.Expect(desk.Locator("#category")).ToBeFocusedAsync();
        await Assertions.Expect(desk.Locator("#category")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bis-invalid\b"));
        await Assertions.Expect(desk.Locator("#category + .invalid-feedback")).ToHaveTextAsync("新事项须选择类别");
        await Assertions.Expect(desk.Locator("#category + .invalid-feedback")).ToBeVisibleAsync();
        await Assertions.Expect(desk.Locator("#summary")).ToHaveValueAsync("反映邻里宅基地纠纷");
        Assert.Equal(visits, await VisitsAsync());

        // Choose with the arrow keys, Tab on to the button, Enter: registered.
        await desk.Keyboard.PressAsync("ArrowDown");
        await TabToAsync(desk, "#register-submit");
        await desk.Keyboard.PressAsync("Enter");
        await desk.WaitForURLAsync(url => url.Contains("/desk/ticket/", StringComparison.Ordinal));
    }

    [BrowserFact]
    public async Task Desk_KnownIdNumberUnderAnotherName_AsksThenRenamesKeepingTheFormerName()
    {
        var known = await KnownAsync("陈桂芳", "13700002468");
        var desk = await OpenDeskAsync();
        await desk.Keyboard.TypeAsync(known.IdNumber);
        await desk.Keyboard.PressAsync("Enter");
        await Assertions.Expect(desk.Locator("#matter")).ToBeFocusedAsync();
        await desk.Keyboard.PressAsync("ArrowDown"); // the open matter: a repeat visit

        await TabToAsync(desk, "#name", back: true);
        await desk.Keyboard.PressAsync("Control+A");
        await desk.Keyboard.TypeAsync("陈桂方");
        await TabToAsync(desk, "#priority");
        await desk.Keyboard.PressAsync("Space");
        await desk.Keyboard.PressAsync("Tab");
        await desk.Keyboard.TypeAsync("孕妇");
        await TabToAsync(desk, "#register-submit");
        await desk.Keyboard.PressAsync("Enter");

        var question = desk.Locator("[data-rename]");
        await Assertions.Expect(question).ToContainTextAsync("该证件号已登记为 陈桂芳，确认更名为 陈桂方？");
        var confirm = desk.GetByRole(AriaRole.Button, new() { Name = "确认更名并登记" });
        await Assertions.Expect(confirm).ToBeFocusedAsync();
        await Assertions.Expect(desk.Locator("#priority-reason")).ToHaveValueAsync("孕妇"); // the form is kept
        await Assertions.Expect(desk.Locator("#priority")).ToBeCheckedAsync();
        await BrowserFixture.SnapshotAsync(desk, "desk-rename-question");
        await desk.Keyboard.PressAsync("Enter");

        await desk.WaitForURLAsync(url => url.Contains("/desk/ticket/", StringComparison.Ordinal));
        await desk.GotoAsync("/desk");
        await WaitForFocusAsync(desk, "#search-id");
        await desk.Keyboard.TypeAsync(known.IdNumber);
        await desk.Keyboard.PressAsync("Enter");
        await Assertions.Expect(desk.Locator("[data-history] [data-petitioner-name]")).ToHaveTextAsync("陈桂方");
        await Assertions.Expect(desk.Locator("[data-history] [data-former-names]")).ToHaveTextAsync("曾用名：陈桂芳");
        await Assertions.Expect(desk.Locator("[data-history] tbody tr")).ToHaveCountAsync(2);
        await BrowserFixture.SnapshotAsync(desk, "desk-former-name");
    }

    [BrowserFact]
    public async Task Desk_EnterInARepresentativeIdField_MovesToTheNextField()
    {
        var desk = await OpenDeskAsync();
        await TabToAsync(desk, "#headcount");
        await desk.Keyboard.PressAsync("Control+A");
        await desk.Keyboard.TypeAsync("6");
        await desk.Keyboard.PressAsync("Enter"); // not a look-up field: on to the next field, nothing posted
        await Assertions.Expect(desk.Locator("details summary")).ToBeFocusedAsync();
        await desk.Keyboard.PressAsync("Enter"); // opens the representatives
        await TabToAsync(desk, "input[name='Input.Representatives[0].IdNumber']");
        await desk.Keyboard.TypeAsync(NewIdNumber());
        await desk.Keyboard.PressAsync("Enter");

        await Assertions.Expect(desk.Locator("input[name='Input.Representatives[1].Name']")).ToBeFocusedAsync();
        await Assertions.Expect(desk.Locator("#headcount")).ToHaveValueAsync("6");
        await Assertions.Expect(desk.Locator("[data-lookup-status]")).ToHaveCountAsync(0);
    }

    [BrowserFact]
    public async Task Desk_WithoutJavaScript_EnterInTheIdFieldStillLooksUp()
    {
        var known = await KnownAsync("褚明亮", "13700001357");
        var context = await browser.Browser.NewContextAsync(new() { BaseURL = app.BaseAddress.ToString(), JavaScriptEnabled = false, Locale = "zh-CN" });
        var desk = await context.NewPageAsync();
        await desk.LogInAsync("clerk");
        await desk.GotoAsync("/desk");
        var visits = await VisitsAsync();

        await desk.Locator("#id-number").FocusAsync();
        await desk.Keyboard.TypeAsync(known.IdNumber);
        await desk.Keyboard.PressAsync("Enter");

        await Assertions.Expect(desk.Locator("[data-lookup-status]")).ToContainTextAsync("已找到：褚明亮");
        Assert.Equal(visits, await VisitsAsync());
    }
}
