using Assessment.Domain.Aggregation;
using Assessment.Domain.Catalog;
using Assessment.Grains.Abstractions;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace Assessment.Grains.Grains;

/// <summary>
/// A county's stored state for a year: one small aggregate cell per indicator and the version of each unit it has
/// applied. It never holds the units' values, so its size does not grow with the number of units' submissions.
/// </summary>
[GenerateSerializer, Alias("assessment.CountyState")]
public sealed class CountyState
{
    [Id(0)] public Dictionary<string, AggregateCell> Cells { get; set; } = new(StringComparer.Ordinal);
    [Id(1)] public Dictionary<string, int> UnitVersions { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Increases with every applied change; lets readers skip unchanged counties.</summary>
    [Id(2)] public int Revision { get; set; }
    [Id(3)] public DateTimeOffset? UpdatedAt { get; set; }

    /// <summary>A deep copy: what a write serializes must not change under it.</summary>
    public CountyState Clone() => new()
    {
        Cells = Cells.ToDictionary(kv => kv.Key, kv => new AggregateCell { Sum = kv.Value.Sum, Reporters = kv.Value.Reporters, WeightSum = kv.Value.WeightSum }, StringComparer.Ordinal),
        UnitVersions = new Dictionary<string, int>(UnitVersions, StringComparer.Ordinal),
        Revision = Revision,
        UpdatedAt = UpdatedAt,
    };
}

/// <summary>
/// Aggregates a county's units. Applying a unit's change is idempotent on (unit, version).
/// <para>
/// Every unit of a county funnels into this one grain, so one write per change would cap a county at one change per
/// database commit. Instead the grain is reentrant and commits in groups: a change is applied in memory at once, and
/// its caller waits for the next write, which carries every change applied while the previous write was in flight.
/// No caller hears "applied" before its change is durable. If a write fails, the stored state is re-read, every change
/// not yet durable is refused (its units keep it pending and push it again), and new changes are refused until the
/// state is restored.
/// </para>
/// </summary>
[Reentrant]
public sealed class CountyGrain(
    [PersistentState("county", StorageNames.Default)] IPersistentState<CountyState> state,
    IndicatorCatalog catalog,
    TimeProvider clock,
    ILogger<CountyGrain> logger) : Grain, ICountyGrain
{
    private static readonly Dictionary<string, double> Empty = new(StringComparer.Ordinal);
    private Dictionary<string, double>? _values;
    private TaskCompletionSource? _unwritten; // changes applied since the current write started; done when durable
    private TaskCompletionSource? _writingBatch; // the changes the current write carries
    private bool _writing;
    private bool _restoring;
    private int _highestRevision;

    // The grain works on its own copy; a write serializes a snapshot of it, so changes applied by interleaved calls
    // while the storage provider runs (off the grain's scheduler) can never race the serializer.
    private CountyState S { get; set; } = new();

    private IRoundGrain _round = null!;
    private string _county = "";

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var (tenant, county, year) = GrainKeys.ParseCounty(this.GetPrimaryKeyString());
        _county = county;
        _round = GrainFactory.GetGrain<IRoundGrain>(GrainKeys.Round(tenant, year));
        S = state.State.Clone();
        _highestRevision = S.Revision;
        return Task.CompletedTask;
    }

    public async Task<int> ApplyUnitChange(UnitChange change)
    {
        if (_restoring)
        {
            throw new UnavailableException("县级汇总正在恢复，请稍后重试。");
        }

        var current = S.UnitVersions.GetValueOrDefault(change.Unit);
        if (current >= change.ToVersion)
        {
            // Already applied, perhaps not yet durable: answer only once it is, and only if it still is applied.
            await DurableAsync();
            current = S.UnitVersions.GetValueOrDefault(change.Unit);
            return current >= change.ToVersion
                ? current
                : throw new UnavailableException("存储暂不可用，县级汇总未更新；单位的提交已保存，将自动重试汇总。");
        }

        var baseValues = current == 0
            ? Empty
            : Array.Find(change.Bases, b => b.Version == current)?.Values;
        if (baseValues is null)
        {
            logger.LogError("County {County} is at version {Current} of unit {Unit}, which the unit no longer offers; refusing the change",
                this.GetPrimaryKeyString(), current, change.Unit);
            throw new UnavailableException("县级汇总与单位版本不一致，已记录待处理。");
        }

        // Applied in memory without any await in between, so interleaved calls never see half a change.
        CountyAggregate.Apply(catalog, S.Cells, baseValues, change.ToValues);
        S.UnitVersions[change.Unit] = change.ToVersion;
        S.Revision = Math.Max(S.Revision, _highestRevision) + 1;
        _highestRevision = S.Revision;
        S.UpdatedAt = clock.GetUtcNow();
        _values = null;
        await PersistAsync();
        return change.ToVersion;
    }

