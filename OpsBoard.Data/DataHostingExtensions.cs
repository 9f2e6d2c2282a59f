using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Calendar;
using OpsBoard.Data.Demo;
using OpsBoard.Data.Matters;
using OpsBoard.Data.Notices;
using OpsBoard.Data.Personal;
using OpsBoard.Data.Postgres;
using OpsBoard.Data.Reception;
using OpsBoard.Data.Screens;

namespace OpsBoard.Data;

public static class DataHostingExtensions
{
    public const string ConnectionStringName = "OpsBoard";

    /// <summary>
    /// The schema owner's connection, used at start-up only (migrations, demo seeding); the app's runtime connection
    /// (<see cref="ConnectionStringName"/>) is a role that owns nothing. Optional: without it the migrations run on the
    /// app's connection, which then has to own the schema.
    /// </summary>
    public const string MigrationConnectionStringName = "OpsBoardMigrations";

    /// <summary>
    /// Every session of the app: no JIT compilation. The app's statements are short, but a plan whose estimate passes
    /// jit_above_cost (a generic plan, a table without statistics) spent 100–700 ms compiling for a one-row update; the
    /// demo's slip history at 100,000 visits spent most of its time in LLVM.
    /// </summary>
    public const string SessionOptions = "-c jit=off";

    /// <summary>
    /// The database: the configured server, or an embedded cluster started here when none is configured;
    /// then migrations (and the demo county on an empty embedded database) before any other service starts.
    /// </summary>
    public static IHostApplicationBuilder AddOpsBoardData(this IHostApplicationBuilder builder)
    {
        DapperSetup.Configure();
        var services = builder.Services;
        var section = builder.Configuration.GetSection(OpsBoardOptions.Section);
        var connectionString = builder.Configuration.GetConnectionString(ConnectionStringName);
        var migrationConnectionString = builder.Configuration.GetConnectionString(MigrationConnectionStringName);
        var embedded = string.IsNullOrWhiteSpace(connectionString);
        var validator = new OpsBoardOptionsValidator(sharedDatabase: !embedded);
        services.AddSingleton<IValidateOptions<OpsBoardOptions>>(validator);
        services.AddOptions<OpsBoardOptions>().Bind(section).ValidateOnStart();
        // Checked now as well: the embedded cluster and the web port are set up before the host exists, and a host that
        // fails to start logs the failure with a stack trace before the operator's one line.
        var options = ReadOptions(section, validator);

        if (embedded)
        {
            var server = StartEmbedded(options);
            // The app connects as its own role, which owns nothing; the owner only migrates and seeds.
            connectionString = server.AppConnectionString();
            migrationConnectionString = server.OwnerConnectionString();
            builder.Configuration[$"ConnectionStrings:{ConnectionStringName}"] = connectionString;
            services.AddSingleton(server);
            services.AddSingleton<EmbeddedPostgresSupervisor>();
            // Registered first, so it stops the server last: after every service that uses the database.
            services.AddHostedService(sp => sp.GetRequiredService<EmbeddedPostgresSupervisor>());
        }
        else
        {
            // Only the embedded database gets demo data on its own; a real server gets it on request.
            options.SeedDemo = options.SeedDemo && section[nameof(OpsBoardOptions.SeedDemo)] is not null;
            services.PostConfigure<OpsBoardOptions>(o => o.SeedDemo = options.SeedDemo);
        }

        var appConnectionString = connectionString!;
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => BuildDataSource(appConnectionString, "opsboard", sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton(new SchemaOwnerConnection(
            string.IsNullOrWhiteSpace(migrationConnectionString) ? appConnectionString : migrationConnectionString));
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<OpsBoardOptions>>().Value;
            return PersonalDataProtector.FromKeyOrFile(o.PersonalDataKey, Path.Combine(o.DataDirectory, PersonalDataProtector.KeyFileName));
        });
        services.AddSingleton<MigrationRunner>();
        services.AddSingleton<CalendarStore>();
        services.AddSingleton<CalendarCoverage>();
        services.AddSingleton<SystemNotices>();
        services.AddSingleton<JobRuns>();
        services.AddSingleton<CenterOverviewQuery>();
        services.AddSingleton<FloorQueries>();
        services.AddSingleton<TicketStore>();
        services.AddSingleton<VisitRegistry>();
        services.AddSingleton<DeskQueries>();
        services.AddSingleton<PetitionerCards>();
        services.AddSingleton<WindowQueries>();
        services.AddSingleton<FloorStore>();
        services.AddSingleton<MatterClocks>();
        services.AddSingleton<MatterLifecycle>();
        services.AddSingleton<ClockWatcher>();
        services.AddSingleton<AlertQueries>();
        services.AddSingleton<MatterQueries>();
        services.AddSingleton<OpsBoard.Data.Metrics.MetricsQueries>();
        services.AddSingleton<OpsBoard.Data.Metrics.MetricMonths>();
        services.AddSingleton<OpsBoard.Data.Metrics.MetricsExport>();
        services.AddSingleton<OpsBoard.Data.Metrics.MetricExports>();
        services.AddSingleton<Supervisions>();
        services.AddSingleton<DisciplineUnits>();
        services.AddSingleton<Slips.SlipDetector>();
        services.AddSingleton<Slips.SlipLifecycle>();
        services.AddSingleton<Slips.SlipQueries>();
        services.AddSingleton<Slips.SlipRules>();
        services.AddSingleton<Slips.MatterPackages>();
        services.AddSingleton<Slips.SlipWatchList>();
        services.AddSingleton<MatterIntake>();
        services.AddSingleton<Emergency.EmergencyResponses>();
        services.AddSingleton<Emergency.EmergencyQueries>();
        services.AddSingleton<Emergency.EmergencySettings>();
        services.AddSingleton<Emergency.EmergencyWatcher>();
        services.AddSingleton<Notifications.OutboxSender>();
        services.AddSingleton<CalendarLoader>();
        services.AddSingleton<DeviceTokens>();
        services.AddSingleton<Duty.DutyRota>();
        services.AddSingleton<Duty.LeaderReceptions>();
        services.AddSingleton<Duty.SensitivePeriods>();
        services.AddSingleton<Duty.SensitiveFloor>();
        services.AddSingleton<UserStore>();
        services.AddSingleton<UserAdmin>();
        services.AddSingleton<SessionStore>();
        services.AddSingleton<TwoFactor>();
        services.AddSingleton<AccountBootstrap>();
        services.AddSingleton<Audit.AuditQueries>();
        services.AddSingleton<Audit.AuditRetention>();
        services.AddHostedService<DatabaseInitializer>();
        return builder;
    }

    internal static NpgsqlDataSource BuildDataSource(string connectionString, string name, ILoggerFactory loggerFactory)
    {
        var dataSource = new NpgsqlDataSourceBuilder(connectionString) { Name = name };
        dataSource.ConnectionStringBuilder.Options = $"{dataSource.ConnectionStringBuilder.Options} {SessionOptions}".Trim();
        dataSource.UseLoggerFactory(loggerFactory);
        return dataSource.Build();
    }

    /// <summary>The section as the app will see it, or <see cref="OptionsValidationException"/> naming what to fix.</summary>
    static OpsBoardOptions ReadOptions(IConfigurationSection section, IValidateOptions<OpsBoardOptions> validator)
    {
        OpsBoardOptions options;
        try
        {
            options = section.Get<OpsBoardOptions>() ?? new OpsBoardOptions();
        }
        catch (InvalidOperationException e)
        {
            // A value of the wrong type (`--OpsBoard:Port=abc`): the binder's message names the setting.
            throw new OptionsValidationException(Options.DefaultName, typeof(OpsBoardOptions), [e.Message]);
        }

        var result = validator.Validate(Options.DefaultName, options);
        return result.Failed
            ? throw new OptionsValidationException(Options.DefaultName, typeof(OpsBoardOptions), result.Failures ?? [])
            : options;
    }

    static EmbeddedPostgres StartEmbedded(OpsBoardOptions options)
    {
        using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(c => c.SingleLine = true));
        var server = EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions
        {
            DataDirectory = Path.Combine(options.DataDirectory, "pg"),
            BinDirectory = string.IsNullOrWhiteSpace(options.PostgresBin) ? null : options.PostgresBin,
            Port = options.PostgresPort,
        }, loggerFactory.CreateLogger<EmbeddedPostgres>()).GetAwaiter().GetResult();
        // Ctrl+C and SIGTERM stop the host, which stops the server; this covers an exit that skips the host.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return server;
    }
}

