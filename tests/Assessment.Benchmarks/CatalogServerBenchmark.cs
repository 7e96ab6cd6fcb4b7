using Assessment.Contracts.V1;
using Assessment.Domain.Catalog;
using Assessment.Integration.Tests.Infrastructure;
using Assessment.Workbooks;
using Google.Protobuf.WellKnownTypes;
using static Assessment.Integration.Tests.Infrastructure.ServerProcess;

namespace Assessment.Benchmarks;

/// <summary>
/// Issue 31's speed target as a unit and an assessor meet it, through the real server: one tenant, its seeded year
/// (2024) on the default catalog and the next (2025) pinned to a 300-indicator catalog of its own — same counties,
/// units and county figures. The unit's form over gRPC, its Excel form as <c>assess template</c> makes it (the form
/// fetched, the workbook written), and the county page in the workbench; each year measured twice, alternately, the
/// warm figures kept. The 2,850-county ranking is measured in-process by <see cref="CatalogBenchmark"/>.
/// </summary>
internal static class CatalogServerBenchmark
{
    public static async Task<List<Result>> RunAsync(bool quick)
    {
        await using var bench = await BenchPostgres.StartAsync();
        var database = await ServerBenchmarks.CreateDatabaseAsync(bench.Postgres, "catalogs");
        var seed = Path.Combine(bench.Root, "seed-catalogs.yaml");
        await File.WriteAllTextAsync(seed, BenchData.Seed("cat", 20, 2, c => $"org.leading_group: 1, org.meetings: {c % 6}"));
        await using var server = await StartAsync(new Settings(database, Path.Combine(bench.Root, "data-catalogs"), seed, Throwaway: false));
        var keys = server.Keys();
        var assessor = keys["assessor"];
        var saved = await new CatalogService.CatalogServiceClient(server.Channel).SaveCatalogAsync(
            new SaveCatalogRequest { CatalogYaml = CatalogBenchmark.Large(300), Note = "基准：300 项" }, As(keys["tenant-admin"]));
        var rounds = new AssessmentService.AssessmentServiceClient(server.Channel);
        await rounds.DefineRoundAsync(new DefineRoundRequest { Year = 2025, SubmissionDeadline = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(30)) }, As(assessor));
        var opened = await rounds.OpenRoundAsync(new RoundTransitionRequest { Year = 2025 }, As(assessor));
        Console.Error.WriteLine($"  2025 pins catalog version {opened.CatalogVersion} ({saved.Indicators} indicators)");
        var submissions = new SubmissionService.SubmissionServiceClient(server.Channel);
        await submissions.SubmitIndicatorsAsync(new SubmitIndicatorsRequest
        {
            Year = 2025,
            SubmissionId = Guid.NewGuid().ToString(),
            Values = { new IndicatorValue { Code = "org.leading_group", Value = 1 }, new IndicatorValue { Code = "org.meetings", Value = 1 } },
        }, As(keys["c1"]));

        using var handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new System.Net.CookieContainer() };
        using var web = new HttpClient(handler) { BaseAddress = new Uri($"http://127.0.0.1:{server.Config.WebPort}") };
        await ServerBenchmarks.SignInAsync(web, assessor);
        var unit = keys["c1/u0"];
        var iterations = quick ? 200 : 1000;
        var figures = new Dictionary<string, (double Default, double Large)>();
        int rows2024 = 0, rows2025 = 0;
        foreach (var year in new[] { 2024, 2025, 2024, 2025 })
        {
            var form = await MeasureAsync(iterations, () => submissions.GetFormAsync(new GetFormRequest { Year = year }, As(unit)).ResponseAsync);
            var excel = await MeasureAsync(iterations / 2, async () =>
            {
                // What assess template does with the form (WorkbookCommands): the rows, then the workbook.
                var f = await submissions.GetFormAsync(new GetFormRequest { Year = year }, As(unit));
                using var stream = new MemoryStream();
                FormWorkbook.Write(new FormSheet(f.FormId, f.Year, f.UnitName, f.Scheme,
                    f.Rows.Select(r => new FormSheetRow(r.Code, r.Name, r.Dimension, System.Enum.Parse<IndicatorKind>(r.Kind, ignoreCase: true), r.Measure,
                        r.HasLastYear ? r.LastYear : null, r.HasCurrent ? r.Current : null, r.Guidance, r.Standard)).ToList()), stream);
                if (year == 2024)
                {
                    rows2024 = f.Rows.Count;
                }
                else
                {
                    rows2025 = f.Rows.Count;
                }
            });
            var page = await MeasureAsync(iterations / 2, async () =>
            {
                using var response = await web.GetAsync($"/{year}/counties/c1");
                response.EnsureSuccessStatusCode();
                _ = await response.Content.ReadAsByteArrayAsync();
            });
            foreach (var (scenario, stats) in new[] { ("a unit's form over gRPC", form), ("a unit's Excel form as assess template makes it", excel), ("the county page in the workbench", page) })
            {
                var (d, l) = figures.GetValueOrDefault(scenario);
                figures[scenario] = year == 2024 ? (stats.P50, l) : (d, stats.P50);
            }
        }

        Console.Error.WriteLine($"  form rows: {rows2024} (default catalog) → {rows2025} (300 indicators)");
        return [.. figures.Select(f => new Result($"300-indicator tenant catalog through the server: {f.Key}, p50 (ms); target ≤ 2×", f.Value.Large, f.Value.Default,
            "the same tenant's year on the default catalog"))];
    }

    private static Task<Stats> MeasureAsync(int iterations, Func<Task> call) => ServerBenchmarks.MeasureAsync(iterations, call);
}
