using System.Diagnostics;
using System.Globalization;
using Assessment.Contracts.V1;
using Grpc.Core;
using static Assessment.Integration.Tests.Infrastructure.ServerProcess;

namespace Assessment.Integration.Tests.Chaos;

/// <summary>What a chaos run did and what the read-back found.</summary>
public sealed record ChaosReport(
    string Name,
    int Operations,
    int Calls,
    int Acknowledged,
    int Unknown,
    int Unresolved,
    int Refused,
    int Lost,
    int Doubled,
    int DeadlineExceeded,
    double MaxWaitSeconds,
    int LeakedInternals,
    double LongestOutageSeconds,
    double ConvergenceSeconds,
    bool Converged,
    bool AuditIntact,
    IReadOnlyList<string> Problems)
{
    /// <summary>Whether what the round reads in one query (the stored county rows: facts, overview lines) equals the county grains'.</summary>
    public bool StoredFactsAgree { get; init; }

    public bool Passed => Problems.Count == 0;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Name}: {Operations} submissions in {Calls} calls; acknowledged {Acknowledged}, unknown outcomes {Unknown} " +
        $"(unresolved {Unresolved}), refused {Refused}; lost {Lost}, doubled {Doubled}; deadline exceeded {DeadlineExceeded}, " +
        $"longest wait {MaxWaitSeconds:0.0} s (deadline {LoadGenerator.DeadlineSeconds} s); leaked internals {LeakedInternals}; " +
        $"longest gap without an acknowledgement {LongestOutageSeconds:0.0} s; counties equal the sums of their units " +
        $"{(Converged ? $"{ConvergenceSeconds:0.0} s" : "NEVER")} after the load stopped; stored county facts and overview lines {(StoredFactsAgree ? "equal the grains'" : "DIFFER")}; " +
        $"audit chains {(AuditIntact ? "verified intact" : "BROKEN")}");
}

/// <summary>
/// Reads everything back and compares it with the load generator's history: every acknowledged submission present
/// with its version, no submission stored twice, versions gapless, each unit's values those of its last submission, and
/// every county equal to the sum of its units once pending pushes drain (within 90 s).
/// </summary>
public static class ChaosChecker
{
    private static readonly string[] Internals = ["Npgsql", "Orleans", "Exception", "   at ", "System.", "PostgreSQL", "SQLSTATE", "socket"];

