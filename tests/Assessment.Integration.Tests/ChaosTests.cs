using Assessment.Contracts.V1;
using Assessment.Integration.Tests.Chaos;
using Assessment.Integration.Tests.Infrastructure;
using Grpc.Core;
using Xunit.Abstractions;

namespace Assessment.Integration.Tests;

/// <summary>
/// Faults under steady load, then a full read-back (see <see cref="ChaosChecker"/>). The short runs take about a minute
/// each; <c>CHAOS_LONG=1</c> repeats the faults five times over a longer load. Each run's figures are printed and
/// appended to <c>artifacts/chaos.txt</c>, which <c>make test</c> shows at the end.
/// </summary>
[Collection(SerialCollection.Name)] // alone, after the others: the timings mean something
public sealed class ChaosTests(ITestOutputHelper output)
{
    private static readonly int Cycles = Environment.GetEnvironmentVariable("CHAOS_LONG") == "1" ? 5 : 1;

    [Fact]
    public async Task T1_a_silo_killed_with_sigkill_and_restarted_loses_and_doubles_nothing()
    {
        await using var cluster = await ChaosCluster.StartAsync(3);
        var load = NewLoad(cluster);
        var report = await RunAsync("T1 kill -9 of one of 3 silos", cluster, load, async at =>
        {
            for (var cycle = 0; cycle < Cycles; cycle++)
            {
                var victim = 1 + (cycle % 2);
                await at(8);
                cluster.KillSilo(victim);
                await at(10);
                await cluster.StartSiloAsync(victim);
            }

            await at(10);
        });

        Assert.True(report.Unknown > 0, "the kill should have left some outcomes unknown: " + report);

        // The whole cluster killed and started again: the first ranking, read cold from the stored county facts in one
        // query instead of from 4 warm county grains, is the ranking from before.
        // The load's codes are not scored by the default scheme: one unit per county reports scored figures, different per
        // county, so that the ranking has totals and an order to keep.
        var submissions = new SubmissionService.SubmissionServiceClient(cluster.Channels[0]);
        var counties = LoadGenerator.Units(cluster.Keys).GroupBy(u => u.Split('/')[0]).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        for (var i = 0; i < counties.Count; i++)
        {
            await submissions.SubmitIndicatorsAsync(new SubmitIndicatorsRequest
            {
                SubmissionId = Guid.NewGuid().ToString(),
                Year = 2024,
                Values = { new IndicatorValue { Code = "pufa.activities", Value = 10 * (i + 1) }, new IndicatorValue { Code = "enforce.training_sessions", Value = i + 1 } },
            }, ServerProcess.As(cluster.Keys[counties[i].First()]));
        }

        var ranking = new GetRankingRequest { Year = 2024 };
        Ranking before;
        var settle = System.Diagnostics.Stopwatch.StartNew();
        do
        {
            await Task.Delay(500);
            before = await new AssessmentService.AssessmentServiceClient(cluster.Channels[0]).GetRankingAsync(ranking, ServerProcess.As(cluster.Keys["assessor"]));
        }
        while (before.Entries.Select(e => e.Total).Distinct().Count() < counties.Count && settle.Elapsed < TimeSpan.FromSeconds(30));

        // The round's progress too: after the restart it is read from the counties' stored overview lines, not from 4
        // county grains activated one by one.
        var round = new GetRoundRequest { Year = 2024 };
        var progressBefore = (await new AssessmentService.AssessmentServiceClient(cluster.Channels[0]).GetRoundAsync(round, ServerProcess.As(cluster.Keys["assessor"]))).Completeness;
        for (var i = 0; i < cluster.Count; i++)
        {
            cluster.KillSilo(i);
        }

        for (var i = 0; i < cluster.Count; i++)
        {
            await cluster.StartSiloAsync(i);
        }

        var after = await new AssessmentService.AssessmentServiceClient(cluster.Channels[0]).GetRankingAsync(ranking, ServerProcess.As(cluster.Keys["assessor"]));
        static string Lines(Ranking r) => string.Join("\n", r.Entries.Select(e =>
            $"{e.Rank} {e.County} {e.Total} {e.Grade} {e.Vetoed} {e.LimitedByQuota} {string.Join(",", e.Dimensions.Select(d => $"{d.Code}={d.Points}"))}"));
        output.WriteLine($"T1 ranking before and after restarting all {cluster.Count} silos:\n{Lines(after)}");
        Assert.True(before.Entries.Select(e => e.Total).Distinct().Count() == counties.Count, Lines(before));
        Assert.Equal(Lines(before), Lines(after));
        var progressAfter = (await new AssessmentService.AssessmentServiceClient(cluster.Channels[0]).GetRoundAsync(round, ServerProcess.As(cluster.Keys["assessor"]))).Completeness;
        Assert.True(progressBefore.UnitsSubmitted > 0, progressBefore.ToString());
        Assert.Equal(progressBefore, progressAfter);
    }

