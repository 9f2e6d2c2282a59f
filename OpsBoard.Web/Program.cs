using Microsoft.Extensions.Options;
using OpsBoard.Data.Postgres;
using OpsBoard.Web;

try
{
    var app = OpsBoardApp.Create(args);
    await app.RunAsync();
    return 0;
}
catch (Exception e) when (e is EmbeddedPostgresException or MigrationException or OptionsValidationException or StartupException
    or OpsBoard.Data.Accounts.AccountSetupException)
{
    // Faults the operator must fix get one readable line, not a stack trace.
    Console.Error.WriteLine($"OpsBoard cannot start: {e.Message}");
    return 2;
}
