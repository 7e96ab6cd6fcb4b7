using System.ComponentModel.DataAnnotations;
using System.Diagnostics;
using Assessment.Grains.Abstractions;
using Npgsql;

namespace Assessment.Server.Hosting;

/// <summary>Which rounds a starting server loads before it says it is ready (section <c>Warmup</c>).</summary>
public sealed class WarmupOptions
{
    public const string Section = "Warmup";

    /// <summary>The most recently written rounds to load; 0 turns the warm-up off.</summary>
    [Range(0, 1000)]
    public int MaxRounds { get; set; } = 64;

    /// <summary>Only rounds a county wrote to within this many days (an assessment year's active months).</summary>
    [Range(1, 3660)]
    public int WithinDays { get; set; } = 180;

    /// <summary>Ready after this long whatever is left: a slow database delays readiness, never prevents it.</summary>
    [Range(1, 600)]
    public int TimeoutSeconds { get; set; } = 30;
}

/// <summary>
/// Loads the rounds counties wrote to recently, once, when the server starts and before it reports ready (the
/// "Ready." line, <c>/readyz</c> and the gRPC health service): each round reads its counties' stored facts, scores
/// them and keeps the ranking; the most recent round's draft bulletin is rendered once (and kept). The overview is not
/// loaded: it is one query whenever asked, and nothing of it is kept. After a restart or a deploy at deadline time
/// the first assessor then gets a warm ranking and bulletin draft instead
/// of paying for the round's first load (and the process's first use of that code) on their request. A round that
/// cannot be loaded is skipped; the warm-up never fails a start.
/// </summary>
public sealed class RoundWarmup(NpgsqlDataSource database, IGrainFactory grains, Services.BulletinComposer bulletins,
    Microsoft.Extensions.Options.IOptions<WarmupOptions> options, ILogger<RoundWarmup> logger)
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Whether the warm-up has finished (or given up): readiness waits for it.</summary>
    public bool Done => _done.Task.IsCompleted;

    /// <summary>
    /// Runs the warm-up once: the rounds (until done or the configured timeout; readiness follows), then
    /// <paramref name="probe"/> (the server's first call to its own port, <see cref="SelfProbe"/>, which then finds it
    /// serving). Returns what it did, in a line.
    /// </summary>
    public async Task<string> RunAsync(CancellationToken stopping, Func<CancellationToken, Task<string>>? probe = null)
    {
        string rounds;
        try
        {
            rounds = await LoadRoundsAsync(stopping);
        }
        finally
        {
            _done.TrySetResult();
        }

        return probe is null || stopping.IsCancellationRequested ? rounds : $"{rounds}; {await probe(stopping)}";
    }

    private async Task<string> LoadRoundsAsync(CancellationToken stopping)
    {
        var limits = options.Value;
        var watch = Stopwatch.StartNew();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeout.CancelAfter(TimeSpan.FromSeconds(limits.TimeoutSeconds));
        var (loaded, skipped, failed) = (0, 0, 0);
        try
        {
            foreach (var (tenant, year) in limits.MaxRounds == 0 ? [] : await RecentRoundsAsync(limits, timeout.Token))
            {
                timeout.Token.ThrowIfCancellationRequested();
                var round = grains.GetGrain<IRoundGrain>(GrainKeys.Round(tenant, year));
                using var actingFor = Assessment.Grains.TenantGuard.ActFor(tenant);
                try
                {
                    await round.GetRanking().WaitAsync(timeout.Token);
                    if (loaded == 0)
                    {
                        // The most recent round's draft, once: it is kept (DraftCache), and it loads the template
                        // engine every tenant's bulletins share, so the first 通报 asked for after a start is quick.
                        await bulletins.RenderDraftAsync(tenant, year, Assessment.Bulletins.BulletinFormat.Html).WaitAsync(timeout.Token);
                    }

                    loaded++;
                }
                catch (AssessmentException)
                {
                    skipped++; // not open yet, or nothing to rank: nothing to load either
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    failed++; // this round loads on its first request instead
                    logger.LogWarning(ex, "Warm-up could not load round {Tenant}/{Year}", tenant, year);
                }
            }

            return $"{Rounds(loaded)} loaded ahead ({skipped} not open{(failed > 0 ? $", {failed} failed" : "")}) in {watch.ElapsedMilliseconds} ms";
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            logger.LogWarning("Warm-up stopped after {Seconds} s with {Loaded} rounds loaded; ready without the rest", limits.TimeoutSeconds, loaded);
            return $"{Rounds(loaded)} loaded ahead, stopped after {limits.TimeoutSeconds} s";
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Warm-up failed after {Loaded} rounds; ready without the rest", loaded);
            return $"{Rounds(loaded)} loaded ahead, then failed: {ex.GetType().Name}";
        }
    }

    private static string Rounds(int count) => count == 1 ? "1 recent round" : $"{count} recent rounds";

    private async Task<List<(string Tenant, int Year)>> RecentRoundsAsync(WarmupOptions limits, CancellationToken ct)
    {
        await using var command = database.CreateCommand("""
            SELECT tenant, year FROM county_states
             GROUP BY tenant, year
            HAVING max(updated_at) > now() - make_interval(days => $1)
             ORDER BY max(updated_at) DESC
             LIMIT $2
            """);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limits.WithinDays });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limits.MaxRounds });
        var rounds = new List<(string, int)>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rounds.Add((reader.GetString(0), reader.GetInt32(1)));
        }

        return rounds;
    }
}
