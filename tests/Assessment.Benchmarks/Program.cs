using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Text.Json;
using Assessment.Benchmarks;
using Assessment.Domain.Catalog;
using Assessment.Domain.Ranking;
using Assessment.Domain.Scoring;

// Figures are only meaningful as ratios against baselines measured in the same run: the machines are shared and noisy.
// --smoke: a few seconds, no server; `make test` runs it so the harness never rots.
var smoke = args.Contains("--smoke");
var quick = smoke || args.Contains("--quick") || Environment.GetEnvironmentVariable("QUICK") == "1";
var output = args.SkipWhile(a => a != "--json").Skip(1).FirstOrDefault() ?? Path.Combine("artifacts", "bench.json");
var catalog = IndicatorCatalog.Default;
var scheme = SchemeLoader.Default(catalog);
var scorer = new Scorer(catalog, scheme);
var results = new Results();
var commit = GitCommit();
var loadAtStart = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";

// --only domain|catalog|catalog-server|submissions|national|server|ranking|noisy|import|deadline|evidence|memory runs one group (handy when working on one of
// them); without it every group runs.
var only = args.SkipWhile(a => a != "--only").Skip(1).FirstOrDefault();
var domain = only is null or "domain";

// The header first and every row as soon as it is measured: a long run shows where it is.
Console.WriteLine($"# Benchmarks ({(quick ? "quick" : "full")}) — {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, commit {commit}, {Environment.ProcessorCount} cores, load {loadAtStart} at start, GC {(GCSettings.IsServerGC ? "server" : "workstation")}");
Console.WriteLine();
Console.WriteLine("| scenario | figure | baseline (same run) | baseline | ratio |");
Console.WriteLine("| --- | ---: | --- | ---: | ---: |");
if (domain)
{
    Progress("ranking in process");
}

foreach (var size in domain ? new[] { 20, 2850 } : [])
{
    var counties = CountyGenerator.Generate(catalog, size, seed: size);
    var iterations = smoke ? (size == 20 ? 50 : 3) : quick ? (size == 20 ? 2_000 : 20) : (size == 20 ? 20_000 : 200);

    // Baseline: sorting the same number of precomputed totals in process, the least any ranking can cost.
    var totals = scorer.ScoreAll(counties).Select(c => c.Total).ToArray();
    var sort = Measure(iterations, () =>
    {
        var copy = (double[])totals.Clone();
        Array.Sort(copy);
    });

    // Full: every county rescored (what happens after the peer ranges move, or a scheme change), as the round grain does
    // it (points only), and with every line's explanation written (what a page of one county, or publication, adds).
    var full = Measure(iterations, () => Ranker.Rank(scheme, scorer.ScoreAll(counties, explain: false)));
    var explained = Measure(iterations, () => Ranker.Rank(scheme, scorer.ScoreAll(counties)));

    // Warm: what the round grain does after one county's figures changed: rescore that county, then sort and grade.
    var peers = scorer.PeerRanges(counties);
    var cards = counties.Select(c => scorer.Score(c, peers, explain: false)).ToArray();
    var next = 0;
    var warm = Measure(iterations, () =>
    {
        var i = next++ % cards.Length;
        cards[i] = scorer.Score(counties[i], peers, explain: false);
        Ranker.Rank(scheme, cards);
    });

    results.Add(new Result($"ranking {size} counties, warm, one county changed (ms)", warm.P50, sort.P50, "in-process sort of the totals"));
    results.Add(new Result($"ranking {size} counties, full rescoring (ms)", full.P50, sort.P50, "in-process sort of the totals"));
    results.Add(new Result($"ranking {size} counties, full rescoring with every line explained (ms)", explained.P50, full.P50, "full rescoring, points only"));
}

// A tenant's own catalog of 300 indicators against the default one, same run (issue 31's speed target: within 2×).
if (domain || only == "catalog")
{
    Progress("a 300-indicator tenant catalog");
    CatalogBenchmark.Run(results, smoke, quick, Measure);
}

