using Assessment.Grains.Abstractions;
using PuppeteerSharp;
using PuppeteerSharp.Media;

namespace Assessment.Server.Services;

/// <summary>Where Chromium is and how much of the machine PDF printing may take.</summary>
public sealed class PdfOptions
{
    /// <summary>The Chromium executable; empty: the first of /usr/bin/chromium, chromium, chromium-browser, google-chrome on the PATH.</summary>
    public string Chromium { get; set; } = "";

    /// <summary>Pages printed at the same time (one browser; each print its own page).</summary>
    public int Concurrency { get; set; } = 2;

    /// <summary>Budget of one print, including the wait for a free page.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The browser is restarted after this many prints, so its memory cannot creep.</summary>
    public int RecycleAfter { get; set; } = 200;

    /// <summary>
    /// Chromium's own sandbox (namespaces and seccomp) around the renderers that lay out tenant HTML. Auto: on unless
    /// the server runs as root, where Chromium refuses it (the container image runs as a user of its own); On: always
    /// (e.g. <see cref="Chromium"/> is a wrapper that starts the browser as another user).
    /// </summary>
    public PdfSandbox Sandbox { get; set; } = PdfSandbox.Auto;
}

public enum PdfSandbox
{
    Auto,
    On,
    Off,
}

/// <summary>
/// Prints HTML to PDF with headless Chromium (the Debian package; nothing is downloaded), driven over the DevTools
/// protocol by PuppeteerSharp. One browser is kept warm and shared, each tenant printing in a browser context (and so
/// renderer processes) of its own; prints are rationed to <see cref="PdfOptions.Concurrency"/> pages, a tenant to all
/// but one of them, each with JavaScript off, in a browser that has no network (a tenant's template cannot fetch anything). The document is set as the page's content rather than served through request
/// interception, which cost a fifth of a 20-county print. The browser is restarted when it dies and after
/// <see cref="PdfOptions.RecycleAfter"/> prints.
/// </summary>
public sealed class PdfPrinter(Microsoft.Extensions.Options.IOptions<PdfOptions> options, ILogger<PdfPrinter> logger) : IAsyncDisposable
{
    private readonly PdfOptions _options = options.Value;
    private readonly SemaphoreSlim _pages = new(Math.Max(1, options.Value.Concurrency));
    private readonly SemaphoreSlim _launch = new(1);
    private readonly Lazy<string?> _executable = new(() => Find(options.Value.Chromium));
    // Pages kept for the next print of the same tenant (at most one per print slot), newest last.
    private readonly List<(IBrowser Browser, string Tenant, IPage Page)> _idle = [];

    // Each tenant prints in a browser context of its own, so in renderer processes of its own: one tenant's tall
    // document never holds the renderer another tenant's page is laid out in, and no two tenants' pages share storage.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(IBrowser, string), Lazy<Task<IBrowserContext>>> _contexts = new();
    private readonly PdfCache _cache = new();

    // One gate per tenant (a prefecture; a few hundred at most), taken before a print slot.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, SemaphoreSlim> _tenants = new(StringComparer.Ordinal);
    private IBrowser? _browser;
    private string? _profile;
    private int _prints;

    /// <summary>Prints attempted, failed ones included (a document found in the cache is not attempted again).</summary>
    public int Printed => Volatile.Read(ref _prints);

    /// <summary>Browsers started (the first, and every restart after one died or was recycled).</summary>
    public int BrowserStarts => Volatile.Read(ref _launches);

    /// <summary>Whether the running browser's renderers are sandboxed (null before the first print).</summary>
    public bool? SandboxActive => _browser is null ? null : _sandboxed;

    /// <summary>Whether this process runs as root, where Chromium refuses its sandbox (settable for tests of other hosts).</summary>
    public bool Privileged { get; init; } = Environment.IsPrivilegedProcess;

    /// <summary>The running browser's process id (for diagnostics and tests), or null before the first print.</summary>
    public int? BrowserProcessId => _browser?.Process?.Id;

    /// <summary>Whether the renderers run in Chromium's sandbox: asked for, and possible (Chromium refuses it to root).</summary>
    public static bool Sandboxed(PdfSandbox mode, bool privileged) => mode == PdfSandbox.On || (mode == PdfSandbox.Auto && !privileged);

    /// <summary>Without the sandbox Chromium also needs no zygote (the zygote exists to fork sandboxed renderers).</summary>
    public static string[] SandboxArguments(bool sandboxed) => sandboxed ? [] : ["--no-sandbox", "--no-zygote"];

    private int _launches;
    private bool _sandboxed;
    private bool _sandboxUnavailable;

