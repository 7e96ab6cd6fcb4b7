using System.Collections.Concurrent;
using System.Diagnostics;
using Assessment.Contracts.V1;
using Assessment.Integration.Tests.Infrastructure;
using Grpc.Core;

namespace Assessment.Benchmarks;

/// <summary>
/// The deadline day (issue 35): everything at once on one server. In a 2,850-county prefecture, units submit from 8
/// clients without pause (B1's load), 50 assessors page through the workbench (a page a second each), and the bulletin
/// of all 2,850 counties is printed to PDF again and again (each after a county's survey score changed, so it is
/// rendered and printed, never found in the PDF cache); meanwhile another prefecture imports a 1,000-unit table with <c>assess import</c>, over and over. Each
/// class's figure with everything running, against the same class running alone in the same run; and one tenant's
/// submissions while only the other tenant's imports run (target ≤ 2× alone).
/// </summary>
internal static class DeadlineDayBenchmark
{
    private const int Counties = 2850;
    private const int Submitters = 8;
    private const int Assessors = 50;

    private enum Load
    {
        Submit,
        Pages,
        Print,
        Import,
    }

    public static async Task<List<Result>> RunAsync(bool quick)
    {
        var phase = TimeSpan.FromSeconds(quick ? 10 : 30);
        await using var bench = await BenchPostgres.StartAsync();
        var (root, postgres) = (bench.Root, bench.Postgres);
        var seed = Path.Combine(root, "seed-deadline.yaml");
        await File.WriteAllTextAsync(seed, BenchData.Seed("deadline", Counties, 1, c => $"org.leading_group: 1, org.meetings: {c % 6}"));
        await using var server = await ServerProcess.StartAsync(new ServerProcess.Settings(postgres.ConnectionString, Path.Combine(root, "data-deadline"), seed, Throwaway: false),
            readyTimeout: TimeSpan.FromMinutes(5));
        var keys = server.Keys();
        var assessor = keys["assessor"];
        var flood = await FloodTenantAsync(server);
        var table = Path.Combine(root, "全市汇总.xlsx");
        var codes = BenchData.UnitCounts();
        await new AssessmentService.AssessmentServiceClient(server.Channel).GetRankingAsync(new GetRankingRequest { Year = 2024 }, ServerProcess.As(assessor, 300));

        // The assessors sign in once each, as people do in the morning.
        var browsers = new List<HttpClient>();
        for (var i = 0; i < Assessors; i++)
        {
            var handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new System.Net.CookieContainer() };
            var web = new HttpClient(handler, disposeHandler: true) { BaseAddress = new Uri($"http://127.0.0.1:{server.Config.WebPort}"), Timeout = TimeSpan.FromMinutes(2) };
            await ServerBenchmarks.SignInAsync(web, assessor);
            browsers.Add(web);
        }

        var printing = File.Exists(Chromium.Executable);
        var submissions = new SubmissionService.SubmissionServiceClient(server.Channel);
        var rounds = new AssessmentService.AssessmentServiceClient(server.Channel);
        var bulletins = new BulletinService.BulletinServiceClient(server.Channel);
        var sequence = 0;
        var failures = new ConcurrentDictionary<Load, int>();
        var firstFailures = new Dictionary<Load, string>();