    [Fact]
    public async Task T2_postgresql_stopped_immediately_and_started_again_loses_and_doubles_nothing()
    {
        await using var cluster = await ChaosCluster.StartAsync(2);
        var load = NewLoad(cluster);
        var report = await RunAsync("T2 PostgreSQL pg_ctl -m immediate under 2 silos", cluster, load, async at =>
        {
            for (var cycle = 0; cycle < Cycles; cycle++)
            {
                await at(8);
                await cluster.KillDatabaseAsync();
                await at(5);
                await cluster.StartDatabaseAsync();
            }

            await at(10);
        });

        Assert.True(report.Unknown > 0, "the database outage should have left some outcomes unknown: " + report);
    }

    [Fact]
    public async Task T3_duplicates_and_retries_with_one_submission_id_are_stored_once_even_across_a_silo_restart()
    {
        await using var cluster = await ChaosCluster.StartAsync(2);
        var load = NewLoad(cluster, duplicateSends: true);
        await RunAsync("T3 every submission sent twice at once, a silo killed and restarted", cluster, load, async at =>
        {
            for (var cycle = 0; cycle < Cycles; cycle++)
            {
                await at(8);
                cluster.KillSilo(1);
                await at(6);
                await cluster.StartSiloAsync(1);
            }

            await at(6);
        });

        // After the restart every acknowledged submission, sent again, is answered from its receipt: same version.
        var acknowledged = load.History.Where(o => o.Acknowledged is not null).ToList();
        var replays = (await Task.WhenAll(acknowledged.GroupBy(o => o.Unit).Select(async unit =>
        {
            var answers = new List<(Operation Operation, Attempt Replay)>();
            foreach (var operation in unit)
            {
                answers.Add((operation, await load.SendAsync(operation, operation.Sequence % cluster.Count)));
            }

            return answers;
        }))).SelectMany(a => a).ToList();
        var wrong = replays.Where(p => p.Replay is not { Outcome: AttemptOutcome.Ok, Replayed: true } || p.Replay.Version != p.Operation.Acknowledged!.Version).ToList();
        output.WriteLine($"T3 replay after the restart: {replays.Count} submissions sent again, {wrong.Count} not answered with their original version");
        Assert.True(wrong.Count == 0, string.Join("\n", wrong.Take(5).Select(p => $"{p.Operation.Unit} #{p.Operation.Sequence}: {p.Replay}")));

        // The same submission_id with a different payload is refused and changes nothing.
        var sample = acknowledged[0];
        var altered = sample.Request.Clone();
        altered.Values[0].Value += 1000;
        var submissions = new SubmissionService.SubmissionServiceClient(cluster.Channels[0]);
        var refusal = await Assert.ThrowsAsync<RpcException>(() => submissions.SubmitIndicatorsAsync(altered, ServerProcess.As(cluster.Keys[sample.Unit])).ResponseAsync);
        Assert.Equal(StatusCode.AlreadyExists, refusal.StatusCode);
    }

    [Fact]
    public async Task T4_calls_through_the_survivors_while_a_killed_silo_is_declared_dead_are_unavailable_never_unknown()
    {
        await using var cluster = await ChaosCluster.StartAsync(3);
        var admin = new AdminService.AdminServiceClient(cluster.Channels[0]);
        var operatorKey = ServerProcess.As(cluster.Silo(0)!.OperatorKey());
        const string tenant = "chaos";

        // Credentials issued once all three silos are up: their grains (looked up on every call) spread over the silos.
        var keys = new List<string>();
        for (var i = 0; i < 30; i++)
        {
            keys.Add((await admin.IssueCredentialAsync(new IssueCredentialRequest { Tenant = tenant, Role = "leader", Name = $"故障测试{i}" }, operatorKey)).Key);
        }

        var statuses = new List<(StatusCode Code, string Detail)>();
        async Task CallAllAsync(int silo)
        {
            var client = new AssessmentService.AssessmentServiceClient(cluster.Channels[silo]);
            foreach (var key in keys)
            {
                try
                {
                    await client.GetRoundAsync(new GetRoundRequest { Year = 2024 }, ServerProcess.As(key, seconds: 15));
                    statuses.Add((StatusCode.OK, ""));
                }
                catch (RpcException ex)
                {
                    statuses.Add((ex.StatusCode, ex.Status.Detail));
                }
            }
        }

        await CallAllAsync(0);
        cluster.KillSilo(1);
        var until = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < until)
        {
            await Task.WhenAll(CallAllAsync(0), CallAllAsync(2));
        }