var reportsDir = Path.Combine(FindRepository(), "tests", "Assessment.Domain.Tests", "Fixtures", "reports");
var extractor = Assessment.Domain.Extraction.ReportExtractor.Default;
if (domain)
{
    Progress("report extraction");

    // Extraction of a 20 KB annual report (the five fixture reports joined and cut to 20 KiB of UTF-8), against one
    // regular expression pass over the same text that finds every figure: the least any extraction must do.
    var report = string.Concat(Directory.GetFiles(reportsDir, "*.txt").Order(StringComparer.Ordinal).Select(File.ReadAllText));
    var cut = report.Length;
    while (System.Text.Encoding.UTF8.GetByteCount(report.AsSpan(0, cut)) > 20 * 1024)
    {
        cut -= 10;
    }

    report = report[..cut];
    var scan = Measure(quick ? 50 : 500, () => System.Text.RegularExpressions.Regex.Count(report, @"\d+(?:\.\d+)?[件次人个项份场]"));
    var extraction = Measure(quick ? 50 : 500, () => extractor.Extract(report));
    results.Add(new Result($"extracting a {System.Text.Encoding.UTF8.GetByteCount(report) / 1024} KiB report (ms)", extraction.P50, scan.P50, "one regex pass finding every figure"));

    // Hostile report texts of 80,000 characters (the ExtractReport limit) must extract in linear time (target ≤ 50 ms),
    // against the same regex pass over the same text.
    foreach (var (name, hostile) in new[]
    {
    ("80,000 digits", new string('1', 80_000)),
    ("80,000 characters without a sentence break", string.Concat(Enumerable.Repeat("办理法律援助案件12件调解纠纷3起培训执法人员5人次", 4000))[..80_000]),
    ("80,000 characters of repeated cue words", string.Concat(Enumerable.Repeat("法律援助案件", 14_000))[..80_000]),
    ("80,000 characters of one figure repeated", string.Concat(Enumerable.Repeat("1件", 40_000))),
    ("80,000 Chinese numerals", string.Concat(Enumerable.Repeat("一二三四五六七八九十", 8_000))),
})
    {
        var hostileScan = Measure(smoke ? 3 : 20, () => System.Text.RegularExpressions.Regex.Count(hostile, @"\d+(?:\.\d+)?[件次人个项份场]"));
        var hostileExtraction = Measure(smoke ? 3 : 20, () => extractor.Extract(hostile));
        results.Add(new Result($"extracting {name} (ms; target ≤ 50)", hostileExtraction.P50, hostileScan.P50, "one regex pass finding every figure"));
    }
}

// B10: a report as a PDF of 20+ pages (the five fixture reports printed by Chromium) read and extracted (target ≤ 1 s),
// against extracting the same reports' text.
if (domain && !smoke && File.Exists(Assessment.Integration.Tests.Infrastructure.Chromium.Executable))
{
    Progress("a 20-page PDF report");
    var full = string.Concat(Directory.GetFiles(reportsDir, "*.txt").Order(StringComparer.Ordinal).Select(File.ReadAllText));
    var html = "<!doctype html><meta charset=utf-8><body style=\"font-family:'Noto Serif CJK SC';font-size:16pt\">"
        + string.Concat(full.Split('\n').Where(l => l.Trim().Length > 0).Select(l => $"<p>{System.Net.WebUtility.HtmlEncode(l)}</p>")) + "</body>";
    var pdf = await Assessment.Integration.Tests.Infrastructure.Chromium.PrintAsync(html);
    var pages = Assessment.Documents.ReportReader.Read(pdf, "report.pdf").PageStarts.Count;
    var fromPdf = Measure(quick ? 5 : 20, () => extractor.Extract(Assessment.Documents.ReportReader.Read(pdf, "report.pdf").Text));
    var fromText = Measure(quick ? 5 : 20, () => extractor.Extract(full));
    results.Add(new Result($"B10 a {pages}-page PDF report read and extracted (ms; target ≤ 1000)", fromPdf.P50, fromText.P50, "extracting the same reports' text"));
}