    public static async Task<ChaosReport> CheckAsync(string name, ChaosCluster cluster, LoadGenerator load, double loadStoppedAt)
    {
        var problems = new List<string>();
        var operations = load.History.ToList();
        var attempts = operations.SelectMany(o => o.Attempts).ToList();
        var unresolved = operations.Where(o => o.Attempts.All(a => a.Outcome == AttemptOutcome.Unknown)).ToList();
        var refused = operations.Where(o => o.Attempts.Any(a => a.Outcome == AttemptOutcome.Fail)).ToList();
        problems.AddRange(unresolved.Take(5).Select(o => $"{o.Unit} #{o.Sequence}: never resolved"));
        problems.AddRange(refused.Take(5).Select(o => $"{o.Unit} #{o.Sequence}: refused: {o.Attempts.First(a => a.Outcome == AttemptOutcome.Fail).ServerText}"));

        var leaked = attempts.Where(a => a.ServerText is { } text && Internals.Any(i => text.Contains(i, StringComparison.OrdinalIgnoreCase))).ToList();
        problems.AddRange(leaked.Take(3).Select(a => $"a client saw internals: {a.ServerText}"));
        var maxWait = attempts.Count == 0 ? 0 : attempts.Max(a => a.Latency.TotalSeconds);
        if (maxWait > LoadGenerator.DeadlineSeconds + 1)
        {
            problems.Add($"a call waited {maxWait:0.0} s, past its {LoadGenerator.DeadlineSeconds} s deadline");
        }

        var lost = 0;
        var doubled = 0;
        var latest = new Dictionary<string, Operation>();
        var submissions = new SubmissionService.SubmissionServiceClient(cluster.Channels[0]);
        foreach (var group in operations.GroupBy(o => o.Unit))
        {
            // Racing duplicates must both get the one version the submission was stored as.
            foreach (var op in group)
            {
                if (op.Attempts.Where(a => a.Outcome == AttemptOutcome.Ok).Select(a => a.Version).Distinct().Count() > 1)
                {
                    doubled++;
                    problems.Add($"{op.Unit} #{op.Sequence}: acknowledged with different versions");
                }
            }

            var mine = await ReadAsync(() => submissions.GetMySubmissionsAsync(new GetMySubmissionsRequest { Year = 2024 }, As(cluster.Keys[group.Key])).ResponseAsync);
            var stored = mine.Submissions.GroupBy(s => s.SubmissionId).ToDictionary(g => g.Key, g => g.ToList());
            foreach (var duplicate in stored.Where(s => s.Value.Count > 1))
            {
                doubled += duplicate.Value.Count - 1;
                problems.Add($"{group.Key}: submission {duplicate.Key} stored {duplicate.Value.Count} times");
            }

            foreach (var op in group.Where(o => o.Acknowledged is not null))
            {
                if (!stored.TryGetValue(op.Request.SubmissionId, out var found) || found[0].Version != op.Acknowledged!.Version)
                {
                    lost++;
                    problems.Add($"{group.Key} #{op.Sequence}: acknowledged as version {op.Acknowledged!.Version}, stored as {(found is null ? "nothing" : found[0].Version)}");
                }
            }

            // Every stored version belongs to one of our submissions, once: gapless from 1, one per resolved submission.
            var resolved = group.Count(o => o.Acknowledged is not null);
            var versions = mine.Submissions.Select(s => s.Version).Order().ToList();
            if (mine.Version != resolved || !versions.SequenceEqual(Enumerable.Range(1, resolved)))
            {
                doubled += Math.Max(0, mine.Version - resolved);
                problems.Add($"{group.Key}: {resolved} submissions resolved, but the unit is at version {mine.Version} with versions [{string.Join(",", versions.Take(10))}…]");
            }

            var last = group.Where(o => o.Acknowledged is not null).MaxBy(o => o.Sequence);
            if (last is not null)
            {
                latest[group.Key] = last;
                var values = mine.Values.ToDictionary(v => v.Code, v => v.Value);
                foreach (var value in last.Request.Values.Where(v => values.GetValueOrDefault(v.Code, double.NaN) != v.Value))
                {
                    problems.Add($"{group.Key}: {value.Code} is {values.GetValueOrDefault(value.Code, double.NaN)}, its last acknowledged submission said {value.Value}");
                }
            }
        }

        var expected = latest.GroupBy(kv => kv.Key.Split('/')[0]).ToDictionary(
            g => g.Key,
            g => LoadGenerator.Codes.ToDictionary(c => c, c => g.Sum(kv => kv.Value.Request.Values.Single(v => v.Code == c).Value)));
        var (converged, convergedAt) = await WaitForCountiesAsync(cluster, load, expected, problems);
        var factsAgree = await StoredFactsAgreeAsync(cluster, expected, problems);

        // Every county's hash chain, recomputed by the CLI as a user would: no entry lost or overwritten by the faults.
        var verifier = Enumerable.Range(0, cluster.Count).Select(cluster.Silo).First(s => s is not null)!;
        var (exit, stdout, stderr) = await Infrastructure.AssessCli.RunAsync(verifier, cluster.Keys["assessor"], "audit", "verify", "--year", "2024");
        if (exit != 0)
        {
            problems.Add($"assess audit verify exited {exit}: {stdout} {stderr}");
        }

        var acknowledgedAt = attempts.Where(a => a.Outcome == AttemptOutcome.Ok).Select(a => a.StartedAt + a.Latency.TotalSeconds).Order().ToList();
        var longestGap = acknowledgedAt.Zip(acknowledgedAt.Skip(1), (a, b) => b - a).DefaultIfEmpty(0).Max();
        return new ChaosReport(
            name,
            operations.Count,
            attempts.Count,
            operations.Count(o => o.Acknowledged is not null),
            operations.Count(o => o.Attempts.Any(a => a.Outcome == AttemptOutcome.Unknown)),
            unresolved.Count,
            refused.Count,
            lost,
            doubled,
            attempts.Count(a => a.Code == StatusCode.DeadlineExceeded),
            maxWait,
            leaked.Count,
            longestGap,
            Math.Max(0, convergedAt - loadStoppedAt),
            converged,
            exit == 0,
            problems)
        { StoredFactsAgree = factsAgree };
    }

