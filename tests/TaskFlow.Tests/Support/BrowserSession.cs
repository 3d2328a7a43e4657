using Microsoft.Playwright;

namespace TaskFlow.Tests.Support;

/// <summary>
/// A page of its own (its own context: cookies, storage, language, colour scheme) in Debian's Chromium driven by
/// Playwright, headless, with the flags this closed network needs. One Chromium serves the whole test process: a
/// launch costs seconds of CPU on a 2-core machine, and three dozen tests each launched their own.
/// </summary>
public sealed class BrowserSession : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private static readonly SemaphoreSlim s_launching = new(1, 1);
    private static IPlaywright? s_playwright;
    private static IBrowser? s_browser;

    private BrowserSession(IPage page)
    {
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
        var browser = await BrowserAsync();
        var options = new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 800 } };
        configure?.Invoke(options);
        return new BrowserSession(await browser.NewPageAsync(options));
    }

    /// <summary>The process's Chromium, launched at first use and again if it went away; it ends with the test process.</summary>
    private static async Task<IBrowser> BrowserAsync()
    {
        await s_launching.WaitAsync();
        try
        {
            if (s_browser is not { IsConnected: true })
            {
                s_playwright ??= await Playwright.CreateAsync();
                s_browser = await s_playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
                {
                    ExecutablePath = ChromiumPath,
                    Headless = true,
                    Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
                });
            }
            return s_browser;
        }
        finally
        {
            s_launching.Release();
        }
    }

    public async Task<string> ScreenshotAsync(string name)
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        var path = Path.Combine(ScreenshotDirectory, name + ".png");
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }

    /// <summary>Closes the page's context; the browser stays for the next test.</summary>
    public async ValueTask DisposeAsync() => await Page.Context.CloseAsync();
}