// The assess command's start-up (target ≤ 0.5 s), against the dotnet host answering --version.
var assess = Path.Combine(FindRepository(), "src", "Assessment.Cli", "bin", "Release", "net10.0", "assess.dll");
if (domain && File.Exists(assess))
{
    Progress("CLI start-up");
    var runs = smoke ? 3 : 10;
    var startup = Measure(runs, () => RunProcess("dotnet", "exec", assess, "--help"));
    var host = Measure(runs, () => RunProcess("dotnet", "--version"));
    results.Add(new Result("assess --help, process start to exit (ms; target ≤ 500)", startup.P50, host.P50, "dotnet --version"));
    var extractStart = Measure(runs, () => RunProcess("dotnet", "exec", assess, "extract", Path.Combine(reportsDir, "suo-2024.txt")));
    results.Add(new Result("assess extract of a report, process start to exit (ms)", extractStart.P50, host.P50, "dotnet --version"));
}

// B5: the bulletin of a 20-county tenant and a 2,850-row annex, against writing the same table with a StringBuilder.
foreach (var size in domain ? new[] { 20, 2850 } : [])
{
    Progress($"bulletin rendering, {size} counties");
    var input = BulletinData.Input(size);
    var renderer = new Assessment.Bulletins.BulletinRenderer();
    var plain = Measure(quick ? 20 : 200, () => BulletinData.Plain(input));
    var rendered = Measure(quick ? 20 : 200, () => renderer.Render(input, Assessment.Bulletins.BulletinFormat.Html));
    results.Add(new Result($"B5 bulletin render, {size} counties (ms)", rendered.P50, plain.P50, "StringBuilder table of the same data"));
}

// B11: the bulletin as PDF from the warm browser pool (target: 20 counties ≤ 1.5 s warm, 2,850 counties ≤ 30 s), against
// Debian's Chromium started cold for the same HTML; then what the pool's browser holds in memory.
if (domain && !smoke && File.Exists(Assessment.Integration.Tests.Infrastructure.Chromium.Executable))
{
    Progress("B11 bulletin PDF from the warm browser");
    await using var printer = new Assessment.Server.Services.PdfPrinter(
        Microsoft.Extensions.Options.Options.Create(new Assessment.Server.Services.PdfOptions()),
        Microsoft.Extensions.Logging.Abstractions.NullLogger<Assessment.Server.Services.PdfPrinter>.Instance);
    var renderer = new Assessment.Bulletins.BulletinRenderer();
    // Each print differs by a comment, so that the printer's cache (which answers a document printed before) answers none.
    var printed = 0;
    string Variant(string html) => html + $"<!-- {Interlocked.Increment(ref printed)} -->";
    foreach (var size in new[] { 20, 2850 })
    {
        var html = renderer.Render(BulletinData.Input(size), Assessment.Bulletins.BulletinFormat.Html).Content;
        var runs = size == 20 ? (quick ? 5 : 20) : (quick ? 1 : 3);
        await printer.PrintAsync(Variant(html), "bench"); // warm: the browser starts once and stays
        var warm = await MeasureAsync(runs, () => printer.PrintAsync(Variant(html), "bench"));
        var cold = await MeasureAsync(size == 20 ? 3 : 1, () => Assessment.Integration.Tests.Infrastructure.Chromium.PrintAsync(html));
        results.Add(new Result($"B11 bulletin PDF, {size} counties, warm browser (ms; target ≤ {(size == 20 ? "1500" : "30000")})", warm.P50, cold.P50, "Chromium started cold for the same HTML"));
    }

    // B11c: one tenant's small PDF while another tenant keeps three 2,850-county bulletins printing (target ≤ 2× idle).
    var small = renderer.Render(BulletinData.Input(20), Assessment.Bulletins.BulletinFormat.Html).Content;
    var tall = renderer.Render(BulletinData.Input(2850), Assessment.Bulletins.BulletinFormat.Html).Content;
    var quietRuns = quick ? 3 : 8;
    var idle = await MeasureAsync(quietRuns, () => printer.PrintAsync(Variant(small), "quiet"));
    using (var stop = new CancellationTokenSource())
    {
        var busy = Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await printer.PrintAsync(Variant(tall), "busy", stop.Token);
                }
                catch (Exception ex) when (ex is OperationCanceledException or Assessment.Grains.Abstractions.AssessmentException)
                {
                }
            }
        })).ToArray();
        await Task.Delay(2000); // the busy tenant's prints are under way
        var loaded = await MeasureAsync(quietRuns, () => printer.PrintAsync(Variant(small), "quiet"));
        await stop.CancelAsync();
        await Task.WhenAll(busy);
        results.Add(new Result("B11c 20-county PDF of one tenant while another prints 2,850-county bulletins (ms; target ≤ 2× idle)", loaded.P50, idle.P50,
            "the same print with no other tenant printing"));
    }

    var browserMb = ChromiumResidentMegabytes();
    results.Add(new Result("B11 resident memory of the PDF browser after the prints (MB)", browserMb, Environment.WorkingSet / 1048576.0, "this benchmark process"));
}

