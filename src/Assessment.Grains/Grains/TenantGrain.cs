using Assessment.Grains.Abstractions;
using Microsoft.Extensions.Logging;

namespace Assessment.Grains.Grains;

[GenerateSerializer, Alias("assessment.TenantState")]
public sealed class TenantState
{
    [Id(0)] public TenantProfile? Profile { get; set; }
}

/// <summary>A prefecture's profile and roster of counties and units.</summary>
public sealed class TenantGrain(
    [PersistentState("tenant", StorageNames.Default)] IPersistentState<TenantState> state,
    ILogger<TenantGrain> logger) : Grain, ITenantGrain
{
    public async Task<bool> Create(TenantProfile profile)
    {
        if (state.State.Profile is not null)
        {
            return false;
        }

        if (profile.Id != this.GetPrimaryKeyString())
        {
            throw new ValidationFailedException([new FieldError("id", "租户标识与目标不一致")]);
        }

        state.State.Profile = profile;
        await state.WriteOrRestoreAsync(GrainContext, logger);
        return true;
    }

    public Task<TenantProfile?> GetProfile() => Task.FromResult(state.State.Profile);
}