        var wrong = statuses.Where(s => s.Code is not (StatusCode.OK or StatusCode.Unavailable)).ToList();
        output.WriteLine($"T4 {statuses.Count} calls through the survivors: {string.Join(", ", statuses.GroupBy(s => s.Code).Select(g => $"{g.Key} {g.Count()}"))}");
        Assert.True(wrong.Count == 0, string.Join("\n", wrong.Take(5).Select(w => $"{w.Code}: {w.Detail}")));
    }

    /// <summary>
    /// T1's fault with the settings the platform ships (no shortened probes): how long the two survivors go without
    /// acknowledging anything while the killed silo is found dead (docs/operations.md, "Losing a silo").
    /// </summary>
    [Fact]
    public async Task T6_a_silo_killed_under_the_shipped_membership_settings_loses_nothing()
    {
        await using var cluster = await ChaosCluster.StartShippedAsync(3);
        var load = NewLoad(cluster);
        double killedAt = 0;
        var report = await RunAsync("T6 kill -9 of one of 3 silos, shipped settings", cluster, load, async at =>
        {
            await at(8);
            killedAt = load.Now;
            cluster.KillSilo(1);
            await at(20);
        });

        // The longest stretch after the kill with no acknowledgement anywhere in the cluster.
        var acks = load.History.Select(o => o.Acknowledged).OfType<Attempt>().Select(a => a.StartedAt + a.Latency.TotalSeconds).Where(t => t >= killedAt).Order().ToList();
        var gap = acks.Count == 0 ? double.PositiveInfinity : acks.Prepend(killedAt).Zip(acks, (a, b) => b - a).Max();
        var calls = load.History.SelectMany(o => o.Attempts).Where(a => a.StartedAt >= killedAt).ToList();
        var slowest = calls.Count == 0 ? 0 : calls.Max(a => a.Latency.TotalSeconds);
        // And for one unit: from its first try to its acknowledgement (its grains may have been on the killed silo).
        var retried = load.History.Where(o => o.Acknowledged is not null && o.Attempts.Count > 1 && o.Attempts[^1].StartedAt >= killedAt)
            .Select(o => o.Acknowledged!.StartedAt + o.Acknowledged.Latency.TotalSeconds - o.Attempts.Min(a => a.StartedAt)).DefaultIfEmpty(0).Max();
        var line = string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"T6 after the kill: longest gap without an acknowledgement {gap:0.0} s; longest a unit retried until acknowledged {retried:0.0} s; slowest answer {slowest:0.0} s (client deadline {LoadGenerator.DeadlineSeconds} s); " +
            $"{string.Join(", ", calls.GroupBy(a => a.Code?.ToString() ?? "OK").Select(g => $"{g.Key} {g.Count()}"))}");
        output.WriteLine(line);
        Publish(line);
        Assert.True(report.Unknown > 0, "the kill should have left some outcomes unknown: " + report);

        // Not the target (measured, in docs/operations.md) but a guard with room for a noisy machine: Orleans' own
        // defaults left a unit retrying for 13 s here.
        Assert.True(retried < 10, line);
    }

    /// <summary>From the previous release, and from the last one before tenant catalogs (a release two states behind).</summary>
    [Theory]
    [InlineData(EarlierRelease.Previous)]
    [InlineData(EarlierRelease.BeforeTenantCatalogs)]
    public async Task T5_a_rolling_upgrade_from_an_earlier_release_answers_only_ok_or_unavailable_and_loses_nothing(string commit)
    {
        var previous = await EarlierRelease.BuildAsync(commit);
        await using var cluster = await ChaosCluster.StartAsync(2, previous);
        var load = NewLoad(cluster);

        // Reads through both silos the whole time, as the workbench and county systems keep reading during a roll-out.
        var reads = new System.Collections.Concurrent.ConcurrentBag<(StatusCode Code, bool Unanswered, string Detail)>();
        using var stopReading = new CancellationTokenSource();
        var reader = Task.Run(async () =>
        {
            var unit = LoadGenerator.Units(cluster.Keys).First();
            for (var i = 0; !stopReading.IsCancellationRequested; i++)
            {
                var channel = cluster.Channels[i % cluster.Count];
                try
                {
                    await new AssessmentService.AssessmentServiceClient(channel).GetRankingAsync(new GetRankingRequest { Year = 2024 }, ServerProcess.As(cluster.Keys["assessor"], LoadGenerator.DeadlineSeconds));
                    await new SubmissionService.SubmissionServiceClient(channel).GetMySubmissionsAsync(new GetMySubmissionsRequest { Year = 2024 }, ServerProcess.As(cluster.Keys[unit], LoadGenerator.DeadlineSeconds));
                    reads.Add((StatusCode.OK, false, ""));
                }
                catch (RpcException ex)
                {
                    reads.Add((ex.StatusCode, Assessment.Cli.Unanswered.Is(ex),
                        $"read via silo {i % cluster.Count + 1}: {ex.StatusCode} {ex.Status.Detail} {ex.Status.DebugException?.GetType().Name} {ex.Status.DebugException?.Message}"));
                }

                await Task.Delay(100);
            }
        });

        var builds = new List<string> { cluster.Builds };
        var report = await RunAsync($"T5 rolling upgrade of 2 silos from {commit[..7]}", cluster, load, async at =>
        {
            await at(6);
            await cluster.UpgradeSiloAsync(1); // one silo on each release
            builds.Add(cluster.Builds);
            await at(8);
            await cluster.UpgradeSiloAsync(0); // the earlier release retired
            builds.Add(cluster.Builds);
            await at(8);
        });
        stopReading.Cancel();
        await reader;

        // Every call answered OK, or not answered at all (UNAVAILABLE, or the connection of a stopping silo closed under
        // it, which the gRPC client library reports as INTERNAL and the platform's CLI retries like UNAVAILABLE).
        var attempts = load.History.SelectMany(o => o.Attempts).ToList();
        string Count(IEnumerable<(StatusCode Code, bool Unanswered)> calls) => string.Join(", ", calls
            .GroupBy(c => c.Code == StatusCode.Internal && c.Unanswered ? "INTERNAL (connection closed)" : c.Code.ToString())
            .Select(g => $"{g.Key} {g.Count()}"));
        var writes = attempts.Select(a => (Code: a.Code ?? StatusCode.OK, a.Unanswered)).ToList();
        var answered = reads.Select(r => (r.Code, r.Unanswered)).ToList();
        output.WriteLine($"T5 builds: {string.Join(" → ", builds)}; writes: {Count(writes)}; reads: {Count(answered)}");
        Assert.Equal(["silo 1: earlier, silo 2: earlier", "silo 1: earlier, silo 2: current", "silo 1: current, silo 2: current"], builds);
        var wrong = attempts.Where(a => a.Code is not null && !a.Unanswered).Select(a => $"silo {a.Silo + 1} at {a.StartedAt:0.0}s: {a.Code} {a.Detail}")
            .Concat(reads.Where(r => r.Code != StatusCode.OK && !r.Unanswered).Select(r => r.Detail)).ToList();
        Assert.True(wrong.Count == 0, $"writes {Count(writes)}; reads {Count(answered)}\n{string.Join("\n", wrong.Take(8))}\n{Tail(cluster.Output)}");
        Assert.True(reads.Count(r => r.Code == StatusCode.OK) > 50, Count(answered));
    }

    /// <summary>Longer runs submit more slowly, so that no unit outgrows the receipt history the checker reads.</summary>
    private static LoadGenerator NewLoad(ChaosCluster cluster, bool duplicateSends = false) =>
        new(cluster) { DuplicateSends = duplicateSends, Pace = TimeSpan.FromMilliseconds(150 * Cycles) };

    /// <summary>Runs the load while <paramref name="faults"/> acts (its argument waits the given seconds), then checks.</summary>
    private async Task<ChaosReport> RunAsync(string name, ChaosCluster cluster, LoadGenerator load, Func<Func<double, Task>, Task> faults)
    {
        using var stop = new CancellationTokenSource();
        using var giveUp = new CancellationTokenSource();
        var run = load.RunAsync(stop.Token, giveUp.Token);
        var log = new List<string>();
        await faults(async seconds =>
        {
            await Task.Delay(TimeSpan.FromSeconds(seconds));
            log.Add($"{load.Now:0.0}s");
        });
        stop.Cancel();
        giveUp.CancelAfter(TimeSpan.FromSeconds(90));
        await run;

        var report = await ChaosChecker.CheckAsync(name, cluster, load, load.Now);
        output.WriteLine(report.ToString());
        output.WriteLine($"fault schedule marks: {string.Join(", ", log)}");
        Publish(report);
        Assert.True(report.Passed, $"{report}\n{string.Join("\n", report.Problems.Take(20))}\n{Tail(cluster.Output)}");
        Assert.True(report.Acknowledged > 200, "too little load to mean anything: " + report);
        return report;
    }

    private static void Publish(ChaosReport report) => Publish(report.ToString());

    private static void Publish(string line)
    {
        var artifacts = Path.Combine(Path.GetDirectoryName(ServerProcess.RepositoryFile("Assessment.sln"))!, "artifacts");
        Directory.CreateDirectory(artifacts);
        File.AppendAllText(Path.Combine(artifacts, "chaos.txt"), $"{line}\n");
    }

    private static string Tail(string text) => text.Length <= 6000 ? text : text[^6000..];
}
