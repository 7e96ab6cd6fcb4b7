using Assessment.Bulletins;
using Assessment.Grains.Abstractions;
using Assessment.Server.Services;
using Microsoft.Extensions.Logging.Abstractions;
using UglyToad.PdfPig;

namespace Assessment.Integration.Tests;

/// <summary>The server's PDF printer on a bulletin of several counties: the ranking annex reads in rank order.</summary>
public sealed class BulletinPdfTests
{
    [Fact]
    public async Task The_ranking_annex_of_the_pdf_lists_the_counties_in_rank_order_with_their_totals()
    {
        string[] names = ["城关区", "安多县", "聂荣县", "比如县", "嘉黎县", "索县"];
        var input = new BulletinInput("那曲市", "那曲市全面依法治市委员会办公室", "那法办", "各县（区）", 2025, 2, new DateOnly(2026, 3, 2), true, "测试细则",
            ["优秀", "良好", "合格"], [new BulletinDimension("org", "组织领导", 40), new BulletinDimension("law", "依法行政", 60)],
            names.Select((n, i) => new BulletinRow(i + 1, $"c{i}", n, 95 - (i * 3.5), i < 2 ? "优秀" : "良好", [38 - i, 57 - (i * 2.5)], false, false)).ToArray());
        var html = new BulletinRenderer().Render(input, BulletinFormat.Html).Content;
        await using var printer = new PdfPrinter(Microsoft.Extensions.Options.Options.Create(new Server.Services.PdfOptions()), NullLogger<PdfPrinter>.Instance);
        var pdf = await printer.PrintAsync(html, "alpha");

        using var document = PdfDocument.Open(pdf);
        var pages = document.GetPages().Select(p => Documents.ReportReader.UnifyRadicals(string.Concat(p.Letters.Select(l => l.Value)))).ToList();
        var annex = pages.Single(t => t.Contains("附件1", StringComparison.Ordinal) && t.Contains("得分排名表", StringComparison.Ordinal) && !t.Contains("附件：", StringComparison.Ordinal));
        var at = 0;
        foreach (var (name, i) in names.Select((n, i) => (n, i)))
        {
            var next = annex.IndexOf(name, at, StringComparison.Ordinal);
            Assert.True(next >= 0, $"{name} missing or out of order in: {annex}");
            var total = (95 - (i * 3.5)).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(annex.IndexOf(total, next, StringComparison.Ordinal) > next, $"{name}'s total {total} not after its name: {annex}");
            at = next + name.Length;
        }

        Assert.Contains("那法办〔2026〕2号", pages[0], StringComparison.Ordinal);
        Assert.True(pages.FindIndex(t => t.Contains("图1", StringComparison.Ordinal)) > pages.IndexOf(annex)); // the charts annex follows
    }

    [Fact]
    public async Task Renderers_lay_out_tenant_html_inside_chromiums_sandbox_unless_it_is_turned_off()
    {
        // As root (this machine, CI) Chromium refuses its sandbox, so the browser is started as an unprivileged user by a
        // wrapper, as an operator would; as any other user the default (auto) is already sandboxed. Every renderer must
        // run under a seccomp filter (Seccomp: 2); with the sandbox off, none does — the check tells the two apart.
        var root = Environment.IsPrivilegedProcess;
        var wrapper = root && !OperatingSystem.IsWindows() ? UnprivilegedChromium() : "";
        foreach (var (mode, sandboxed) in new[] { (root ? PdfSandbox.On : PdfSandbox.Auto, true), (PdfSandbox.Off, false) })
        {
            await using var printer = new PdfPrinter(Microsoft.Extensions.Options.Options.Create(new Server.Services.PdfOptions
            {
                Sandbox = mode,
                Chromium = sandboxed ? wrapper : "",
            }), NullLogger<PdfPrinter>.Instance);
            var pdf = await printer.PrintAsync("<!doctype html><meta charset=utf-8><p>沙箱中的通报</p>", "alpha");
            Assert.Equal("%PDF"u8.ToArray(), pdf[..4]);

            Assert.Equal(sandboxed, printer.SandboxActive);
            var renderers = Descendants(printer.BrowserProcessId!.Value).Where(pid => CommandLine(pid).Contains("--type=renderer", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(renderers);
            Assert.All(renderers, pid => Assert.Equal(sandboxed ? "2" : "0", Status(pid, "Seccomp")));
        }
    }

    [Fact]
    public async Task Where_the_host_gives_no_sandbox_printing_goes_on_without_it_and_says_so_unless_the_sandbox_is_required()
    {
        // A host whose user cannot have namespaces (a container's seccomp profile): Chromium ends at once without
        // --no-sandbox, as it does there. Auto prints anyway and warns once; On refuses to print without the sandbox.
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var path = Infrastructure.PostgresFixture.ScratchPath($"chromium-nosandbox-{Guid.NewGuid():N}.sh");
        File.WriteAllText(path, """
            #!/bin/sh
            case " $* " in *" --no-sandbox "*) exec /usr/bin/chromium "$@";; esac
            echo "[FATAL:zygote_host_impl_linux.cc] No usable sandbox!" >&2
            exit 1

            """);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var log = new Warnings();
        await using (var auto = new PdfPrinter(Microsoft.Extensions.Options.Options.Create(new Server.Services.PdfOptions { Chromium = path }), log) { Privileged = false })
        {
            Assert.Equal("%PDF"u8.ToArray(), (await auto.PrintAsync("<!doctype html><meta charset=utf-8><p>无沙箱的主机</p>", "alpha"))[..4]);
            Assert.Equal("%PDF"u8.ToArray(), (await auto.PrintAsync("<!doctype html><meta charset=utf-8><p>第二份</p>", "beta"))[..4]);
            Assert.False(auto.SandboxActive);
            Assert.Single(log.Messages, m => m.Contains("could not start its sandbox", StringComparison.Ordinal));
        }

        await using var required = new PdfPrinter(Microsoft.Extensions.Options.Options.Create(new Server.Services.PdfOptions { Chromium = path, Sandbox = PdfSandbox.On }), log) { Privileged = false };
        await Assert.ThrowsAsync<Grains.Abstractions.UnavailableException>(() => required.PrintAsync("<!doctype html><p>x</p>", "alpha"));
    }

    private sealed class Warnings : Microsoft.Extensions.Logging.ILogger<PdfPrinter>
    {
        public System.Collections.Concurrent.ConcurrentQueue<string> Messages { get; } = new();

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => logLevel >= Microsoft.Extensions.Logging.LogLevel.Warning;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                Messages.Enqueue(formatter(state, exception));
            }
        }
    }

