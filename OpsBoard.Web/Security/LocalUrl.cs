namespace OpsBoard.Web.Security;

/// <summary>Where a sign-in may send the user back to: a path on this site, nothing a browser would read as another host.</summary>
public static class LocalUrl
{
    /// <summary>
    /// A single leading slash and no second one or backslash after it (<c>//evil</c>, <c>/\evil</c> are other hosts to a
    /// browser), and no control character anywhere (browsers drop tab and newline, turning <c>/\t/evil</c> into
    /// <c>//evil</c>).
    /// </summary>
    public static bool IsLocal(string? url) =>
        url is { Length: > 0 and <= 2000 }
        && url[0] == '/'
        && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'))
        && !url.Any(char.IsControl);

    public static string OrHome(string? url) => IsLocal(url) ? url! : "/";
}
