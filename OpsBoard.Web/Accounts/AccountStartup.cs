using OpsBoard.Data.Accounts;
using OpsBoard.Data.Postgres;

namespace OpsBoard.Web.Accounts;

/// <summary>Runs <see cref="AccountBootstrap"/> once the schema is up, before the node serves a request.</summary>
sealed class AccountStartup(AccountBootstrap bootstrap) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => bootstrap.RunAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>
/// Ends sessions idle past the timeout once a minute, so a signed-in screen left open (its refreshes do not count as
/// activity) loses its live connection too, not only its next request.
/// </summary>
sealed class IdleSessionSweeper(SessionStore sessions, ILogger<IdleSessionSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(1));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var ended = await sessions.EndIdleAsync(stoppingToken);
                if (ended > 0)
                {
                    logger.LogInformation("Ended {Count} idle sessions", ended);
                }
            }
            catch (Exception e) when (DatabaseOutage.Is(e))
            {
                // The next tick tries again; the session check on each request holds meanwhile.
            }
        }
    }
}