    /// <summary>A Chromium that drops to the nobody user before it starts, its profile handed over to that user.</summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static string UnprivilegedChromium()
    {
        var path = Path.Combine(Infrastructure.PostgresFixture.ScratchPath($"chromium-{Guid.NewGuid():N}.sh"));
        File.WriteAllText(path, """
            #!/bin/sh
            for a in "$@"; do case "$a" in --user-data-dir=*) chown -R 65534:65534 "${a#--user-data-dir=}";; esac; done
            exec setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/tmp XDG_CONFIG_HOME=/tmp XDG_CACHE_HOME=/tmp /usr/bin/chromium "$@"

            """);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return path;
    }

    private static IEnumerable<int> Descendants(int root)
    {
        var children = Directory.EnumerateDirectories("/proc").Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : -1).Where(pid => pid > 0)
            .Select(pid => (Pid: pid, Parent: int.TryParse(Status(pid, "PPid"), out var parent) ? parent : -1)).ToList();
        var found = new List<int>();
        var frontier = new Queue<int>([root]);
        while (frontier.TryDequeue(out var pid))
        {
            foreach (var child in children.Where(c => c.Parent == pid).Select(c => c.Pid))
            {
                found.Add(child);
                frontier.Enqueue(child);
            }
        }

        return found;
    }

    private static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static string Status(int pid, string field)
    {
        try
        {
            return File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith(field + ":", StringComparison.Ordinal))?[(field.Length + 1)..].Trim() ?? "";
        }
        catch (IOException)
        {
            return "";
        }
    }

    [Fact]
    public async Task Prints_under_way_when_the_browser_is_recycled_all_finish()
    {
        await using var printer = new PdfPrinter(Microsoft.Extensions.Options.Options.Create(new Server.Services.PdfOptions { RecycleAfter = 2, Concurrency = 2 }), NullLogger<PdfPrinter>.Instance);
        var pdfs = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => printer.PrintAsync($"<!doctype html><meta charset=utf-8><p>第{i}份</p>", $"t{i % 2}")));
        Assert.All(pdfs, pdf => Assert.Equal("%PDF"u8.ToArray(), pdf[..4]));
    }

    [Fact]
    public async Task The_same_document_is_printed_once_and_one_that_navigates_away_harms_no_other_print()
    {
        await using var printer = new PdfPrinter(Microsoft.Extensions.Options.Options.Create(new Server.Services.PdfOptions { Concurrency = 2 }), NullLogger<PdfPrinter>.Instance);
        const string Html = "<!doctype html><meta charset=utf-8><p>缓存的通报</p>";
        var first = await printer.PrintAsync(Html, "alpha");
        var printed = printer.Printed;
        Assert.Equal(first, await printer.PrintAsync(Html, "alpha"));
        Assert.Equal(printed, printer.Printed);

        // A document that asks to navigate (a meta refresh a tenant's template let through) beside other documents:
        // the others all print, and the navigating one prints itself or fails alone.
        var navigating = Enumerable.Range(0, 3).Select(i =>
            $"<!doctype html><meta charset=utf-8><meta http-equiv=\"refresh\" content=\"0;url=data:text/html,gone{i}\"><p>跳转{i}</p>");
        var ordinary = Enumerable.Range(0, 6).Select(i => $"<!doctype html><meta charset=utf-8><p>他市第{i}份</p>");
        var results = await Task.WhenAll(navigating.Concat(ordinary).Select(async html =>
        {
            try
            {
                // The navigating documents are one tenant's; the others another's.
                return (html, Pdf: await printer.PrintAsync(html, html.Contains("refresh", StringComparison.Ordinal) ? "navigating" : "other"), Error: (Exception?)null);
            }
            catch (Exception ex) when (ex is UnavailableException or ResourceExhaustedException)
            {
                return (html, Pdf: Array.Empty<byte>(), Error: ex);
            }
        }));
        foreach (var (html, pdf, error) in results.Where(r => !r.html.Contains("refresh", StringComparison.Ordinal)))
        {
            Assert.True(error is null, $"{html}: {error?.Message}");
            using var document = PdfDocument.Open(pdf);
            Assert.Contains("他市第", Documents.ReportReader.UnifyRadicals(string.Concat(document.GetPage(1).Letters.Select(l => l.Value))), StringComparison.Ordinal);
        }

        foreach (var (html, pdf, error) in results.Where(r => r.html.Contains("refresh", StringComparison.Ordinal) && r.Error is null))
        {
            using var document = PdfDocument.Open(pdf);
            Assert.Contains("跳转", Documents.ReportReader.UnifyRadicals(string.Concat(document.GetPage(1).Letters.Select(l => l.Value))), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task One_tenant_printing_many_tall_documents_leaves_a_print_slot_for_another_tenant()
    {
        await using var printer = new PdfPrinter(Microsoft.Extensions.Options.Options.Create(new Server.Services.PdfOptions { Concurrency = 2 }), NullLogger<PdfPrinter>.Instance);
        Assert.Equal(1, printer.TenantShare);
        await printer.PrintAsync("<!doctype html><meta charset=utf-8><p>预热</p>", "warm"); // the browser is up

        // Four different tall documents of one tenant at once, then one small document of another tenant.
        static string Tall(int n) => "<!doctype html><meta charset=utf-8><body>" +
            string.Concat(Enumerable.Range(1, 400).Select(i => $"<p style='page-break-after:always'>第{n}份 第{i}页</p>")) + "</body>";
        var finished = 0;
        var busy = Enumerable.Range(0, 4).Select(async n =>
        {
            await printer.PrintAsync(Tall(n), "busy");
            Interlocked.Increment(ref finished);
        }).ToArray();
        await Task.Delay(200); // the busy tenant's prints are queued first

        var quiet = await printer.PrintAsync("<!doctype html><meta charset=utf-8><p>他市的通报</p>", "quiet");
        var tallDoneBeforeQuiet = Volatile.Read(ref finished);
        await Task.WhenAll(busy);

        // The quiet tenant found the slot the busy one may not take: it waited for none (or at most the one under way)
        // of the busy tenant's prints, where a shared queue would have put it behind three of them.
        Assert.True(tallDoneBeforeQuiet <= 1, $"{tallDoneBeforeQuiet} of the busy tenant's prints finished before the quiet tenant's");
        Assert.Equal("%PDF"u8.ToArray(), quiet[..4]);
    }

    [Fact]
    public async Task A_print_that_overruns_closes_only_its_own_tenants_renderer()
    {
        await using var printer = new PdfPrinter(Microsoft.Extensions.Options.Options.Create(new Server.Services.PdfOptions { Concurrency = 2, Timeout = TimeSpan.FromSeconds(4) }),
            NullLogger<PdfPrinter>.Instance);
        // The browser is up before the clock matters (under load its first page may itself take longer than 4 s).
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await printer.PrintAsync($"<!doctype html><meta charset=utf-8><p>预热{attempt}</p>", "quiet");
                break;
            }
            catch (ResourceExhaustedException) when (attempt < 5)
            {
            }
        }

        var starts = printer.BrowserStarts;

        // Far more than four seconds of layout for one tenant, while another tenant keeps printing small documents.
        var huge = "<!doctype html><meta charset=utf-8><body>" +
            string.Concat(Enumerable.Range(1, 10000).Select(i => $"<p style='page-break-after:always'>第{i}页</p>")) + "</body>";
        var overrun = Assert.ThrowsAsync<ResourceExhaustedException>(() => printer.PrintAsync(huge, "busy"));
        var quiet = new List<byte[]>();
        while (!overrun.IsCompleted && quiet.Count < 200)
        {
            quiet.Add(await printer.PrintAsync($"<!doctype html><meta charset=utf-8><p>他市第{quiet.Count}份</p>", "quiet"));
        }

        await overrun;
        Assert.NotEmpty(quiet);
        // The other tenant's page lived through the overrun (its browser was not restarted), and the busy tenant prints again.
        var after = await printer.PrintAsync("<!doctype html><meta charset=utf-8><p>他市又一份</p>", "quiet");
        var again = await printer.PrintAsync("<!doctype html><meta charset=utf-8><p>本市的短通报</p>", "busy");
        Assert.All(quiet.Append(after).Append(again), pdf => Assert.Equal("%PDF"u8.ToArray(), pdf[..4]));
        Assert.Equal(starts, printer.BrowserStarts);
    }
}
