using Assessment.Integration.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Assessment.Integration.Tests.Browser;

/// <summary>
/// Debian's Chromium (/usr/bin/chromium) driven by Playwright, one browser per test class; each person gets a context
/// of their own (cookies apart), as two officials at two desks would. Nothing is downloaded.
/// </summary>
public sealed class BrowserSession : IAsyncLifetime
{
    private IPlaywright _playwright = null!;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium.Executable,
            Headless = true,
            // As the machine's probe found: no background traffic on a loopback-only network, no sandbox as root.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    public async Task DisposeAsync()
    {
        await Browser.CloseAsync();
        _playwright.Dispose();
    }

    /// <summary>A browser at a desk of its own, not signed in: cookies apart from every other page's.</summary>
    public async Task<IPage> NewPageAsync(ServerProcess server, int width = 1280)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = $"http://127.0.0.1:{server.Config.WebPort}",
            ViewportSize = new ViewportSize { Width = width, Height = 900 },
            Locale = "zh-CN",
            TimezoneId = "Asia/Shanghai",
        });
        context.SetDefaultTimeout(20_000);
        return await context.NewPageAsync();
    }

    /// <summary>A person at their own desk, signed in with their key; the page starts where the workbench sends them.</summary>
    public async Task<IPage> SignInAsync(ServerProcess server, string key, int width = 1280)
    {
        var page = await NewPageAsync(server, width);
        for (var attempt = 1; ; attempt++)
        {
            await page.GotoAsync("/login");
            await page.FillAsync("#key", key);
            await page.ClickAsync("#key-login button[type=submit]");
            try
            {
                // The first page after signing in may be the first this server renders (a loaded CI machine has taken
                // over 20 s); once, on a machine busy starting servers beside it, a sign-in never came back: it is
                // tried a second time before the test fails.
                await page.WaitForURLAsync(url => !url.Contains("/login", StringComparison.Ordinal), new PageWaitForURLOptions { Timeout = 60_000 });
                return page;
            }
            catch (TimeoutException) when (attempt == 1)
            {
                Console.Error.WriteLine($"Sign-in still on {page.Url} after 60 s; signing in again.");
            }
        }
    }
}
