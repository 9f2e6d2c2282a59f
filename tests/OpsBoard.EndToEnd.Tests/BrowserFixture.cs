using Microsoft.Playwright;

namespace OpsBoard.EndToEnd.Tests;

/// <summary>
/// Debian's Chromium driven by Playwright. Playwright never downloads a browser here: it is pointed at
/// /usr/bin/chromium, and the flags keep Chromium off a network this machine does not have.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    IPlaywright? playwright;

    public IBrowser Browser { get; private set; } = default!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            // BrowserFactAttribute skips outside CI; under CI=true the test must fail, loudly.
            throw new InvalidOperationException($"Chromium not found at {ChromiumPath}: apt-get install -y chromium fonts-noto-cjk");
        }

        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
            ],
        });
    }

    /// <summary>A separate browser profile: its own cookies, as a second person at another screen.</summary>
    public async Task<IPage> NewPageAsync(Uri baseAddress, int width = 1366, int height = 768)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseAddress.ToString(),
            Locale = "zh-CN",
            ViewportSize = new ViewportSize { Width = width, Height = height },
        });
        return await context.NewPageAsync();
    }

    /// <summary>Saves what a person would see, for review; tests/screenshots is ignored by git.</summary>
    public static async Task SnapshotAsync(IPage page, string name)
    {
        var folder = Path.Combine(SourceTree.Root, "tests", "screenshots");
        Directory.CreateDirectory(folder);
        await page.ScreenshotAsync(new() { Path = Path.Combine(folder, name + ".png") });
    }

    public async Task DisposeAsync()
    {
        if (playwright is not null)
        {
            await Browser.CloseAsync();
            playwright.Dispose();
        }
    }
}

/// <summary>A browser test: skipped with a visible reason when Chromium is missing on a developer machine, never under CI.</summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        if (!File.Exists(BrowserFixture.ChromiumPath) && !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Skip = $"Chromium not installed at {BrowserFixture.ChromiumPath} (apt-get install -y chromium fonts-noto-cjk); browser tests skipped.";
        }
    }
}

/// <summary>A browser theory, skipped on the same terms as <see cref="BrowserFactAttribute"/>.</summary>
public sealed class BrowserTheoryAttribute : TheoryAttribute
{
    public BrowserTheoryAttribute()
    {
        Skip = new BrowserFactAttribute().Skip;
    }
}