if (!smoke && !args.Contains("--domain-only") && only is not "domain")
{
    if (only is null or "submissions")
    {
        Progress("B1/B7 durable submissions against the dry run and a plain upsert (starts servers)");
        results.AddRange(await SubmissionBenchmark.RunAsync(quick));
    }

    if (only is null or "national")
    {
        Progress("B2 a national year against COPY");
        results.AddRange(await NationalYearBenchmark.RunAsync(quick));
    }

    if (only is null or "server")
    {
        Progress("B3/B4/B8 rankings over gRPC, cold and warm; silo start; a noisy tenant");
        results.AddRange(await ServerBenchmarks.RunAsync(quick));
    }

    if (only is "ranking")
    {
        Progress("B4 ranking 2,850 counties over gRPC, cold, warm and after a restart");
        results.AddRange(await ServerBenchmarks.RankingOnlyAsync(quick));
    }

    if (only is null or "server" or "catalog-server")
    {
        Progress("a 300-indicator tenant catalog through the server, 2,850 counties: ranking, form, Excel form, county page");
        results.AddRange(await CatalogServerBenchmark.RunAsync(quick));
    }

    if (only is "noisy")
    {
        Progress("a noisy tenant's template renders beside another tenant's rankings");
        results.AddRange(await ServerBenchmarks.NoisyOnlyAsync(quick));
    }

    if (only is null or "import")
    {
        Progress("B9 a prefecture table of 1,000 units imported with assess import");
        results.AddRange(await ImportBenchmark.RunAsync());
    }

    if (only is null or "deadline")
    {
        Progress("the deadline day: submissions, 50 assessors, a 2,850-county PDF and another tenant's imports at once");
        results.AddRange(await DeadlineDayBenchmark.RunAsync(quick));
    }

    if (only is null or "evidence")
    {
        Progress("B11 佐证材料: 200 × 5 MB uploads, then their 1 GB package streamed");
        results.AddRange(await EvidenceBenchmark.RunAsync(quick));
    }

    if (only is null or "memory")
    {
        Progress("B6 heap per active county grain");
        results.AddRange(await MemoryBenchmark.RunAsync(quick));
    }
}

var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";
Console.WriteLine();
Console.WriteLine($"Load {load} at the end.");
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
File.WriteAllText(output, JsonSerializer.Serialize(new { date = DateTime.UtcNow, commit, loadAtStart, loadAtEnd = load, cores = Environment.ProcessorCount, quick, results = results.All }, new JsonSerializerOptions { WriteIndented = true }));
Console.WriteLine();
Console.WriteLine($"JSON: {Path.GetFullPath(output)}");
return 0;