    public async Task<CountyFactsSnapshot?> GetFactsIfChanged(int knownRevision)
    {
        await DurableAsync();
        return knownRevision == S.Revision && knownRevision != 0 ? null : new CountyFactsSnapshot(S.Revision, Values());
    }

    public async Task<CountyAggregateView> GetAggregate()
    {
        await DurableAsync();
        return new CountyAggregateView(
            S.Revision,
            Values(),
            S.Cells.ToDictionary(kv => kv.Key, kv => kv.Value.Reporters, StringComparer.Ordinal),
            new Dictionary<string, int>(S.UnitVersions, StringComparer.Ordinal));
    }

    private Dictionary<string, double> Values() => _values ??= CountyAggregate.Values(catalog, S.Cells);

    /// <summary>Joins the next group write and returns when it is durable.</summary>
    private Task PersistAsync()
    {
        _unwritten ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var durable = _unwritten.Task;
        if (!_writing)
        {
            _ = WriteLoopAsync();
        }

        return durable;
    }

    /// <summary>Waits until everything applied so far has been written or has failed; readers then see stored state.</summary>
    private async Task DurableAsync()
    {
        if ((_unwritten ?? _writingBatch) is { } pending)
        {
            try
            {
                await pending.Task;
            }
            catch (UnavailableException)
            {
                // The failed changes were rolled back; what is in memory now is the stored state.
            }
        }
    }

    private async Task WriteLoopAsync()
    {
        _writing = true;
        try
        {
            while (_unwritten is { } batch)
            {
                _unwritten = null;
                _writingBatch = batch;
                try
                {
                    state.State = S.Clone();
                    await state.WriteStateAsync();
                    await NotifyRoundAsync();
                    batch.SetResult();
                }
                catch (Exception ex)
                {
                    await FailAsync(batch, ex);
                }
            }
        }
        finally
        {
            _writing = false;
            _writingBatch = null;
        }
    }

    /// <summary>
    /// Tells the round before the units hear "applied", so a ranking asked for after an acknowledgement includes it.
    /// A failed notice is only logged: the round also asks every county on activation and at least every
    /// <see cref="RoundGrain.SweepInterval"/>.
    /// </summary>
    private async Task NotifyRoundAsync()
    {
        try
        {
            await _round.CountyChanged(_county);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "County {County}: could not tell the round about a change; its next full sweep will find it", this.GetPrimaryKeyString());
        }
    }

    private async Task FailAsync(TaskCompletionSource batch, Exception writeError)
    {
        logger.LogWarning(writeError, "County {County}: write failed; restoring the stored state", this.GetPrimaryKeyString());
        _restoring = true;
        var later = _unwritten;
        _unwritten = null;
        var error = new UnavailableException("存储暂不可用，县级汇总未更新；单位的提交已保存，将自动重试汇总。");
        try
        {
            await state.ReadStateAsync();
            S = state.State.Clone();
            // Revisions only grow, so no reader can mistake the restored state for one it has cached.
            S.Revision = _highestRevision + 1;
            _highestRevision = S.Revision;
            _values = null;
        }
        catch (Exception readError)
        {
            logger.LogWarning(readError, "County {County}: re-read failed; deactivating", this.GetPrimaryKeyString());
            DeactivateOnIdle();
        }
        finally
        {
            _restoring = false;
        }

        batch.SetException(error);
        later?.SetException(error);
    }
}
