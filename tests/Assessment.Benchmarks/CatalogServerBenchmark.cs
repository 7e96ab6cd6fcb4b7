using Assessment.Contracts.V1;
using Assessment.Domain.Catalog;
using Assessment.Integration.Tests.Infrastructure;
using Assessment.Workbooks;
using Google.Protobuf.WellKnownTypes;
using static Assessment.Integration.Tests.Infrastructure.ServerProcess;

namespace Assessment.Benchmarks;

/// <summary>
/// Issue 31's speed target as units and assessors meet it, through the real server at 2,850 counties: one tenant, its
/// seeded year (2024) on the default catalog and the next (2025) pinned to a 300-indicator catalog of its own — the
/// same counties, units and county figures in both. The ranking over gRPC, a unit's form over gRPC, its Excel form as
/// <c>assess template</c> makes it (the form fetched, the workbook written) and the county page in the workbench; the
/// years measured alternately, a warm-up round first, and the lowest p50 of the other rounds kept.
/// </summary>
internal static class CatalogServerBenchmark
{
    private const int Counties = 2850;

    private static string Figures(int county) => $"org.leading_group: 1, org.meetings: {county % 6}";

    public static async Task<List<Result>> RunAsync(bool quick)
    {
        await using var bench = await BenchPostgres.StartAsync();
        var database = await ServerBenchmarks.CreateDatabaseAsync(bench.Postgres, "catalogs");
        var seed = Path.Combine(bench.Root, "seed-catalogs.yaml");
        await File.WriteAllTextAsync(seed, BenchData.Seed("cat", Counties, 1, Figures));
        await using var server = await StartAsync(new Settings(database, Path.Combine(bench.Root, "data-catalogs"), seed, Throwaway: false));
        var keys = server.Keys();
        var assessor = keys["assessor"];
        var saved = await new CatalogService.CatalogServiceClient(server.Channel).SaveCatalogAsync(
            new SaveCatalogRequest { CatalogYaml = CatalogBenchmark.Large(300), Note = "基准：300 项" }, As(keys["tenant-admin"]));
        var rounds = new AssessmentService.AssessmentServiceClient(server.Channel);
        await rounds.DefineRoundAsync(new DefineRoundRequest { Year = 2025, SubmissionDeadline = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(30)) }, As(assessor));
        var opened = await rounds.OpenRoundAsync(new RoundTransitionRequest { Year = 2025 }, As(assessor));
        Console.Error.WriteLine($"  2025 pins catalog version {opened.CatalogVersion} ({saved.Indicators} indicators); the counties' 2024 figures sent for 2025 …");

        // The same county figures in 2025 as the seed gave 2024, from each county's own key, eight at a time.
        var submissions = new SubmissionService.SubmissionServiceClient(server.Channel);
        await Parallel.ForEachAsync(Enumerable.Range(0, Counties), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (c, _) =>
        {
            var request = new SubmitIndicatorsRequest { Year = 2025, SubmissionId = Guid.NewGuid().ToString() };
            foreach (var pair in Figures(c).Split(", "))
            {
                var (code, value) = (pair.Split(": ")[0], double.Parse(pair.Split(": ")[1], System.Globalization.CultureInfo.InvariantCulture));
                request.Values.Add(new IndicatorValue { Code = code, Value = value });
            }

            await submissions.SubmitIndicatorsAsync(request, As(keys[$"c{c}"]));
        });

        using var handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new System.Net.CookieContainer() };
        using var web = new HttpClient(handler) { BaseAddress = new Uri($"http://127.0.0.1:{server.Config.WebPort}") };
        await ServerBenchmarks.SignInAsync(web, assessor);
        var unit = keys["c1/u0"];
        var iterations = quick ? 100 : 400;
        var roundsToKeep = quick ? 2 : 3;
        var figures = new Dictionary<string, (double Default, double Large)>();
        var formRows = new Dictionary<int, int>();
        for (var round = 0; round <= roundsToKeep; round++)
        {
            foreach (var year in new[] { 2024, 2025 })
            {
                var ranking = await MeasureAsync(quick ? 10 : 30, () => rounds.GetRankingAsync(new GetRankingRequest { Year = year }, As(assessor, 120)).ResponseAsync);
                var form = await MeasureAsync(iterations, () => submissions.GetFormAsync(new GetFormRequest { Year = year }, As(unit)).ResponseAsync);
                var excel = await MeasureAsync(iterations / 2, async () =>
                {
                    // What assess template does with the form (WorkbookCommands): the rows, then the workbook.
                    var f = await submissions.GetFormAsync(new GetFormRequest { Year = year }, As(unit));
                    using var stream = new MemoryStream();
                    FormWorkbook.Write(new FormSheet(f.FormId, f.Year, f.UnitName, f.Scheme,
                        f.Rows.Select(r => new FormSheetRow(r.Code, r.Name, r.Dimension, System.Enum.Parse<IndicatorKind>(r.Kind, ignoreCase: true), r.Measure,
                            r.HasLastYear ? r.LastYear : null, r.HasCurrent ? r.Current : null, r.Guidance, r.Standard)).ToList()), stream);
                    formRows[year] = f.Rows.Count;
                });
                var page = await MeasureAsync(iterations / 2, async () =>
                {
                    using var response = await web.GetAsync($"/{year}/counties/c1");
                    response.EnsureSuccessStatusCode();
                    _ = await response.Content.ReadAsByteArrayAsync();
                });
                if (round == 0)
                {
                    continue; // warming up
                }

                foreach (var (scenario, stats) in new[] { ($"the ranking of {Counties} counties over gRPC", ranking), ("a unit's form over gRPC", form),
                    ("a unit's Excel form as assess template makes it", excel), ("the county page in the workbench", page) })
                {
                    var (d, l) = figures.TryGetValue(scenario, out var known) ? known : (double.MaxValue, double.MaxValue);
                    figures[scenario] = year == 2024 ? (Math.Min(d, stats.P50), l) : (d, Math.Min(l, stats.P50));
                }
            }
        }

        Console.Error.WriteLine($"  a unit's form: {formRows[2024]} rows (default catalog), {formRows[2025]} (300 indicators)");
        return [.. figures.Select(f => new Result($"300-indicator tenant catalog through the server, {Counties} counties: {f.Key}, p50 (ms); target ≤ 2×", f.Value.Large, f.Value.Default,
            "the same tenant's year on the default catalog"))];
    }

    private static Task<Stats> MeasureAsync(int iterations, Func<Task> call) => ServerBenchmarks.MeasureAsync(iterations, call);
}