/// <summary>Where the migrations run: the schema owner's connection string, or the app's when no other is configured.</summary>
public sealed record SchemaOwnerConnection(string ConnectionString);

/// <summary>
/// Applies migrations and, on an empty database, seeds the demo county, before the app serves anything. Both run as the
/// schema owner, on a connection opened for start-up only: the seeder's ANALYZE needs the owner too.
/// </summary>
sealed class DatabaseInitializer(
    SchemaOwnerConnection owner, PersonalDataProtector protector, TimeProvider time, IOptions<OpsBoardOptions> options,
    ILoggerFactory loggerFactory) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var logger = loggerFactory.CreateLogger<DatabaseInitializer>();
        // Migrations and the demo's bulk load are one-off statements over whole tables: no command timeout (at a million
        // visits and more, marking the history's clocks alone runs longer than the default 30 seconds).
        var connectionString = new NpgsqlConnectionStringBuilder(owner.ConnectionString) { CommandTimeout = 0 }.ConnectionString;
        await using var dataSource = DataHostingExtensions.BuildDataSource(connectionString, "opsboard-owner", loggerFactory);
        var applied = await new MigrationRunner(dataSource, loggerFactory.CreateLogger<MigrationRunner>()).ApplyAsync(cancellationToken);
        logger.LogInformation("Database schema up to date ({Applied} migrations applied now)", applied);
        if (options.Value.SeedDemo)
        {
            var demo = new DemoSeeder(dataSource, new UserStore(dataSource, time), protector, time, loggerFactory.CreateLogger<DemoSeeder>());
            await demo.SeedIfEmptyAsync(new DemoOptions
            {
                Visits = options.Value.DemoVisits, BeforeOpening = options.Value.DemoBeforeOpening, SlipHistory = options.Value.DemoSlipHistory,
            }, cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
