using System.Net;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using Dapper;
using OpsBoard.Data.Personal;

namespace OpsBoard.Web.Tests.Floor;

/// <summary>The forms that can meet a known ID number under another name: they ask, keep the form, and rename on confirm.</summary>
public sealed class RenameFormTests(AppFixture app) : IClassFixture<AppFixture>
{
    static int serial;

    static string NewIdNumber()
    {
        var first17 = $"44052419860606{Interlocked.Increment(ref serial) % 1000:000}";
        return first17 + ChineseIdNumber.CheckCharacterOf(first17);
    }

    async Task<string> NameOnFileAsync(string idNumber)
    {
        await using var connection = await app.Database.DataSource.OpenConnectionAsync();
        ChineseIdNumber.TryParse(idNumber, out var number, out _);
        var protector = (PersonalDataProtector)app.Services.GetService(typeof(PersonalDataProtector))!;
        return await connection.ExecuteScalarAsync<string>(
            "SELECT name FROM petitioner WHERE id_number_hash = @hash ORDER BY id DESC LIMIT 1",
            new { hash = protector.LookupHash(number!) }) ?? "";
    }

    static Dictionary<string, string> Letter(string name, string idNumber) => new()
    {
        ["Input.Source"] = "letter",
        ["Input.Name"] = name,
        ["Input.IdNumber"] = idNumber,
        ["Input.Category"] = "housing",
        ["Input.Summary"] = "来信反映保障房分配",
        ["Input.IsAccusation"] = "true",
    };

    [Fact]
    public async Task NewMatter_KnownIdNumberUnderAnotherName_AsksKeepsTheFormThenRenamesOnConfirm()
    {
        var clerk = await app.SignInAsync("clerk");
        var idNumber = NewIdNumber();
        Assert.Equal(HttpStatusCode.Redirect, (await clerk.SubmitAsync("/matters/new", "new-matter", Letter("蒋文", idNumber))).StatusCode);

        var asked = await clerk.SubmitAsync("/matters/new", "new-matter", Letter("蒋雯", idNumber));

        Assert.Equal(HttpStatusCode.OK, asked.StatusCode);
        var page = await asked.ParseAsync();
        Assert.Contains("该证件号已登记为 蒋文，确认更名为 蒋雯？", page.QuerySelector("[data-rename]")!.TextContent);
        Assert.Equal("蒋雯", page.QuerySelector<IHtmlInputElement>("#name")!.Value);
        Assert.True(page.QuerySelector<IHtmlInputElement>("#accusation")!.IsChecked);
        Assert.Equal("蒋文", await NameOnFileAsync(idNumber));

        var confirmed = await clerk.SubmitAsync("/matters/new", "new-matter",
            new Dictionary<string, string>(Letter("蒋雯", idNumber)) { ["Input.ConfirmRename"] = $"{idNumber}:蒋雯" });

        Assert.Equal(HttpStatusCode.Redirect, confirmed.StatusCode);
        Assert.Equal("蒋雯", await NameOnFileAsync(idNumber));
    }

    [Fact]
    public async Task Desk_LookUpButtonPostedWithoutScript_LooksUpAndRegistersNothing()
    {
        var clerk = await app.SignInAsync("clerk");
        var idNumber = NewIdNumber();
        await clerk.SubmitAsync("/matters/new", "new-matter", Letter("韩梅", idNumber));
        await using var connection = await app.Database.DataSource.OpenConnectionAsync();
        var visits = await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM visit");

        var response = await clerk.SubmitAsync("/desk", "register", new Dictionary<string, string>
        {
            ["Input.IdNumber"] = idNumber,
            ["Input.Lookup"] = "true",
            ["Input.Summary"] = "已经填写的摘要",
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await response.ParseAsync();
        Assert.Contains("已找到：韩梅", page.QuerySelector("[data-lookup-status]")!.TextContent);
        Assert.Equal("韩梅", page.QuerySelector<IHtmlInputElement>("#name")!.Value);
        Assert.Equal("已经填写的摘要", page.QuerySelector<IHtmlTextAreaElement>("#summary")!.Value);
        Assert.Null(page.QuerySelector(".alert-danger"));
        Assert.Equal(visits, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM visit"));
    }
}
