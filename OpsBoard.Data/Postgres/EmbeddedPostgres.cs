using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace OpsBoard.Data.Postgres;

/// <summary>Settings of the private PostgreSQL cluster OpsBoard starts when no connection string is configured.</summary>
public sealed record EmbeddedPostgresOptions
{
    public required string DataDirectory { get; init; }

    /// <summary>A fixed port, or 0 to take a free loopback port.</summary>
    public int Port { get; init; }

    /// <summary>Folder holding initdb, pg_ctl and postgres; searched on PATH and /usr/lib/postgresql/*/bin when null.</summary>
    public string? BinDirectory { get; init; }

    /// <summary>Tests trade crash safety for speed (fsync off); a real board never does.</summary>
    public bool Durable { get; init; } = true;

    public string Database { get; init; } = "opsboard";
}

/// <summary>Raised for a fault the operator has to fix; its message is the one line to print.</summary>
public sealed class EmbeddedPostgresException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// A private PostgreSQL cluster: initdb once, start on loopback, restart when asked after the server died, stop on dispose.
/// PostgreSQL refuses to run as root, so as root every server command runs as the postgres OS user.
/// </summary>
public sealed class EmbeddedPostgres : IAsyncDisposable
{
    public const string SuperUser = "opsboard";

    /// <summary>
    /// Owns the app's database, its schema and every object in it, and runs the migrations. No superuser: it cannot
    /// touch another database or a role. The app never connects as it.
    /// </summary>
    public const string OwnerRole = "opsboard_owner";

    /// <summary>
    /// The role the app connects as: owns nothing, holds only the grants the migrations give it, so it cannot undo the
    /// append-only protections (re-grant itself DELETE on audit_log, drop a trigger, alter a table).
    /// </summary>
    public const string AppUser = "opsboard_app";

    public const string SuperUserPasswordFile = "opsboard-superuser.password";
    public const string OwnerPasswordFile = "opsboard-owner.password";
    public const string AppPasswordFile = "opsboard-app.password";
    const string ServerUser = "postgres";

    readonly EmbeddedPostgresOptions options;
    readonly string binDirectory;
    readonly bool runAsServerUser;
    // A restart and the final stop must not overlap: a stop during a restart would leave a server nobody stops.
    readonly SemaphoreSlim gate = new(1, 1);
    ILogger logger;
    bool ownsServer;
    bool stopped;
    int? serverPid;
    string superUserPassword = "";
    string ownerPassword = "";
    string appPassword = "";

    EmbeddedPostgres(EmbeddedPostgresOptions options, ILogger logger, string binDirectory)
    {
        this.options = options;
        this.logger = logger;
        this.binDirectory = binDirectory;
        runAsServerUser = OperatingSystem.IsLinux() && Environment.UserName == "root";
        DataDirectory = Path.GetFullPath(options.DataDirectory);
    }

    public string DataDirectory { get; }
    public int Port { get; private set; }

    /// <summary>The postmaster's process id, as read when it was started or attached to.</summary>
    public int? ProcessId => serverPid;

    /// <summary>
    /// Whether the server process still runs. A killed server left unreaped (a container without an init) is a zombie
    /// with no command line, so it counts as gone.
    /// </summary>
    public bool IsRunning => serverPid is { } pid && IsPostgresProcess(pid);

    string LogFile => Path.Combine(DataDirectory, "server.log");

    /// <summary>The start-up logger lives only until the host exists; the host's logging takes over from there.</summary>
    public void UseLogger(ILogger hostLogger) => logger = hostLogger;

