using Microsoft.Playwright;

namespace TaskFlow.Tests.Support;

/// <summary>
/// A fresh browser context (its own cookies, storage, language and colour scheme) with one page, in Debian's Chromium
/// driven by Playwright, headless, with the flags this closed network needs. One Chromium serves every test of the run,
/// as Playwright recommends: launching one per test cost a driver and a browser start each, about a sixth of the
/// suite's CPU on a 2-core machine. A context is as isolated from the others as a separate browser.
/// </summary>
public sealed class BrowserSession : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private static readonly SemaphoreSlim s_launchGate = new(1, 1);
    private static IPlaywright? s_playwright;
    private static IBrowser? s_browser;

    private readonly IBrowserContext _context;

    private BrowserSession(IBrowserContext context, IPage page)
    {
        _context = context;
        Page = page;
    }

    public IPage Page { get; }

    public static string ScreenshotDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    /// <param name="configure">The context's settings: its language (<c>Locale</c>), its <c>ColorScheme</c>, its viewport…</param>
    public static async Task<BrowserSession> StartAsync(Action<BrowserNewContextOptions>? configure = null)
    {
        // An expectation waits 10 s, not Playwright's 5: on a 2-core machine running two stacks beside the browser, a
        // page's first paint has taken longer than 5 s. It is a bound on failure, not on speed.
        Assertions.SetDefaultExpectTimeout(10_000);
        var options = new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 800 } };
        configure?.Invoke(options);
        var context = await (await BrowserAsync()).NewContextAsync(options);
        return new BrowserSession(context, await context.NewPageAsync());
    }

    /// <summary>The run's Chromium, launched at the first call and again if it went away.</summary>
    private static async Task<IBrowser> BrowserAsync()
    {
        await s_launchGate.WaitAsync();
        try
        {
            if (s_browser is { IsConnected: true })
            {
                return s_browser;
            }

            s_playwright ??= await Playwright.CreateAsync();
            s_browser = await s_playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ChromiumPath,
                Headless = true,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
            });
            return s_browser;
        }
        finally
        {
            s_launchGate.Release();
        }
    }

    public async Task<string> ScreenshotAsync(string name)
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        var path = Path.Combine(ScreenshotDirectory, name + ".png");
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }

    /// <summary>Closes this test's context; the browser stays for the next test and ends with the test process.</summary>
    public ValueTask DisposeAsync() => _context.DisposeAsync();
}
