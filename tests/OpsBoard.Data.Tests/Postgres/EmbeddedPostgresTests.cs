using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OpsBoard.Data.Postgres;

namespace OpsBoard.Data.Tests.Postgres;

public sealed class EmbeddedPostgresTests : IDisposable
{
    readonly string root = Path.Combine(Path.GetTempPath(), "opsboard-tests", "embedded-" + Guid.NewGuid().ToString("N")[..8]);

    EmbeddedPostgresOptions Options(string? bin = null) =>
        new() { DataDirectory = Path.Combine(root, "pg"), Durable = false, BinDirectory = bin };

    [Fact]
    public async Task StartAsync_StalePidFileAfterCrash_RemovesItAndStarts()
    {
        await using (var first = await EmbeddedPostgres.StartAsync(Options(), NullLogger.Instance))
        {
            Assert.True(first.Port > 0);
        }

        // What a crash leaves: a postmaster.pid naming a process that no longer exists.
        var pidFile = Path.Combine(root, "pg", "postmaster.pid");
        await File.WriteAllTextAsync(pidFile, "999999\n" + Path.Combine(root, "pg") + "\n1700000000\n5432\n\n127.0.0.1\n  5432001  0\nready   \n");

        await using var second = await EmbeddedPostgres.StartAsync(Options(), NullLogger.Instance);
        await using var connection = new NpgsqlConnection(second.ConnectionString());
        await connection.OpenAsync();
        Assert.Equal("opsboard", connection.Database);
    }

    [Fact]
    public async Task StartAsync_NoServerBinaries_SaysWhatToInstall()
    {
        var empty = Directory.CreateDirectory(Path.Combine(root, "nobin")).FullName;

        var error = await Assert.ThrowsAsync<EmbeddedPostgresException>(() => EmbeddedPostgres.StartAsync(Options(empty), NullLogger.Instance));

        Assert.Contains("No initdb", error.Message);
    }

    [Fact]
    public async Task StartAsync_DataDirectoryUnderAFile_SaysItIsNotWritable()
    {
        Directory.CreateDirectory(root);
        var file = Path.Combine(root, "a-file");
        await File.WriteAllTextAsync(file, "");

        var error = await Assert.ThrowsAsync<EmbeddedPostgresException>(() =>
            EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions { DataDirectory = Path.Combine(file, "pg") }, NullLogger.Instance));

        Assert.Contains("is not writable", error.Message);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