        Task Worker(Load load, int index, ConcurrentBag<double> samples, CancellationToken stop) => Task.Run(async () =>
        {
            var random = new Random(index);
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    // What is prepared before the clock starts: a changed score before each print, a new table before
                    // each import.
                    Func<Task> timed;
                    switch (load)
                    {
                        case Load.Submit:
                            var unit = keys[$"c{random.Next(Counties)}/u0"];
                            var request = new SubmitIndicatorsRequest { SubmissionId = Guid.NewGuid().ToString(), Year = 2024 };
                            request.Values.Add(new IndicatorValue { Code = codes[0], Value = Interlocked.Increment(ref sequence) });
                            timed = () => submissions.SubmitIndicatorsAsync(request, ServerProcess.As(unit, 60)).ResponseAsync;
                            break;
                        case Load.Pages:
                            var path = random.Next(3) switch { 0 => "/2024", 1 => "/2024/ranking", _ => $"/2024/counties/c{random.Next(Counties)}" };
                            timed = async () =>
                            {
                                using var response = await browsers[index].GetAsync(path);
                                response.EnsureSuccessStatusCode();
                                _ = await response.Content.ReadAsByteArrayAsync();
                            };
                            break;
                        case Load.Print:
                            // A county's survey score changed by the assessor: its total, the ranking and so the draft
                            // differ, so it is rendered and printed, never found in the PDF cache.
                            var n = Interlocked.Increment(ref sequence);
                            await rounds.EnterAssessorValuesAsync(new EnterAssessorValuesRequest
                            {
                                Year = 2024,
                                County = $"c{n % Counties}",
                                SubmissionId = Guid.NewGuid().ToString(),
                                RequestId = Guid.NewGuid().ToString(),
                                Reason = "问卷测评结果",
                                Values = { new IndicatorValue { Code = "satisfaction.survey_score", Value = 50 + n % 500 / 10.0 } },
                            }, ServerProcess.As(assessor, 60));
                            timed = async () =>
                            {
                                using var call = bulletins.Download(new DownloadBulletinRequest { Year = 2024, Format = BulletinFormat.Pdf }, ServerProcess.As(assessor, 300));
                                await foreach (var _ in call.ResponseStream.ReadAllAsync())
                                {
                                }
                            };
                            break;
                        default:
                            await using (var file = File.Create(table))
                            {
                                ImportBenchmark.Write(file, flood.Codes, flood.Units, offset: Interlocked.Increment(ref sequence));
                            }

                            timed = async () =>
                            {
                                var (exit, output, error) = await AssessCli.RunAsync(server, flood.Assessor, "import", "--year", "2024", "--timeout", "300", table);
                                if (exit != 0)
                                {
                                    throw new InvalidOperationException($"import failed ({exit}): {output}{error}");
                                }
                            };
                            break;
                    }

                    var start = Stopwatch.GetTimestamp();
                    await timed();
                    samples.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
                catch (Exception ex) when (ex is RpcException or InvalidOperationException or HttpRequestException or TaskCanceledException)
                {
                    // Counted, not timed: a refusal under load is part of what the day looks like.
                    failures.AddOrUpdate(load, 1, (_, n) => n + 1);
                    lock (firstFailures)
                    {
                        firstFailures.TryAdd(load, ex is RpcException rpc ? $"{rpc.StatusCode} {rpc.Status.Detail}" : ex.Message);
                    }
                }

                if (load == Load.Pages)
                {
                    await Task.Delay(1000, CancellationToken.None);
                }
            }
        }, CancellationToken.None);

        // Runs the given loads together for the phase's length (and until each has finished one operation).
        async Task<Dictionary<Load, double[]>> Phase(string name, params Load[] loads)
        {
            Console.Error.WriteLine($"  deadline day: {name} …");
            loads = printing ? loads : [.. loads.Where(l => l != Load.Print)];
            using var stop = new CancellationTokenSource();
            var samples = loads.ToDictionary(l => l, _ => new ConcurrentBag<double>());
            var workers = loads.SelectMany(l => Enumerable.Range(0, l switch { Load.Submit => Submitters, Load.Pages => Assessors, _ => 1 })
                .Select(i => Worker(l, i, samples[l], stop.Token))).ToList();
            // The phase's length, and then until every load has one figure (a print or an import may be long), but never
            // without end: a load that only fails is reported as such.
            var started = Stopwatch.StartNew();
            while (started.Elapsed < phase || (samples.Values.Any(s => s.IsEmpty) && started.Elapsed < phase * 12))
            {
                await Task.Delay(200);
            }

            await stop.CancelAsync();
            await Task.WhenAll(workers);
            return samples.ToDictionary(s => s.Key, s => s.Value.Order().ToArray());
        }

        var alone = new Dictionary<Load, double[]>();
        foreach (var load in Enum.GetValues<Load>())
        {
            if (load != Load.Print || printing)
            {
                alone[load] = (await Phase($"{load} alone", load))[load];
            }
        }

        var flooded = await Phase("submissions while the other tenant imports", Load.Submit, Load.Import);
        var all = await Phase("everything at once", Enum.GetValues<Load>());
        foreach (var browser in browsers)
        {
            browser.Dispose();
        }

        foreach (var (load, count) in failures)
        {
            Console.Error.WriteLine($"  deadline day: {count} {load} operations failed, the first: {firstFailures[load]}");
        }

        static double P99(double[] s) => s.Length == 0 ? double.NaN : s[Math.Min(s.Length - 1, (int)(s.Length * 0.99))];
        static double Mean(double[] s) => s.Length == 0 ? double.NaN : s.Average();
        var results = new List<Result>
        {
            new($"deadline day: unit submission p99, everything at once (ms; {all[Load.Submit].Length} calls)", P99(all[Load.Submit]), P99(alone[Load.Submit]), "the same submissions alone"),
            new($"deadline day: workbench page p99, 50 assessors, everything at once (ms; {all[Load.Pages].Length} pages)", P99(all[Load.Pages]), P99(alone[Load.Pages]), "the same pages alone"),
            new($"deadline day: 1,000-unit import in another tenant, everything at once (s; mean of {all[Load.Import].Length})", Mean(all[Load.Import]) / 1000, Mean(alone[Load.Import]) / 1000, "the same import alone"),
            new($"deadline day: a tenant's submission p99 while another tenant imports (ms; target ≤ 2× alone)", P99(flooded[Load.Submit]), P99(alone[Load.Submit]), "the same submissions alone"),
        };
        if (printing)
        {
            results.Insert(2, new($"deadline day: {Counties:N0}-county bulletin printed to PDF, everything at once (ms; mean of {all[Load.Print].Length})", Mean(all[Load.Print]), Mean(alone[Load.Print]), "the same print alone"));
        }

        return results;
    }

    /// <summary>The other prefecture: 25 counties of 40 units, its round open, its assessor's key and the table's shape.</summary>
    private static async Task<(string Assessor, string[] Codes, (string County, string Unit)[] Units)> FloodTenantAsync(ServerProcess server)
    {
        var op = ServerProcess.As(server.OperatorKey());
        var admin = new AdminService.AdminServiceClient(server.Channel);
        await admin.CreateTenantAsync(new CreateTenantRequest { Tenant = "flood", Name = "汇总市", Issuer = "汇总市依法治市办", DocumentPrefix = "汇法", Recipients = "各县" }, op);
        var units = new List<(string County, string Unit)>();
        for (var c = 0; c < 25; c++)
        {
            await admin.AddCountyAsync(new AddCountyRequest { Tenant = "flood", County = $"c{c}", Name = $"汇{c}县" }, op);
            for (var u = 0; u < 40; u++)
            {
                await admin.AddUnitAsync(new AddUnitRequest { Tenant = "flood", County = $"c{c}", Unit = $"u{u}", Name = $"单位{u}" }, op);
                units.Add(($"c{c}", $"u{u}"));
            }
        }

        var assessor = (await admin.IssueCredentialAsync(new IssueCredentialRequest { Tenant = "flood", Role = "assessor", Name = "汇总考核办" }, op)).Key;
        var rounds = new AssessmentService.AssessmentServiceClient(server.Channel);
        await rounds.DefineRoundAsync(new DefineRoundRequest { Year = 2024, SubmissionDeadline = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(30)) }, ServerProcess.As(assessor));
        await rounds.OpenRoundAsync(new RoundTransitionRequest { Year = 2024 }, ServerProcess.As(assessor));
        return (assessor, BenchData.UnitCounts().Take(33).ToArray(), [.. units]);
    }
}
