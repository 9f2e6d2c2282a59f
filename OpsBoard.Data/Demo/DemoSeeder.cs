using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Personal;

namespace OpsBoard.Data.Demo;

public sealed record DemoOptions
{
    public int Seed { get; init; } = 20261122;
    public int Visits { get; init; }
    public int Months { get; init; } = 13;
}

/// <summary>Seeds the demo county. (Placeholder being replaced by the full generator.)</summary>
public sealed class DemoSeeder(NpgsqlDataSource dataSource, UserStore users, PersonalDataProtector protector, TimeProvider time, ILogger<DemoSeeder> logger)
{
    public const string DemoPassword = "Demo@2026";

    public async Task<bool> SeedIfEmptyAsync(DemoOptions options, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (await connection.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM center)"))
        {
            return false;
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var centerId = await connection.ExecuteScalarAsync<int>(
            "INSERT INTO center (code, name, county) VALUES ('demo', '云溪县群众来访接待中心', '云溪县') RETURNING id", transaction: transaction);
        await users.CreateAsync(connection, transaction, centerId, new NewUser("director", "王建国", DemoPassword, [(Roles.Director, null)]));
        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation("Demo seeded {Seed} {Now} {Protector}", options.Seed, time.GetUtcNow(), protector.GetHashCode());
        return true;
    }
}
