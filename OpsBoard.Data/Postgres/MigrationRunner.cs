using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace OpsBoard.Data.Postgres;

public sealed record Migration(int Version, string Name, string Sql)
{
    public string Checksum => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Sql.ReplaceLineEndings("\n"))));
}

public sealed record MigrationStatus(int Known, int Applied, IReadOnlyList<string> Pending)
{
    public bool UpToDate => Pending.Count == 0;
}

public sealed class MigrationException(string message) : Exception(message);

/// <summary>
/// Applies the numbered SQL files of <c>sql/</c> in order, forward only, one transaction per file.
/// A session advisory lock makes concurrent starts of several nodes apply each file exactly once.
/// </summary>
public sealed class MigrationRunner(NpgsqlDataSource dataSource, ILogger<MigrationRunner> logger)
{
    // Arbitrary but fixed: "OpsB" in ASCII.
    const long LockKey = 0x4F707342;

    public static IReadOnlyList<Migration> Embedded { get; } = LoadEmbedded();

    public async Task<int> ApplyAsync(CancellationToken cancellationToken = default) =>
        await ApplyAsync(Embedded, cancellationToken);

    public async Task<int> ApplyAsync(IReadOnlyList<Migration> migrations, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync("SELECT pg_advisory_lock(@LockKey)", new { LockKey });
        try
        {
            // Only when missing: a role that may not create tables (the app's, on an up-to-date database) still gets through.
            if (!await connection.ExecuteScalarAsync<bool>("SELECT to_regclass('schema_migration') IS NOT NULL"))
            {
                await connection.ExecuteAsync("""
                    CREATE TABLE IF NOT EXISTS schema_migration (
                        version     int PRIMARY KEY,
                        name        text NOT NULL,
                        checksum    text NOT NULL,
                        applied_at  timestamptz NOT NULL DEFAULT now()
                    )
                    """);
            }
            var applied = (await connection.QueryAsync<(int Version, string Name, string Checksum)>(
                "SELECT version, name, checksum FROM schema_migration ORDER BY version")).ToDictionary(m => m.Version);

            Verify(migrations, applied);

            var count = 0;
            foreach (var migration in migrations.Where(m => !applied.ContainsKey(m.Version)))
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                try
                {
                    // No time limit: a migration that backfills a column runs for minutes on a database of millions of rows,
                    // and stopping it half way only rolls it back to be tried again at the next start.
                    await connection.ExecuteAsync(new CommandDefinition(migration.Sql, transaction: transaction, commandTimeout: 0,
                        cancellationToken: cancellationToken));
                }
                catch (PostgresException e)
                {
                    var hint = e.SqlState is PostgresErrorCodes.InsufficientPrivilege
                        ? $" Migrations run as the schema owner: set ConnectionStrings:{DataHostingExtensions.MigrationConnectionStringName} to the owner's connection."
                        : "";
                    throw new MigrationException(
                        $"Migration {migration.Name} failed and was rolled back: {e.MessageText} (line {LineOf(migration.Sql, e.Position)}).{hint}");
                }

                await connection.ExecuteAsync(
                    "INSERT INTO schema_migration (version, name, checksum) VALUES (@Version, @Name, @Checksum)",
                    new { migration.Version, migration.Name, migration.Checksum }, transaction);
                await transaction.CommitAsync(cancellationToken);
                logger.LogInformation("Applied migration {Name}", migration.Name);
                count++;
            }

            return count;
        }
        finally
        {
            await connection.ExecuteAsync("SELECT pg_advisory_unlock(@LockKey)", new { LockKey });
        }
    }

    public async Task<MigrationStatus> StatusAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var hasJournal = await connection.ExecuteScalarAsync<bool>("SELECT to_regclass('schema_migration') IS NOT NULL");
        var applied = hasJournal
            ? (await connection.QueryAsync<int>("SELECT version FROM schema_migration")).ToHashSet()
            : [];
        var pending = Embedded.Where(m => !applied.Contains(m.Version)).Select(m => m.Name).ToList();
        return new MigrationStatus(Embedded.Count, applied.Count, pending);
    }

    static void Verify(IReadOnlyList<Migration> migrations, Dictionary<int, (int Version, string Name, string Checksum)> applied)
    {
        var known = migrations.ToDictionary(m => m.Version);
        foreach (var (version, row) in applied)
        {
            if (!known.TryGetValue(version, out var migration))
            {
                throw new MigrationException(
                    $"The database has migration {row.Name}, which this build does not know: it was migrated by a newer OpsBoard. Run that version or newer.");
            }

            if (migration.Checksum != row.Checksum)
            {
                throw new MigrationException(
                    $"Migration {migration.Name} was changed after it was applied to this database. " +
                    "Migrations are forward only: restore the file and put the change in a new, higher-numbered file.");
            }
        }
    }

    static int LineOf(string sql, int position) =>
        position <= 0 ? 0 : sql.AsSpan(0, Math.Min(position, sql.Length)).Count('\n') + 1;

    static List<Migration> LoadEmbedded()
    {
        var assembly = typeof(MigrationRunner).Assembly;
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith("sql/", StringComparison.Ordinal)))
        {
            var name = resource["sql/".Length..];
            if (!int.TryParse(name.AsSpan(0, name.IndexOf('_')), out var version))
            {
                throw new MigrationException($"Migration file {name} must start with its number, e.g. 0001_core.sql");
            }

            using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!, Encoding.UTF8);
            migrations.Add(new Migration(version, name, reader.ReadToEnd()));
        }

        var duplicate = migrations.GroupBy(m => m.Version).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new MigrationException($"Two migrations share number {duplicate.Key}: {string.Join(", ", duplicate.Select(m => m.Name))}");
        }

        return [.. migrations.OrderBy(m => m.Version)];
    }
}
