using Microsoft.Extensions.Options;
using OpsBoard.Data.Personal;

namespace OpsBoard.Data;

/// <summary>The <c>OpsBoard</c> configuration section.</summary>
public sealed class OpsBoardOptions
{
    public const string Section = "OpsBoard";

    /// <summary>Where the embedded cluster and the local key live (relative to the working directory).</summary>
    public string DataDirectory { get; set; } = ".opsboard";

    /// <summary>Folder of initdb/pg_ctl/postgres; found on PATH or under /usr/lib/postgresql when empty.</summary>
    public string? PostgresBin { get; set; }

    /// <summary>Port of the embedded cluster; 0 picks a free loopback port.</summary>
    public int PostgresPort { get; set; }

    /// <summary>
    /// Demo mode: seed the demo county into an empty database at start-up, and allow its accounts with their shared,
    /// published password. On by default for the embedded database only. Outside demo mode the first start creates one
    /// admin with a one-time password, and the app refuses to start while an active account has the demo password.
    /// </summary>
    public bool SeedDemo { get; set; } = true;

    /// <summary>A staff session ends after this long without a request of the person's own (screens' refreshes do not count).</summary>
    public int IdleTimeoutMinutes { get; set; } = 30;

    /// <summary>Login attempts (POSTs of the login form) allowed per client address and minute.</summary>
    public int LoginAttemptsPerMinute { get; set; } = 20;

    /// <summary>The center created with the first admin outside demo mode.</summary>
    public string CenterName { get; set; } = "群众来访接待中心";

    public string County { get; set; } = "本县";

    /// <summary>Number of visits the demo history holds; 0 means the generator's realistic default.</summary>
    public int DemoVisits { get; set; }

    /// <summary>The demo history ends before today's opening, whatever the hour (the test fixtures' floor).</summary>
    public bool DemoBeforeOpening { get; set; }

    /// <summary>The demo history includes the warning slips' four weeks (false: the slip mechanism has not started).</summary>
    public bool DemoSlipHistory { get; set; } = true;

    /// <summary>Web port on loopback, used unless URLs are configured.</summary>
    public int Port { get; set; } = 5080;

    /// <summary>
    /// Base64 of 32 random bytes protecting ID numbers; generated into the data directory when empty, which only the
    /// embedded database allows.
    /// </summary>
    public string? PersonalDataKey { get; set; }

    /// <summary>
    /// Where staff notifications are POSTed (the county's SMS or 政务微信 gateway), with an <c>Idempotency-Key</c> header;
    /// empty keeps them in the outbox until one is set.
    /// </summary>
    public string? NotificationWebhook { get; set; }

    /// <summary>A webhook call that has not answered after this long counts as failed and is retried.</summary>
    public int NotificationTimeoutSeconds { get; set; } = 10;

    /// <summary>The wait before the first retry; it doubles with each failure up to <see cref="NotificationRetryMaxSeconds"/>.</summary>
    public int NotificationRetrySeconds { get; set; } = 5;

    public int NotificationRetryMaxSeconds { get; set; } = 600;
}

/// <summary>
/// Refuses settings that would start a node that cannot work, each failure one line saying what to set; no full stops,
/// since several failures are joined with "; " into the one line the operator sees.
/// </summary>
/// <param name="sharedDatabase">
/// A configured server: other nodes may use the same rows, so a key generated here would make their ID numbers unreadable
/// and their look-ups miss.
/// </param>
public sealed class OpsBoardOptionsValidator(bool sharedDatabase) : IValidateOptions<OpsBoardOptions>
{
    public ValidateOptionsResult Validate(string? name, OpsBoardOptions options)
    {
        List<string> failures = [];
        if (options.IdleTimeoutMinutes is < 1 or > 1440)
        {
            failures.Add($"OpsBoard:IdleTimeoutMinutes {options.IdleTimeoutMinutes} is out of range: use 1-1440");
        }

        if (options.LoginAttemptsPerMinute < 1)
        {
            failures.Add($"OpsBoard:LoginAttemptsPerMinute {options.LoginAttemptsPerMinute} must be at least 1");
        }

        if (options.Port is < 1 or > 65535)
        {
            failures.Add($"OpsBoard:Port {options.Port} is not a port: use 1-65535, or --urls to choose the address");
        }

        // The key itself is never echoed: the message ends up in logs and terminals.
        if (string.IsNullOrWhiteSpace(options.PersonalDataKey))
        {
            if (sharedDatabase)
            {
                failures.Add(
                    "OpsBoard:PersonalDataKey is required with ConnectionStrings:OpsBoard and must be the same on every node: " +
                    $"set it to the key in {Path.Combine(options.DataDirectory, PersonalDataProtector.KeyFileName)} of the node that has stored ID numbers so far, " +
                    "or for a new database to the output of `openssl rand -base64 32`");
            }
        }
        else if (PersonalDataProtector.KeyProblem(options.PersonalDataKey) is { } problem)
        {
            failures.Add($"OpsBoard:PersonalDataKey {problem}: set it to the output of `openssl rand -base64 32`");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
