using Microsoft.Extensions.Logging;

namespace OpsBoard.Data.Postgres;

/// <summary>Secrets on disk (database passwords, the personal-data key): readable and writable by their owner only.</summary>
public static class OwnerOnlyFile
{
    public const UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Created with mode 0600 from the first byte, not chmod-ed after: no moment where others may read it.</summary>
    public static void Write(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = Mode;
        }

        using var writer = new StreamWriter(path, System.Text.Encoding.ASCII, options);
        writer.Write(text);
    }

    /// <summary>A file left readable by others (made before this check, or copied in) is narrowed to its owner.</summary>
    public static void Tighten(string path, ILogger? logger = null)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var mode = File.GetUnixFileMode(path);
        if ((mode & ~Mode) != 0)
        {
            File.SetUnixFileMode(path, Mode);
            logger?.LogWarning("{File} was readable by others; now by its owner only", path);
        }
    }
}