    /// <summary>
    /// What the round reads of every county in one query — the facts a cold ranking uses and the overview lines of the
    /// board, the progress and a bulletin's timeliness figures (<see cref="Assessment.Server.Hosting.PostgresCountyFacts"/>)
    /// — equals what the county grains say: the sums they converged to, and their status, version and completeness
    /// (waits at most 30 s for the last group commit).
    /// </summary>
    private static async Task<bool> StoredFactsAgreeAsync(ChaosCluster cluster, Dictionary<string, Dictionary<string, double>> expected, List<string> problems)
    {
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(cluster.Database.ConnectionString);
        var store = new Assessment.Server.Hosting.PostgresCountyFacts(dataSource, Assessment.Domain.Catalog.IndicatorCatalog.Default);
        var assessment = new AssessmentService.AssessmentServiceClient(cluster.Channels[0]);
        var deadline = Stopwatch.StartNew();
        var mismatches = new List<string>();
        while (true)
        {
            mismatches.Clear();
            var facts = await store.ReadAsync("chaos", 2024) ?? new Dictionary<string, Assessment.Grains.Abstractions.CountyFactsSnapshot>();
            var lines = await store.ReadBoardAsync("chaos", 2024) ?? new Dictionary<string, Assessment.Grains.Abstractions.CountyBoardRow>();
            foreach (var (county, sums) in expected)
            {
                if (!facts.TryGetValue(county, out var stored) || !lines.TryGetValue(county, out var line))
                {
                    mismatches.Add($"{county}: no stored county row");
                    continue;
                }

                mismatches.AddRange(sums.Where(s => stored.Values.GetValueOrDefault(s.Key) != s.Value)
                    .Select(s => $"{county}: stored {s.Key} is {stored.Values.GetValueOrDefault(s.Key)}, the county grain says {s.Value}"));
                var workflow = (await ReadAsync(() => assessment.GetCountyAsync(new GetCountyRequest { Year = 2024, County = county }, As(cluster.Keys["assessor"])).ResponseAsync)).Workflow;
                var grainLine = $"{workflow.Status} v{workflow.Version} {workflow.Completeness.UnitsExpected}/{workflow.Completeness.UnitsSubmitted} late {workflow.Completeness.Late} missing {workflow.Completeness.MissingValues}";
                var storedLine = $"{line.Status.ToString().ToLowerInvariant()} v{line.Version} {line.UnitsExpected}/{line.UnitsSubmitted} late {line.Late} missing {line.MissingValues}";
                if (grainLine != storedLine)
                {
                    mismatches.Add($"{county}: stored overview line '{storedLine}', the county grain says '{grainLine}'");
                }
            }

            if (mismatches.Count == 0)
            {
                return true;
            }

            if (deadline.Elapsed > TimeSpan.FromSeconds(30))
            {
                problems.AddRange(mismatches.Take(5));
                return false;
            }

            await Task.Delay(500);
        }
    }

    /// <summary>Waits (at most 90 s) until every county equals the sum of its units' last acknowledged values.</summary>
    private static async Task<(bool Converged, double At)> WaitForCountiesAsync(ChaosCluster cluster, LoadGenerator load, Dictionary<string, Dictionary<string, double>> expected, List<string> problems)
    {
        var assessment = new AssessmentService.AssessmentServiceClient(cluster.Channels[0]);
        var deadline = Stopwatch.StartNew();
        var mismatches = new List<string>();
        while (true)
        {
            mismatches.Clear();
            foreach (var (county, sums) in expected)
            {
                var view = await ReadAsync(() => assessment.GetCountyAsync(new GetCountyRequest { Year = 2024, County = county }, As(cluster.Keys["assessor"])).ResponseAsync);
                var actual = view.Values.ToDictionary(v => v.Code, v => v.Value);
                mismatches.AddRange(sums.Where(s => actual.GetValueOrDefault(s.Key) != s.Value)
                    .Select(s => $"{county}: {s.Key} is {actual.GetValueOrDefault(s.Key)}, its units add up to {s.Value}"));
            }

            if (mismatches.Count == 0)
            {
                return (true, load.Now);
            }

            if (deadline.Elapsed > TimeSpan.FromSeconds(90))
            {
                problems.AddRange(mismatches.Take(5));
                return (false, load.Now);
            }

            await Task.Delay(500);
        }
    }

    /// <summary>Reads through silo 1, retrying while the cluster settles.</summary>
    private static async Task<T> ReadAsync<T>(Func<Task<T>> read)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await read();
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded && attempt < 30)
            {
                await Task.Delay(1000);
            }
        }
    }
}
