using Dapper;
using Npgsql;

namespace OpsBoard.Data.Calendar;

/// <summary>Reads the working calendar from the database and keeps the current snapshot.</summary>
public sealed class CalendarStore(NpgsqlDataSource dataSource)
{
    volatile WorkingCalendar? current;

    public async ValueTask<WorkingCalendar> CurrentAsync(CancellationToken cancellationToken = default) =>
        current ?? await ReloadAsync(cancellationToken);

    public async Task<WorkingCalendar> ReloadAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var calendar = await ReadAsync(connection, null, cancellationToken);
        current = calendar;
        return calendar;
    }

    /// <summary>The calendar as the connection sees it: inside a transaction that changes it, the changed one.</summary>
    public static async Task<WorkingCalendar> ReadAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken = default)
    {
        const string daysSql = """
            SELECT day, kind, name
            FROM calendar_day
            """;
        var days = await connection.QueryAsync<(DateOnly Day, string Kind, string Name)>(
            new CommandDefinition(daysSql, transaction: transaction, cancellationToken: cancellationToken));
        var years = await connection.QueryAsync<int>(
            new CommandDefinition("SELECT year FROM calendar_year", transaction: transaction, cancellationToken: cancellationToken));
        return new WorkingCalendar(
            days.Select(d => new CalendarEntry(d.Day, d.Kind == "holiday" ? DayKind.Holiday : DayKind.Workday, d.Name)),
            years);
    }
}