    public string ConnectionString(string? database = null) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = SuperUser,
        Password = superUserPassword,
        Database = database ?? options.Database,
    }.ConnectionString;

    /// <summary>The schema owner's connection, for the migrations and the demo seeder at start-up only.</summary>
    public string OwnerConnectionString(string? database = null) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = OwnerRole,
        Password = ownerPassword,
        Database = database ?? options.Database,
    }.ConnectionString;

    /// <summary>The app's own connection: a role that is not a superuser and owns nothing.</summary>
    public string AppConnectionString(string? database = null) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = AppUser,
        Password = appPassword,
        Database = database ?? options.Database,
    }.ConnectionString;

    public static async Task<EmbeddedPostgres> StartAsync(EmbeddedPostgresOptions options, ILogger logger, CancellationToken cancellationToken = default)
    {
        var bin = FindBinDirectory(options.BinDirectory);
        var server = new EmbeddedPostgres(options, logger, bin);
        await server.StartAsync(cancellationToken);
        return server;
    }

    async Task StartAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        PrepareDataDirectory();
        if (!File.Exists(Path.Combine(DataDirectory, "PG_VERSION")))
        {
            await InitDbAsync(cancellationToken);
        }

        superUserPassword = Secret(SuperUserPasswordFile);
        ownerPassword = Secret(OwnerPasswordFile);
        appPassword = Secret(AppPasswordFile);

        if (TryFindRunningServer(out var runningPort))
        {
            Port = runningPort;
            logger.LogInformation("Attached to the PostgreSQL server already running on {DataDirectory}, port {Port}", DataDirectory, Port);
        }
        else
        {
            await StartServerAsync(cancellationToken);
            ownsServer = true;
        }

        serverPid = ReadPid();
        await WaitForConnectionsAsync(cancellationToken);
        await RequirePasswordsAsync(cancellationToken);
        await EnsureRolesAsync(cancellationToken);
        await PrepareDatabaseAsync(options.Database, cancellationToken: cancellationToken);
        logger.LogInformation("Embedded PostgreSQL ready on 127.0.0.1:{Port} in {Elapsed} ms (data: {DataDirectory})",
            Port, started.ElapsedMilliseconds, DataDirectory);
    }

    void PrepareDataDirectory()
    {
        try
        {
            Directory.CreateDirectory(DataDirectory);
            var probe = Path.Combine(Path.GetDirectoryName(DataDirectory)!, $".write-probe-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new EmbeddedPostgresException(
                $"The data directory {DataDirectory} is not writable ({e.Message}). Set OpsBoard:DataDirectory to a writable folder.", e);
        }

        if (runAsServerUser)
        {
            Run("chown", ["-R", $"{ServerUser}:{ServerUser}", DataDirectory], asServerUser: false);
            Run("chmod", ["700", DataDirectory], asServerUser: false);
            // The server user must also reach the folder through every parent, which chown alone does not give.
            try
            {
                Run("test", ["-w", DataDirectory], asServerUser: true);
            }
            catch (EmbeddedPostgresException)
            {
                throw new EmbeddedPostgresException(
                    $"The {ServerUser} OS user cannot reach {DataDirectory}: make its parent folders traversable (chmod o+x) or set OpsBoard:DataDirectory elsewhere.");
            }
        }
    }

    async Task InitDbAsync(CancellationToken cancellationToken)
    {
        if (Directory.EnumerateFileSystemEntries(DataDirectory).Any())
        {
            throw new EmbeddedPostgresException(
                $"The data directory {DataDirectory} is not empty but holds no PostgreSQL cluster. Empty it or choose another OpsBoard:DataDirectory.");
        }

        logger.LogInformation("Creating a PostgreSQL cluster in {DataDirectory}", DataDirectory);
        await RunAsync(Path.Combine(binDirectory, "initdb"),
            ["-D", DataDirectory, "-U", SuperUser, "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-instructions"],
            cancellationToken);

        var settings = new List<string>
        {
            "listen_addresses = '127.0.0.1'",
            "unix_socket_directories = ''",
            "max_connections = 200",
            "shared_buffers = 128MB",
            "logging_collector = off",
            "timezone = 'Asia/Shanghai'",
            "jit = off", // as DataHostingExtensions.SessionOptions, for every other client of the cluster too
        };
        if (!options.Durable)
        {
            settings.AddRange(["fsync = off", "synchronous_commit = off", "full_page_writes = off"]);
        }

        var conf = Path.Combine(DataDirectory, "postgresql.conf");
        var text = File.ReadAllText(conf) + "\n# OpsBoard embedded cluster\n" + string.Join('\n', settings) + "\n";
        File.WriteAllText(conf, text);
    }

    /// <summary>
    /// Starts the server again after it died, on the same port, since every connection string of this node names it.
    /// PostgreSQL's crash recovery replays the WAL, so everything committed before the crash is there again. When
    /// another node on the same data directory restarted it first, this node attaches instead. Throws
    /// <see cref="EmbeddedPostgresException"/> while it cannot start (old server processes still exiting, the port taken):
    /// the caller tries again later.
    /// </summary>
    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(stopped, this);
            if (IsRunning)
            {
                return;
            }

            if (TryFindRunningServer(out var runningPort))
            {
                if (runningPort != Port)
                {
                    throw new EmbeddedPostgresException(
                        $"Another node restarted PostgreSQL on port {runningPort}, but this node's connections use port {Port}.");
                }

                logger.LogInformation("Attached to the PostgreSQL server another node restarted on port {Port}", Port);
            }
            else
            {
                var exit = await PgCtlStartAsync(Port, cancellationToken);
                if (exit.Code != 0)
                {
                    throw new EmbeddedPostgresException($"PostgreSQL did not start again (pg_ctl exit {exit.Code}). Server log {LogFile}: {ReadTail(LogFile)}");
                }

                ownsServer = true;
            }

            serverPid = ReadPid();
            await WaitForConnectionsAsync(cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    int? ReadPid()
    {
        try
        {
            var first = File.ReadLines(Path.Combine(DataDirectory, "postmaster.pid")).FirstOrDefault();
            return int.TryParse(first, out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>
    /// A postmaster.pid left by a crash points at a dead process (or one reused by something else): remove it, since
    /// PostgreSQL itself takes a zombie for a live server and refuses to start.
    /// A live server on our data directory (e.g. a second node in embedded mode) is reused rather than fought.
    /// </summary>
    bool TryFindRunningServer(out int port)
    {
        port = 0;
        var pidFile = Path.Combine(DataDirectory, "postmaster.pid");
        if (!File.Exists(pidFile))
        {
            return false;
        }

        var lines = File.ReadAllLines(pidFile);
        if (lines.Length >= 4 && int.TryParse(lines[0], out var pid) && IsPostgresProcess(pid) && int.TryParse(lines[3], out port))
        {
            return true;
        }

        logger.LogWarning("Removing stale {PidFile} left by a server that is no longer running", pidFile);
        File.Delete(pidFile);
        return false;
    }

    static bool IsPostgresProcess(int pid)
    {
        try
        {
            var cmdline = File.ReadAllText($"/proc/{pid}/cmdline");
            return cmdline.Contains("postgres", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    async Task StartServerAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            Port = options.Port > 0 && attempt == 1 ? options.Port : FreeLoopbackPort();
            if (options.Port > 0 && Port != options.Port)
            {
                logger.LogWarning("Port {Configured} is in use; PostgreSQL takes port {Port} instead", options.Port, Port);
            }

            var exit = await PgCtlStartAsync(Port, cancellationToken);
            if (exit.Code == 0)
            {
                return;
            }

            var tail = ReadTail(LogFile);
            // Another process took the port between our probe and the server's bind: try a new one.
            if (attempt < 3 && tail.Contains("Address already in use", StringComparison.Ordinal))
            {
                continue;
            }

            throw new EmbeddedPostgresException($"PostgreSQL did not start (pg_ctl exit {exit.Code}). Server log {LogFile}: {tail}");
        }
    }

    Task<ExitResult> PgCtlStartAsync(int port, CancellationToken cancellationToken) =>
        RunAsync(Path.Combine(binDirectory, "pg_ctl"),
            ["start", "-D", DataDirectory, "-l", LogFile, "-w", "-t", "60", "-o", $"-p {port}"],
            cancellationToken, throwOnError: false);

    async Task WaitForConnectionsAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
                await connection.OpenAsync(cancellationToken);
                return;
            }
            catch (NpgsqlException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, cancellationToken);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.CannotConnectNow && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, cancellationToken);
            }
        }
    }

    /// <summary>
    /// A password kept in the cluster's folder, readable by its owner only; made on first use. Only URL-safe base64
    /// characters, so it can stand in a quoted SQL literal.
    /// </summary>
    string Secret(string fileName)
    {
        var file = Path.Combine(DataDirectory, fileName);
        if (!File.Exists(file))
        {
            var secret = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');
            OwnerOnlyFile.Write(file, secret);
            return secret;
        }

        OwnerOnlyFile.Tighten(file, logger);
        var text = File.ReadAllText(file).Trim();
        return text.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_') && text.Length >= 16
            ? text
            : throw new EmbeddedPostgresException($"{file} does not hold a password OpsBoard made; delete it to have a new one made.");
    }

    /// <summary>
    /// A cluster made by initdb --auth=trust (every cluster before this check, and a new one until here) lets any local
    /// process in as superuser. The roles get their passwords, then pg_hba.conf asks for them (scram-sha-256) and the
    /// server reloads it.
    /// </summary>
    async Task RequirePasswordsAsync(CancellationToken cancellationToken)
    {
        var hba = Path.Combine(DataDirectory, "pg_hba.conf");
        var rules = File.ReadAllLines(hba).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        if (rules.Count > 0 && rules.All(l => l.EndsWith("scram-sha-256", StringComparison.Ordinal)))
        {
            return;
        }

        await using (var connection = new NpgsqlConnection(ConnectionString("postgres")))
        {
            await connection.OpenAsync(cancellationToken);
            await ExecuteAsync(connection, "SET password_encryption = 'scram-sha-256'", cancellationToken);
            await ExecuteAsync(connection, $"ALTER ROLE \"{SuperUser}\" PASSWORD '{superUserPassword}'", cancellationToken);
            await File.WriteAllTextAsync(hba, """
                # OpsBoard embedded cluster: loopback only, every role with its password (the passwords are in this folder,
                # readable by the owner only).
                host    all    all    127.0.0.1/32    scram-sha-256
                host    all    all    ::1/128         scram-sha-256

                """, cancellationToken);
            await ExecuteAsync(connection, "SELECT pg_reload_conf()", cancellationToken);
        }

        logger.LogInformation("Embedded PostgreSQL now asks every connection for its password (scram-sha-256)");
    }

    static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The owner and the app role, each with the password kept in this folder; made on first use.</summary>
    async Task EnsureRolesAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync(cancellationToken);
        await ExecuteAsync(connection, "SET password_encryption = 'scram-sha-256'", cancellationToken);
        foreach (var (role, password) in new[] { (OwnerRole, ownerPassword), (AppUser, appPassword) })
        {
            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_roles WHERE rolname = $1", connection) { Parameters = { new() { Value = role } } };
            var verb = await exists.ExecuteScalarAsync(cancellationToken) is null ? "CREATE" : "ALTER";
            await ExecuteAsync(connection,
                $"{verb} ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD '{password}'", cancellationToken);
        }

        // Neither role may act as the other: a membership would hand the app the owner's rights through SET ROLE.
        await ExecuteAsync(connection, $"""
            DO $$
            BEGIN
                IF pg_has_role('{AppUser}', '{OwnerRole}', 'MEMBER') THEN
                    REVOKE {OwnerRole} FROM {AppUser};
                END IF;
                IF pg_has_role('{OwnerRole}', '{AppUser}', 'MEMBER') THEN
                    REVOKE {AppUser} FROM {OwnerRole};
                END IF;
            END $$
            """, cancellationToken);
    }

    /// <summary>
    /// A database of the cluster as the app needs it: made (from <paramref name="template"/> when given) and owned by
    /// <see cref="OwnerRole"/>, with the app role allowed to connect and nobody else. A database made by an earlier
    /// version, where the app role (or before it the superuser) owns the database and its objects, is handed over to
    /// the owner here; the migrations then give the app role its grants. Idempotent: run at every start.
    /// </summary>
    public async Task PrepareDatabaseAsync(string database, string? template = null, CancellationToken cancellationToken = default)
    {
        await using (var connection = new NpgsqlConnection(ConnectionString("postgres")))
        {
            await connection.OpenAsync(cancellationToken);
            await using var exists = new NpgsqlCommand("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = $1", connection)
            {
                Parameters = { new() { Value = database } },
            };
            var owner = await exists.ExecuteScalarAsync(cancellationToken) as string;
            if (owner is null)
            {
                await ExecuteAsync(connection,
                    $"CREATE DATABASE \"{database}\" OWNER {OwnerRole}" + (template is null ? "" : $" TEMPLATE \"{template}\""), cancellationToken);
            }
            else if (owner != OwnerRole)
            {
                await ExecuteAsync(connection, $"ALTER DATABASE \"{database}\" OWNER TO {OwnerRole}", cancellationToken);
            }

            await ExecuteAsync(connection, $"REVOKE ALL ON DATABASE \"{database}\" FROM PUBLIC", cancellationToken);
            await ExecuteAsync(connection, $"REVOKE ALL ON DATABASE \"{database}\" FROM {AppUser}", cancellationToken);
            await ExecuteAsync(connection, $"GRANT CONNECT, TEMPORARY ON DATABASE \"{database}\" TO {AppUser}", cancellationToken);
        }

        await HandOverAsync(database, cancellationToken);
    }

    /// <summary>
    /// Every object of the database not owned by <see cref="OwnerRole"/> passes to it: tables first (their identity
    /// sequences follow them), then the sequences left, routines, types and schemas. ALTER … OWNER moves the old owner's
    /// privileges to the new owner, so the app role keeps none of what it held as owner: the migrations' grants (sql/0035)
    /// are all it has afterwards.
    /// </summary>
    async Task HandOverAsync(string database, CancellationToken cancellationToken)
    {
        const string userSchemas = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'";
        // Not pooled: an idle connection left behind would keep the database from serving as a template.
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString(database)) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using (var foreign = new NpgsqlCommand($"""
            SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE {userSchemas} AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND pg_get_userbyid(c.relowner) <> '{OwnerRole}')
                 + (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                    WHERE {userSchemas} AND pg_get_userbyid(p.proowner) <> '{OwnerRole}')
                 + (SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                    WHERE {userSchemas} AND (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND t.typrelid = 0))
                      AND pg_get_userbyid(t.typowner) <> '{OwnerRole}')
                 + (SELECT count(*) FROM pg_namespace n
                    WHERE {userSchemas} AND pg_get_userbyid(n.nspowner) NOT IN ('{OwnerRole}', 'pg_database_owner'))
            """, connection))
        {
            if ((long)(await foreign.ExecuteScalarAsync(cancellationToken))! == 0)
            {
                return;
            }
        }

        await ExecuteAsync(connection, $$"""
            DO $$
            DECLARE r record;
            BEGIN
                FOR r IN SELECT c.oid::regclass AS name, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                         WHERE {{userSchemas}} AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND pg_get_userbyid(c.relowner) <> '{{OwnerRole}}'
                LOOP
                    EXECUTE format('ALTER %s %s OWNER TO {{OwnerRole}}',
                        CASE r.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END, r.name);
                END LOOP;
                FOR r IN SELECT c.oid::regclass AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                         WHERE {{userSchemas}} AND c.relkind = 'S' AND pg_get_userbyid(c.relowner) <> '{{OwnerRole}}'
                LOOP
                    EXECUTE format('ALTER SEQUENCE %s OWNER TO {{OwnerRole}}', r.name);
                END LOOP;
                FOR r IN SELECT p.oid::regprocedure AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                         WHERE {{userSchemas}} AND pg_get_userbyid(p.proowner) <> '{{OwnerRole}}'
                LOOP
                    EXECUTE format('ALTER ROUTINE %s OWNER TO {{OwnerRole}}', r.name);
                END LOOP;
                FOR r IN SELECT t.oid::regtype AS name, t.typtype FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                         WHERE {{userSchemas}} AND (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND t.typrelid = 0))
                           AND pg_get_userbyid(t.typowner) <> '{{OwnerRole}}'
                LOOP
                    EXECUTE format('ALTER %s %s OWNER TO {{OwnerRole}}', CASE r.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, r.name);
                END LOOP;
                FOR r IN SELECT n.nspname FROM pg_namespace n
                         WHERE {{userSchemas}} AND pg_get_userbyid(n.nspowner) NOT IN ('{{OwnerRole}}', 'pg_database_owner')
                LOOP
                    EXECUTE format('ALTER SCHEMA %I OWNER TO {{OwnerRole}}', r.nspname);
                END LOOP;
            END $$;
            """, cancellationToken);
        logger.LogInformation("The database {Database} and its objects now belong to the role {Owner}; the app's role {App} owns nothing",
            database, OwnerRole, AppUser);
    }

    public async ValueTask DisposeAsync()
    {
        await gate.WaitAsync();
        try
        {
            stopped = true;
            if (!ownsServer)
            {
                return;
            }

            ownsServer = false;
            var exit = await RunAsync(Path.Combine(binDirectory, "pg_ctl"),
                ["stop", "-D", DataDirectory, "-m", "fast", "-w", "-t", "30"], CancellationToken.None, throwOnError: false);
            if (exit.Code == 0)
            {
                logger.LogInformation("Embedded PostgreSQL stopped");
            }
            else
            {
                logger.LogWarning("pg_ctl stop exited {Code}: {Output}", exit.Code, exit.Output);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    static string FindBinDirectory(string? configured)
    {
        if (configured is not null)
        {
            return File.Exists(Path.Combine(configured, "initdb"))
                ? configured
                : throw new EmbeddedPostgresException($"No initdb in {configured} (OpsBoard:PostgresBin). Point it at the PostgreSQL server binaries.");
        }

        var candidates = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(Directory.Exists("/usr/lib/postgresql")
                ? Directory.GetDirectories("/usr/lib/postgresql").OrderByDescending(VersionOf).Select(d => Path.Combine(d, "bin"))
                : []);
        return candidates.FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")))
            ?? throw new EmbeddedPostgresException(
                "PostgreSQL server binaries (initdb, pg_ctl) not found: install them (Debian: apt-get install postgresql) " +
                "or set ConnectionStrings:OpsBoard to an existing server.");
    }

    static int VersionOf(string directory) => int.TryParse(Path.GetFileName(directory), out var version) ? version : 0;

    static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    static string ReadTail(string path)
    {
        if (!File.Exists(path))
        {
            return "(no log)";
        }

        var lines = File.ReadAllLines(path);
        return string.Join(" | ", lines.TakeLast(5));
    }

    record struct ExitResult(int Code, string Output);

    async Task<ExitResult> RunAsync(string file, IReadOnlyList<string> arguments, CancellationToken cancellationToken, bool throwOnError = true)
    {
        using var process = Process.Start(StartInfo(file, arguments, runAsServerUser))
            ?? throw new EmbeddedPostgresException($"Could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        var output = (await stdout + await stderr).Trim();
        if (throwOnError && process.ExitCode != 0)
        {
            throw new EmbeddedPostgresException($"{Path.GetFileName(file)} failed (exit {process.ExitCode}): {output}");
        }

        return new ExitResult(process.ExitCode, output);
    }

    void Run(string file, IReadOnlyList<string> arguments, bool asServerUser)
    {
        using var process = Process.Start(StartInfo(file, arguments, asServerUser))!;
        var output = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new EmbeddedPostgresException($"{file} {string.Join(' ', arguments)} failed: {output.Trim()}");
        }
    }

    static ProcessStartInfo StartInfo(string file, IReadOnlyList<string> arguments, bool asServerUser)
    {
        var info = new ProcessStartInfo
        {
            FileName = asServerUser ? "runuser" : file,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asServerUser)
        {
            foreach (var a in (string[])["-u", ServerUser, "--", file])
            {
                info.ArgumentList.Add(a);
            }
        }

        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        // A child must not inherit a locale the server would then refuse.
        info.Environment["LC_ALL"] = "C.UTF-8";
        return info;
    }
}
