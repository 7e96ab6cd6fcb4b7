using System.Diagnostics;
using Assessment.Contracts.V1;
using Assessment.Integration.Tests.Infrastructure;
using Assessment.Server.Hosting;
using Assessment.Workbooks;

namespace Assessment.Benchmarks;

/// <summary>
/// B9: an assessor imports a prefecture table of 1,000 units × 33 values with <c>assess import</c> (process start,
/// reading the workbook, the streamed RPC, every row durable), against the same 1,000 submissions sent one RPC each by
/// the units themselves from 8 concurrent clients. Target: ≤ 30 s.
/// </summary>
internal static class ImportBenchmark
{
    private const int Counties = 25;
    private const int UnitsPerCounty = 40;
    private const int Values = 33;

    public static async Task<List<Result>> RunAsync()
    {
        await using var bench = await BenchPostgres.StartAsync();
        var (root, postgres) = (bench.Root, bench.Postgres);
        var seed = Path.Combine(root, "seed.yaml");
        await File.WriteAllTextAsync(seed, BenchData.Seed("import", Counties, UnitsPerCounty));
        await using var server = await ServerProcess.StartAsync(new ServerProcess.Settings(postgres.ConnectionString, Path.Combine(root, "data"), seed, Throwaway: false));
        var keys = server.Keys();
        var codes = BenchData.UnitCounts().Take(Values).ToArray();
        var units = Enumerable.Range(0, Counties).SelectMany(c => Enumerable.Range(0, UnitsPerCounty).Select(u => (County: $"c{c}", Unit: $"u{u}"))).ToArray();

        // Baseline: the units submit the same figures themselves, one RPC each, 8 at a time.
        var client = new SubmissionService.SubmissionServiceClient(server.Channel);
        var watch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(units.Select((u, i) => (u, i)), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (item, _) =>
        {
            var request = new SubmitIndicatorsRequest { SubmissionId = Guid.NewGuid().ToString(), Year = 2024 };
            request.Values.AddRange(codes.Select((code, k) => new IndicatorValue { Code = code, Value = item.i + k }));
            await client.SubmitIndicatorsAsync(request, ServerProcess.As(keys[$"{item.u.County}/{item.u.Unit}"], 60));
        });
        var unary = watch.Elapsed.TotalSeconds;

        var table = Path.Combine(root, "全市汇总.xlsx");
        await using (var file = File.Create(table))
        {
            Write(file, codes, units);
        }

        watch.Restart();
        var (exit, output, error) = await AssessCli.RunAsync(server, keys["assessor"], "import", "--year", "2024", "--timeout", "300", table);
        var import = watch.Elapsed.TotalSeconds;
        if (exit != 0 || !output.Contains($"已保存 {units.Length} 行", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"import failed ({exit}): {output}{error}");
        }

        return
        [
            new Result($"B9 assess import of {units.Length} units × {codes.Length} values, end to end (s; target ≤ 30)", import, unary, "the same submissions, one RPC each, 8 clients"),
        ];
    }

    /// <summary>
    /// The table as an assessor's spreadsheet holds it: a header of codes, a row per unit, new figures (another
    /// <paramref name="offset"/> gives other figures, so an import again changes every row).
    /// </summary>
    public static void Write(Stream output, string[] codes, (string County, string Unit)[] units, int offset = 0)
    {
        var sheet = new SheetBuilder();
        sheet.Add(1, SheetStyle.Header, [ImportWorkbook.CountyHeader, ImportWorkbook.UnitHeader, .. codes]);
        for (var i = 0; i < units.Length; i++)
        {
            sheet.Add((uint)i + 2, SheetStyle.Plain, [units[i].County, units[i].Unit, .. codes.Select((_, k) => (object)(double)(i + k + 1 + offset))]);
        }

        sheet.Save(output, "全市汇总", 2);
    }
}
