using Npgsql;

namespace OpsBoard.Data.Postgres;

/// <summary>
/// Tells a database that cannot be reached (down, restarting, shutting down, out of connections) from a fault in what
/// was asked of it. An outage passes: the user is told to try again and loses nothing; anything else is a real fault.
/// </summary>
public static class DatabaseOutage
{
    public const string Message = "数据库暂时不可用，您填写的内容已保留，请稍后再次提交。";

    /// <summary>Seconds a client is asked to wait: about what a crashed embedded server needs to be back.</summary>
    public const int RetryAfterSeconds = 10;

    /// <summary>Whether the exception, or one it wraps (Quartz, data protection and Blazor wrap them), is an outage.</summary>
    public static bool Is(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException postgres when IsOutageState(postgres.SqlState):
                    return true;
                case PostgresException:
                    // The server answered: a constraint, a syntax error, a permission — not an outage.
                    return false;
                case NpgsqlException:
                    // No answer at all: connection refused or broken, or no connection to be had in time.
                    return true;
                case AggregateException aggregate when aggregate.InnerExceptions.Any(Is):
                    return true;
            }
        }

        return false;
    }

    static bool IsOutageState(string sqlState) =>
        sqlState.StartsWith("08", StringComparison.Ordinal)          // connection exception
        || sqlState is PostgresErrorCodes.AdminShutdown             // 57P01: server stopping, backend terminated
            or PostgresErrorCodes.CrashShutdown                     // 57P02: another backend crashed, all were reset
            or PostgresErrorCodes.CannotConnectNow                  // 57P03: starting up or in crash recovery
            or PostgresErrorCodes.TooManyConnections;               // 53300
}
