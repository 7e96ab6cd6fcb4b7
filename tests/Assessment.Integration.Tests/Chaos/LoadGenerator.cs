using System.Collections.Concurrent;
using System.Diagnostics;
using Assessment.Contracts.V1;
using Grpc.Core;
using static Assessment.Integration.Tests.Infrastructure.ServerProcess;

namespace Assessment.Integration.Tests.Chaos;

public enum AttemptOutcome
{
    /// <summary>Acknowledged: the server answered with a receipt.</summary>
    Ok,

    /// <summary>A definite refusal (the payload or the caller was wrong): nothing was stored.</summary>
    Fail,

    /// <summary>No answer, a timeout or UNAVAILABLE: it may or may not have been stored; resolved by retrying.</summary>
    Unknown,
}

/// <summary>One call as the client saw it.</summary>
public sealed record Attempt(int Silo, double StartedAt, TimeSpan Latency, AttemptOutcome Outcome, StatusCode? Code, string? ServerText, int Version, bool Replayed)
{
    /// <summary>For failure messages: the status detail and, for a status the client library made, its exception.</summary>
    public string? Detail { get; init; }

    /// <summary>No answer from the server: UNAVAILABLE, or a connection the server closed under the call.</summary>
    public bool Unanswered { get; init; }
}

/// <summary>One submission (one submission_id and payload) and every call made for it.</summary>
public sealed class Operation(string unit, int sequence, SubmitIndicatorsRequest request)
{
    public string Unit { get; } = unit;

    public int Sequence { get; } = sequence;

    public SubmitIndicatorsRequest Request { get; } = request;

    public List<Attempt> Attempts { get; } = [];

    public Attempt? Acknowledged => Attempts.FirstOrDefault(a => a.Outcome == AttemptOutcome.Ok);
}

/// <summary>
/// Drives submissions from every unit of the chaos tenant against all silos and records every call (invoke and its
/// ok / fail / unknown outcome). Each unit submits one submission at a time and retries an unknown outcome with the same
/// submission_id, on the next silo, until it is acknowledged; so the last submission of a unit holds its final values.
/// </summary>
public sealed class LoadGenerator(ChaosCluster cluster)
{
    /// <summary>Unit-level counts that the county sums; the first carries the sequence so every submission changes something.</summary>
    public static readonly string[] Codes =
        ["study.sessions", "study.seminars", "study.lectures", "study.participants", "service.cases_handled", "legalaid.documents_drafted"];

    public const int DeadlineSeconds = 15;

    /// <summary>Below the unit's receipt history (256), so the checker can see every submission.</summary>
    public const int MaxOperationsPerUnit = 200;

    private readonly ConcurrentBag<Operation> _history = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public IReadOnlyCollection<Operation> History => _history;

    /// <summary>Every operation is sent to two silos at once (T3: duplicates racing each other).</summary>
    public bool DuplicateSends { get; init; }

    public TimeSpan Pace { get; init; } = TimeSpan.FromMilliseconds(150);

    public double Now => _clock.Elapsed.TotalSeconds;

    public static IEnumerable<string> Units(IReadOnlyDictionary<string, string> keys) =>
        keys.Keys.Where(k => k.Contains('/', StringComparison.Ordinal)).Order(StringComparer.Ordinal);

    /// <summary>Submits until <paramref name="stop"/> fires, then resolves what is in flight (giving up at <paramref name="giveUp"/>).</summary>
    public Task RunAsync(CancellationToken stop, CancellationToken giveUp) =>
        Task.WhenAll(Units(cluster.Keys).Select((unit, i) => Task.Run(() => WorkerAsync(unit, i, stop, giveUp), CancellationToken.None)));

    private async Task WorkerAsync(string unit, int index, CancellationToken stop, CancellationToken giveUp)
    {
        var random = new Random(index);
        var silo = index % cluster.Count;
        for (var sequence = 1; sequence <= MaxOperationsPerUnit && !stop.IsCancellationRequested; sequence++)
        {
            var request = new SubmitIndicatorsRequest { SubmissionId = Guid.NewGuid().ToString(), Year = 2024 };
            request.Values.Add(new IndicatorValue { Code = Codes[0], Value = sequence });
            foreach (var code in Codes.Skip(1))
            {
                request.Values.Add(new IndicatorValue { Code = code, Value = random.Next(0, 500) });
            }

            var operation = new Operation(unit, sequence, request);
            _history.Add(operation);
            silo = await ResolveAsync(operation, silo, giveUp);
            try
            {
                await Task.Delay(Pace, stop);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    /// <summary>Retries until acknowledged or refused; returns the silo to use next.</summary>
    private async Task<int> ResolveAsync(Operation operation, int silo, CancellationToken giveUp)
    {
        for (var retry = 0; !giveUp.IsCancellationRequested; retry++)
        {
            var sends = DuplicateSends ? new[] { silo, (silo + 1) % cluster.Count } : [silo];
            var attempts = await Task.WhenAll(sends.Select(s => SendAsync(operation, s)));
            lock (operation.Attempts)
            {
                operation.Attempts.AddRange(attempts);
            }

            if (attempts.Any(a => a.Outcome is AttemptOutcome.Ok or AttemptOutcome.Fail))
            {
                return silo;
            }

            // Like a client behind a load balancer: try the next endpoint after a short, growing pause.
            silo = (silo + 1) % cluster.Count;
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 100 << Math.Min(retry, 5))), giveUp);
            }
            catch (OperationCanceledException)
            {
            }
        }

        return silo;
    }

    /// <summary>Sends an operation's request (same submission_id every time) to one silo and classifies the outcome.</summary>
    public async Task<Attempt> SendAsync(Operation operation, int silo)
    {
        var client = new SubmissionService.SubmissionServiceClient(cluster.Channels[silo]);
        var started = _clock.Elapsed;
        try
        {
            var response = await client.SubmitIndicatorsAsync(operation.Request, As(cluster.Keys[operation.Unit], DeadlineSeconds));
            return new Attempt(silo, started.TotalSeconds, _clock.Elapsed - started, AttemptOutcome.Ok, null, null, response.Version, response.Replayed);
        }
        catch (RpcException ex)
        {
            var outcome = ex.StatusCode is StatusCode.InvalidArgument or StatusCode.AlreadyExists or StatusCode.FailedPrecondition
                or StatusCode.PermissionDenied or StatusCode.Unauthenticated or StatusCode.NotFound
                ? AttemptOutcome.Fail
                : AttemptOutcome.Unknown;

            // A status produced by the client library (connection refused, reset) carries its exception; only what the
            // server said is checked for leaked internals.
            var serverText = ex.Status.DebugException is null ? ex.Status.Detail : null;
            return new Attempt(silo, started.TotalSeconds, _clock.Elapsed - started, outcome, ex.StatusCode, serverText, 0, false)
            {
                Detail = $"{ex.Status.Detail} {ex.Status.DebugException?.GetType().Name} {ex.Status.DebugException?.Message}",
                Unanswered = Assessment.Cli.Unanswered.Is(ex),
            };
        }
    }
}
