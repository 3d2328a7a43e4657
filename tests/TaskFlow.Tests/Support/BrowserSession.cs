using Microsoft.Playwright;

namespace TaskFlow.Tests.Support;

/// <summary>Debian's Chromium driven by Playwright, headless, with the flags this closed network needs.</summary>
public sealed class BrowserSession : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private BrowserSession(IPlaywright playwright, IBrowser browser, IPage page)
    {
        _playwright = playwright;
        _browser = browser;
        Page = page;
    }

    public IPage Page { get; }

    public static string ScreenshotDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    /// <param name="configure">Changes to the page's context: its language (<c>Locale</c>), its <c>ColorScheme</c>…</param>
    public static async Task<BrowserSession> StartAsync(Action<BrowserNewPageOptions>? configure = null)
    {
        // An expectation waits 10 s, not Playwright's 5: on a 2-core machine running two stacks and three browsers
        // at once, a page's first paint has taken longer than 5 s. It is a bound on failure, not on speed.
        Assertions.SetDefaultExpectTimeout(10_000);
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        var options = new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 800 } };
        configure?.Invoke(options);
        var page = await browser.NewPageAsync(options);
        return new BrowserSession(playwright, browser, page);
    }

    public async Task<string> ScreenshotAsync(string name)
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        var path = Path.Combine(ScreenshotDirectory, name + ".png");
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