static async Task<Stats> MeasureAsync(int iterations, Func<Task> action)
{
    var samples = new double[iterations];
    for (var i = 0; i < iterations; i++)
    {
        var start = Stopwatch.GetTimestamp();
        await action();
        samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    Array.Sort(samples);
    return new Stats(samples[samples.Length / 2], samples[Math.Min(samples.Length - 1, (int)(samples.Length * 0.99))]);
}

// The browser the printer started: every process whose command line names its profile directory.
static double ChromiumResidentMegabytes()
{
    double kb = 0;
    foreach (var dir in Directory.EnumerateDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)))
    {
        try
        {
            if (File.ReadAllText(Path.Combine(dir, "cmdline")).Contains("assessment-chromium-", StringComparison.Ordinal))
            {
                var rss = File.ReadAllLines(Path.Combine(dir, "status")).FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
                kb += rss is null ? 0 : double.Parse(rss.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
            }
        }
        catch (IOException)
        {
            // the process ended while being read
        }
    }

    return kb / 1024;
}

static Stats Measure(int iterations, Action action)
{
    for (var i = 0; i < Math.Max(10, iterations / 10); i++)
    {
        action(); // warm-up: JIT, tiering, caches
    }

    var samples = new double[iterations];
    for (var i = 0; i < iterations; i++)
    {
        var start = Stopwatch.GetTimestamp();
        action();
        samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    Array.Sort(samples);
    return new Stats(samples[iterations / 2], samples[Math.Min(iterations - 1, (int)(iterations * 0.99))]);
}

static string FindRepository()
{
    var dir = new DirectoryInfo(AppContext.BaseDirectory);
    while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Assessment.sln")))
    {
        dir = dir.Parent;
    }

    return dir?.FullName ?? throw new InvalidOperationException("Run the harness from the repository.");
}

static void RunProcess(string file, params string[] arguments)
{
    var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
    foreach (var a in arguments)
    {
        start.ArgumentList.Add(a);
    }

    using var process = Process.Start(start)!;
    process.StandardOutput.ReadToEnd();
    process.StandardError.ReadToEnd();
    process.WaitForExit();
}

static void Progress(string scenario) => Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {scenario}…");

static string GitCommit()
{
    try
    {
        using var git = Process.Start(new ProcessStartInfo("git", "rev-parse --short HEAD") { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var text = git.StandardOutput.ReadToEnd().Trim();
        git.WaitForExit();
        return git.ExitCode == 0 && text.Length > 0 ? text : "unknown";
    }
    catch (System.ComponentModel.Win32Exception)
    {
        return "unknown";
    }
}

internal sealed record Stats(double P50, double P99);

/// <summary>One figure and the baseline it is compared with, both measured in this run.</summary>
internal sealed record Result(string Scenario, double Figure, double Baseline, string BaselineName, bool HigherIsBetter = false)
{
    public string Row => $"| {Scenario} | {Format(Figure)} | {BaselineName} | {Format(Baseline)} | {(Figure / Baseline).ToString(HigherIsBetter ? "0.00" : "0.0", CultureInfo.InvariantCulture)}× |";

    private static string Format(double value) => value.ToString(value < 1 ? "0.0000" : value < 100 ? "0.00" : "0", CultureInfo.InvariantCulture);
}

/// <summary>The rows of a run, each printed as a table row the moment it is added.</summary>
internal sealed class Results
{
    public List<Result> All { get; } = [];

    public void Add(Result result)
    {
        All.Add(result);
        Console.WriteLine(result.Row);
    }

    public void AddRange(IEnumerable<Result> results)
    {
        foreach (var r in results)
        {
            Add(r);
        }
    }
}