    /// <summary>A page that printed a larger document is closed, not kept: it would hold that document's memory.</summary>
    private const int KeepPageBelow = 1_000_000;

    public const string InstallHint = "apt-get install chromium fonts-noto-cjk";

    /// <summary>Whether this server can print PDF at all.</summary>
    public bool Available => _executable.Value is not null;

    /// <summary>
    /// Prints <paramref name="html"/> for <paramref name="tenant"/>. One tenant holds at most all print slots but one
    /// (<see cref="TenantShare"/>): however many tall documents it asks for at once, another tenant's print always
    /// finds a free page, and waits for none of them.
    /// </summary>
    public async Task<byte[]> PrintAsync(string html, string tenant, CancellationToken ct = default)
    {
        if (!Available)
        {
            throw new PreconditionException("PDF_UNAVAILABLE", $"服务器未安装 Chromium，无法生成 PDF（HTML 与 Markdown 版不受影响）。请管理员安装：{InstallHint}");
        }

        var key = PdfCache.KeyOf(html);
        if (_cache.TryGet(key, out var cached))
        {
            return cached;
        }

        // The wait for the tenant's share is its own: a tenant's queued prints must not start their print already late
        // (an overrun print is abandoned, its tenant's renderer closed).
        var share = _tenants.GetOrAdd(tenant, _ => new SemaphoreSlim(TenantShare));
        bool admitted;
        Grains.PlatformMeter.PdfWaitStarted(); // the queue the dashboards show: waiting for the tenant's share or a page
        try
        {
            admitted = await share.WaitAsync(_options.Timeout, ct);
        }
        catch
        {
            Grains.PlatformMeter.PdfWaitEnded();
            throw;
        }

        if (!admitted)
        {
            Grains.PlatformMeter.PdfWaitEnded();
            throw new ResourceExhaustedException("本市（州）的 PDF 生成繁忙，请稍后重试。");
        }

        try
        {
            using var budget = CancellationTokenSource.CreateLinkedTokenSource(ct);
            budget.CancelAfter(_options.Timeout);
            return await PrintInSlotAsync(html, tenant, key, budget, ct);
        }
        finally
        {
            share.Release();
        }
    }

    /// <summary>The print slots one tenant may hold at once: all but one, and at least one.</summary>
    public int TenantShare => Math.Max(1, Math.Max(1, _options.Concurrency) - 1);

    // ct is the caller's: a cancelled budget with the caller's token still live means the print overran.
    private async Task<byte[]> PrintInSlotAsync(string html, string tenant, string key, CancellationTokenSource budget, CancellationToken ct)
    {
        bool slot;
        try
        {
            slot = await _pages.WaitAsync(_options.Timeout, budget.Token);
        }
        finally
        {
            Grains.PlatformMeter.PdfWaitEnded();
        }

        if (!slot)
        {
            throw new ResourceExhaustedException("PDF 生成繁忙，请稍后重试。");
        }

        IPage? page = null;
        IBrowser? browser = null;
        try
        {
            browser = await BrowserAsync(budget.Token);
            page = await PageAsync(browser, tenant, budget.Token);
            var timeout = (int)_options.Timeout.TotalMilliseconds;
            await page.SetContentAsync(html, new SetContentOptions { Timeout = timeout, WaitUntil = [WaitUntilNavigation.Load], CancellationToken = budget.Token }).WaitAsync(budget.Token);
            var pdf = await page.PdfDataAsync(new PuppeteerSharp.PdfOptions
            {
                Format = PaperFormat.A4,
                PreferCSSPageSize = true,
                PrintBackground = true,
                DisplayHeaderFooter = false,
                Tagged = false,
                Timeout = timeout,
            }).WaitAsync(budget.Token);
            if (html.Length <= KeepPageBelow)
            {
                Keep(browser, tenant, page); // for the tenant's next print: its next content replaces this document whole
                page = null;
            }

            _cache.Add(key, pdf);
            return pdf;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // A print that overran may have left its renderer busy: that tenant's context goes (its pages with it), the
            // browser and the other tenants' prints stay.
            page = null;
            if (browser is not null)
            {
                await DropContextAsync(browser, tenant);
            }

            throw new ResourceExhaustedException($"PDF 生成超过 {_options.Timeout.TotalSeconds:0} 秒，已中止。");
        }
        catch (Exception ex) when (ex is PuppeteerException or ProcessException or TimeoutException or IOException or ObjectDisposedException)
        {
            // Only a browser that is gone is restarted, and only the one this print used: one document that fails (its
            // page closed below) must not cut off the other tenants' prints running in the same browser.
            logger.LogError(ex, "PDF printing failed");
            if (browser is not null && ReferenceEquals(_browser, browser) && !browser.IsConnected)
            {
                await RestartAsync();
            }

            throw new UnavailableException("PDF 生成失败（浏览器异常），请稍后重试；如仍失败请联系平台运维。");
        }
        finally
        {
            if (page is not null)
            {
                await ClosePageAsync(page);
            }

            _pages.Release();
            if (Interlocked.Increment(ref _prints) % Math.Max(1, _options.RecycleAfter) == 0)
            {
                _ = RecycleWhenIdleAsync();
            }
        }
    }

