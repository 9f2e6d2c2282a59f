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

    /// <summary>Seed the demo county into an empty database at start-up.</summary>
    public bool SeedDemo { get; set; } = true;

    /// <summary>Number of visits the demo history holds; 0 means the generator's realistic default.</summary>
    public int DemoVisits { get; set; }

    /// <summary>Base64 of 32 random bytes protecting ID numbers; generated into the data directory when empty.</summary>
    public string? PersonalDataKey { get; set; }
}
