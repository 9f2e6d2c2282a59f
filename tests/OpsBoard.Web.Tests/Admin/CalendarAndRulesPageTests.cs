using System.Net;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using Dapper;

namespace OpsBoard.Web.Tests.Admin;

/// <summary>The admin's rule and calendar pages: what they say when a year is loaded twice, corrected, or a rule version withdrawn.</summary>
public sealed class CalendarAndRulesPageTests(AppFixture app) : IClassFixture<AppFixture>
{
    static async Task<string> Year2026CsvAsync(AppFixture app, string? replace = null, string? with = null)
    {
        await using var connection = await app.Database.DataSource.OpenConnectionAsync();
        var lines = await connection.QueryAsync<string>(
            "SELECT day::text || ',' || kind || ',' || name FROM calendar_day WHERE schedule_year = 2026 ORDER BY day");
        var csv = "date,kind,name\n" + string.Join("\n", lines);
        return replace is null ? csv : csv.Replace(replace, with, StringComparison.Ordinal);
    }

    /// <summary>Posts a form found in a page as a browser would, hidden fields and textareas included.</summary>
    static Task<HttpResponseMessage> PostAsync(HttpClient client, IHtmlFormElement form)
    {
        var values = form.QuerySelectorAll<IHtmlInputElement>("input[name]").ToDictionary(i => i.Name!, i => i.Value);
        foreach (var area in form.QuerySelectorAll<IHtmlTextAreaElement>("textarea[name]"))
        {
            values[area.Name!] = area.Value;
        }

        return client.PostAsync(form.Action, new FormUrlEncodedContent(values));
    }

    [Fact]
    public async Task CalendarLoad_YearAlreadyLoaded_SaysSoPlainlyAndOffersTheCorrection()
    {
        var admin = await app.SignInAsync("admin");

        var response = await admin.SubmitAsync("/admin/calendar", "load-calendar", new Dictionary<string, string>
        {
            ["Input.Mode"] = "load", ["Input.Year"] = "2027", ["Input.Csv"] = await Year2026CsvAsync(app),
        });

        var page = await response.ParseAsync();
        var alert = page.QuerySelector("[data-load-errors]")!;
        Assert.StartsWith("文件中的日期属于 2026 年，2026 年已载入；如需更正请选择“更正已载入的年份”", alert.QuerySelector("p")!.TextContent);
        Assert.DoesNotContain("第 2 行", alert.TextContent);
        var offer = alert.QuerySelector<IHtmlFormElement>("form")!;
        Assert.Equal("preview", offer.QuerySelector<IHtmlInputElement>("input[name='Input.Mode']")!.Value);
        Assert.Equal("2026", offer.QuerySelector<IHtmlInputElement>("input[name='Input.Year']")!.Value);
        Assert.Contains("用这份文件更正 2026 年", offer.TextContent);
    }

    [Fact]
    public async Task CalendarCorrect_PreviewThenConfirm_ShowsTheDaysAddedAndRemovedAndReplacesTheYear()
    {
        var admin = await app.SignInAsync("admin");
        var corrected = await Year2026CsvAsync(app, "2026-10-10,workday,国庆节", "2026-10-08,holiday,国庆节");

        var preview = await (await admin.SubmitAsync("/admin/calendar", "load-calendar", new Dictionary<string, string>
        {
            ["Input.Mode"] = "preview", ["Input.Year"] = "2026", ["Input.Csv"] = corrected, ["Input.Source"] = "国务院办公厅补充通知",
        })).ParseAsync();

        var shown = preview.QuerySelector("[data-correction]")!;
        Assert.Contains("将新增 1 天、删除 1 天、改动 0 天", shown.TextContent);
        Assert.Contains("2026-10-08（四）放假 国庆节", shown.QuerySelector("[data-added]")!.TextContent);
        Assert.Contains("2026-10-10（六）调休上班 国庆节", shown.QuerySelector("[data-removed]")!.TextContent);
        await using var connection = await app.Database.DataSource.OpenConnectionAsync();
        Assert.False(await connection.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM calendar_day WHERE day = '2026-10-08')"));

        var done = await (await PostAsync(admin, shown.QuerySelector<IHtmlFormElement>("form")!)).ParseAsync();

        Assert.Contains("已更正 2026 年：新增 1 天、删除 1 天、改动 0 天", done.QuerySelector("[data-correction]")!.TextContent);
        Assert.True(await connection.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM calendar_day WHERE day = '2026-10-08' AND kind = 'holiday')"));
        Assert.False(await connection.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM calendar_day WHERE day = '2026-10-10')"));
        Assert.Contains("已经结束的期限", done.QuerySelector("#load-title")!.ParentElement!.TextContent);
    }

    [Fact]
    public async Task RulesWithdraw_FutureVersion_IsWithdrawnAndVersionsInEffectOfferNoWithdrawal()
    {
        var admin = await app.SignInAsync("admin");
        var effective = DateTime.Today.AddDays(20).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        await admin.SubmitAsync("/admin/rules", "revise-supervision", new Dictionary<string, string>
        {
            ["Input.Length"] = "70", ["Input.EffectiveFrom"] = effective,
        });
        var page = await admin.GetPageAsync("/admin/rules");
        var future = page.QuerySelectorAll("tr[data-rule=supervision]").Single(r => r.TextContent.Contains("尚未生效"));
        var handler = future.QuerySelector<IHtmlInputElement>("input[name=_handler]")!.Value;

        var response = await admin.SubmitAsync("/admin/rules", handler, new Dictionary<string, string>());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var after = await response.ParseAsync();
        Assert.Contains("已撤回“督办反馈”第", after.QuerySelector(".alert-success")!.TextContent);
        var row = after.QuerySelectorAll("tr[data-rule=supervision]").Single(r => r.GetAttribute("data-version") == future.GetAttribute("data-version"));
        Assert.Contains("撤回", row.TextContent);
        Assert.Null(row.QuerySelector("form[method=post] button.btn-outline-danger"));
        Assert.All(after.QuerySelectorAll("tbody tr").Where(r => !r.TextContent.Contains("尚未生效")),
            r => Assert.DoesNotContain("撤回此版本", r.TextContent));
    }
}
