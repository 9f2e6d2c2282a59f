using System.Text.RegularExpressions;
using Dapper;
using OpsBoard.Data.Demo;
using OpsBoard.Data.Personal;
using OpsBoard.Data.Tests.Reception;

namespace OpsBoard.Data.Tests.Personal;

/// <summary>
/// Someone holding a dump of the petitioner table, and knowing the county's region code, tries to rebuild ID numbers from
/// what sits in clear beside the ciphertext: every date in a row as the birth date, every four characters that look like
/// the end of a number as serial and check character, checked by GB 11643.
/// </summary>
public sealed partial class IdNumberReconstructionTests(DemoDatabaseFixture db) : IClassFixture<DemoDatabaseFixture>
{
    static readonly PersonalDataProtector Protector = FloorScenario.Protector;

    /// <summary>Every valid ID number the row's clear values spell, with the given region codes.</summary>
    static HashSet<string> Rebuild(string row, IEnumerable<string> regions)
    {
        var dates = DateLike().Matches(row).Select(m => m.Value.Replace("-", "", StringComparison.Ordinal)).Distinct().ToList();
        var tails = TailLike().Matches(row).Select(m => m.Groups[1].Value).Distinct().ToList();
        var found = new HashSet<string>();
        foreach (var region in regions)
        {
            foreach (var date in dates)
            {
                foreach (var tail in tails)
                {
                    var first17 = region + date + tail[..3];
                    if (ChineseIdNumber.CheckCharacterOf(first17) == tail[3])
                    {
                        found.Add(first17 + tail[3]);
                    }
                }
            }
        }

        return found;
    }

    [Fact]
    public void Rebuild_ClearBirthDateAndTail_FindsTheNumber()
    {
        // The attack works on the old layout: birth date and last four in clear.
        var row = """{"name":"张三","id_number_tail":"002X","gender":"M","birth_date":"1949-12-31"}""";

        Assert.Contains("11010519491231002X", Rebuild(row, ["110105"]));
    }

    [Fact]
    public async Task Rebuild_EveryPetitionerColumnOfADump_FindsNoIdNumber()
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            foreach (var number in new[] { "11010519491231002X", FloorScenario.NewIdNumber() })
            {
                await Petitioners.UpsertAsync(connection, transaction, Protector, 1, 1, "重建测试", ChineseIdNumber.Parse(number), "13800000000",
                    null, [], DateTimeOffset.UtcNow);
            }

            await transaction.CommitAsync();
        }

        // What pg_dump would write: every column of every row, as text.
        var rows = (await connection.QueryAsync<(string Json, byte[] Sealed)>(
            "SELECT row_to_json(p)::text AS Json, id_number_enc AS Sealed FROM petitioner p WHERE id_number_enc IS NOT NULL")).ToList();
        string[] regions = [DemoCounty.AreaCode, "110105", "330699"];

        Assert.True(rows.Count > 100, $"{rows.Count} petitioners");
        var rebuilt = rows.Count(row => Rebuild(row.Json, regions).Contains(Protector.Decrypt(row.Sealed).Value));
        Assert.Equal(0, rebuilt);
        Assert.All(rows, row => Assert.DoesNotContain(Protector.Decrypt(row.Sealed).Value[6..14], row.Json.Replace("-", "", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task PetitionerTable_HasNoClearPartOfTheNumber()
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var columns = (await connection.QueryAsync<string>(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'petitioner'")).ToList();

        Assert.DoesNotContain("id_number_tail", columns);
        Assert.DoesNotContain("birth_date", columns);
        Assert.DoesNotContain("gender", columns);
    }

    [GeneratedRegex(@"(19|20)\d\d-?(0[1-9]|1[0-2])-?(0[1-9]|[12]\d|3[01])")]
    private static partial Regex DateLike();

    [GeneratedRegex(@"(?=(\d{3}[0-9X]))")]
    private static partial Regex TailLike();
}