    /// <summary>An idle page of the tenant in the current browser, or a new one in the tenant's browser context.</summary>
    private async Task<IPage> PageAsync(IBrowser browser, string tenant, CancellationToken ct)
    {
        IPage? kept = null;
        lock (_idle)
        {
            var at = _idle.FindLastIndex(i => i.Browser == browser && i.Tenant == tenant && !i.Page.IsClosed);
            if (at >= 0)
            {
                kept = _idle[at].Page;
                _idle.RemoveAt(at);
            }
        }

        if (kept is not null)
        {
            return kept;
        }

        if (!ReferenceEquals(_browser, browser))
        {
            throw new ObjectDisposedException("browser", "The browser was restarted during this print.");
        }

        var creating = _contexts.GetOrAdd((browser, tenant), _ => new Lazy<Task<IBrowserContext>>(() => browser.CreateBrowserContextAsync()));
        IBrowserContext context;
        try
        {
            context = await creating.Value.WaitAsync(ct);
        }
        catch
        {
            _contexts.TryRemove(new KeyValuePair<(IBrowser, string), Lazy<Task<IBrowserContext>>>((browser, tenant), creating)); // the next print tries again
            throw;
        }

        var page = await context.NewPageAsync().WaitAsync(ct);
        try
        {
            await page.SetJavaScriptEnabledAsync(false);
            // A document only ever prints itself: any navigation it asks for (a meta refresh, a link followed) and any
            // request is aborted, so the page keeps the content it was given.
            await page.SetRequestInterceptionAsync(true);
            page.Request += (_, e) => _ = e.Request.AbortAsync();
            return page;
        }
        catch
        {
            await ClosePageAsync(page);
            throw;
        }
    }

    /// <summary>Closes a tenant's browser context (and so its pages and renderers); its next print makes a new one.</summary>
    private async Task DropContextAsync(IBrowser browser, string tenant)
    {
        lock (_idle)
        {
            _idle.RemoveAll(i => i.Browser == browser && i.Tenant == tenant);
        }

        if (_contexts.TryRemove((browser, tenant), out var creating) && creating.IsValueCreated)
        {
            try
            {
                var context = await creating.Value.WaitAsync(TimeSpan.FromSeconds(5));
                await context.CloseAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (Exception ex) when (ex is PuppeteerException or TimeoutException or IOException or ObjectDisposedException)
            {
                logger.LogWarning("A tenant's browser context did not close cleanly ({Error})", ex.GetType().Name);
            }
        }
    }

    /// <summary>Keeps a page for its tenant's next print; beyond one page per print slot, the oldest kept page is closed.</summary>
    private void Keep(IBrowser browser, string tenant, IPage page)
    {
        IPage? evicted = null;
        lock (_idle)
        {
            _idle.Add((browser, tenant, page));
            if (_idle.Count > Math.Max(1, _options.Concurrency))
            {
                evicted = _idle[0].Page;
                _idle.RemoveAt(0);
            }
        }

        if (evicted is not null)
        {
            _ = ClosePageAsync(evicted);
        }
    }

    private static async Task ClosePageAsync(IPage page)
    {
        try
        {
            await page.CloseAsync().WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception ex) when (ex is PuppeteerException or TimeoutException or IOException or ObjectDisposedException)
        {
            // Its browser is gone or going; nothing to release.
        }
    }

    private async Task<IBrowser> BrowserAsync(CancellationToken ct)
    {
        if (_browser is { IsConnected: true } warm)
        {
            return warm;
        }

        await _launch.WaitAsync(ct);
        try
        {
            if (_browser is { IsConnected: true } started)
            {
                return started;
            }

            await CloseAsync();
            _profile = Directory.CreateTempSubdirectory("assessment-chromium-").FullName;
            logger.LogInformation("Starting Chromium {Executable} for PDF printing", _executable.Value);
            var sandboxed = !_sandboxUnavailable && Sandboxed(_options.Sandbox, Privileged);
            if (!sandboxed && _options.Sandbox == PdfSandbox.Auto && !_sandboxUnavailable)
            {
                logger.LogWarning("Chromium prints without its sandbox because the server runs as root; run the server as an unprivileged user (the container image does) to sandbox tenant HTML");
            }

            // Not cut short by the print that happened to ask first: the browser serves every print after it, and a
            // launch abandoned half way would leave a Chromium nobody closes (Puppeteer bounds the launch itself).
            try
            {
                _browser = await Puppeteer.LaunchAsync(LaunchOptionsFor(sandboxed));
            }
            catch (Exception ex) when (sandboxed && _options.Sandbox == PdfSandbox.Auto && ex is PuppeteerException or ProcessException or IOException)
            {
                // The host gives this user no namespaces (a container's seccomp profile, an AppArmor rule): printing goes
                // on without the sandbox rather than not at all, and says so once. Pdf:Sandbox=on makes this an error.
                logger.LogWarning(ex, "Chromium could not start its sandbox here (no user namespaces for this user; see docs/security.md); printing without it");
                _sandboxUnavailable = true;
                sandboxed = false;
                _browser = await Puppeteer.LaunchAsync(LaunchOptionsFor(sandboxed));
            }

            _sandboxed = sandboxed;
            Interlocked.Increment(ref _launches);
            return _browser;
        }
        finally
        {
            _launch.Release();
        }
    }

    private LaunchOptions LaunchOptionsFor(bool sandboxed)
    {
        var options = new LaunchOptions
        {
            ExecutablePath = _executable.Value,
            Headless = true,
            UserDataDir = _profile,
            Timeout = 30_000,
            Args =
            [
                .. SandboxArguments(sandboxed),
                "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
                "--disable-default-apps", "--mute-audio", "--font-render-hinting=none",
                // The GPU thread in the browser process and few renderers (one per tenant's browser context): a print
                // is a new page in a warm process (about 80 ms) instead of a new renderer (about 300 ms).
                "--in-process-gpu", "--renderer-process-limit=1",
                "--disable-features=site-per-process,Translate,MediaRouter,OptimizationHints",
                // No network at all: every request, loopback included, goes to a proxy that is not there, and no
                // name resolves. A tenant's template cannot make the server fetch anything (data: URIs still work).
                "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>", "--host-resolver-rules=\"MAP * ~NOTFOUND\"", // quoted: the launcher joins the arguments into one command line
            ],
        };
        // The browser renders tenant HTML: it sees none of the server's configuration.
        foreach (var (name, value) in Hosting.ChildEnvironment.Blanked())
        {
            options.Env[name] = value;
        }

        return options;
    }

    /// <summary>Restarts the browser once no print is using it: takes every print slot first, so none is cut off.</summary>
    private async Task RecycleWhenIdleAsync()
    {
        var slots = Math.Max(1, _options.Concurrency);
        var held = 0;
        try
        {
            for (; held < slots; held++)
            {
                await _pages.WaitAsync();
            }

            await RestartAsync();
        }
        finally
        {
            if (held > 0)
            {
                _pages.Release(held);
            }
        }
    }

    private async Task RestartAsync()
    {
        await _launch.WaitAsync();
        try
        {
            await CloseAsync();
        }
        finally
        {
            _launch.Release();
        }
    }

    private async Task CloseAsync()
    {
        lock (_idle)
        {
            _idle.Clear(); // the pages and contexts close with their browser
        }

        _contexts.Clear();
        var browser = Interlocked.Exchange(ref _browser, null);
        if (browser is not null)
        {
            try
            {
                await browser.CloseAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (Exception ex) when (ex is PuppeteerException or TimeoutException or IOException)
            {
                logger.LogWarning("Chromium did not close cleanly ({Error})", ex.GetType().Name);
            }

            browser.Dispose();
        }

        if (_profile is not null)
        {
            try
            {
                Directory.Delete(_profile, recursive: true);
            }
            catch (IOException)
            {
                // Chromium may still be writing as it exits; the temp directory is cleaned by the OS.
            }

            _profile = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await CloseAsync();
        _pages.Dispose();
        _launch.Dispose();
    }

    private static string? Find(string configured)
    {
        if (configured.Length > 0)
        {
            return File.Exists(configured) ? configured : null;
        }

        if (File.Exists("/usr/bin/chromium"))
        {
            return "/usr/bin/chromium";
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var name in new[] { "chromium", "chromium-browser", "google-chrome" })
            {
                var path = Path.Combine(dir, name);
                if (File.Exists(path))
                {
                    return path;
                }
            }
        }

        return null;
    }
}
