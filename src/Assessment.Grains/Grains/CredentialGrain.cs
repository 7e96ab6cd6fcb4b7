using Assessment.Grains.Abstractions;
using Microsoft.Extensions.Logging;

namespace Assessment.Grains.Grains;

[GenerateSerializer, Alias("assessment.CredentialState")]
public sealed class CredentialState
{
    [Id(0)] public Credential? Credential { get; set; }
}

/// <summary>
/// One credential, keyed by the SHA-256 of its key. Keeps the per-call authentication lookup off the tenant's grain.
/// </summary>
public sealed class CredentialGrain(
    [PersistentState("credential", StorageNames.Default)] IPersistentState<CredentialState> state,
    ILogger<CredentialGrain> logger) : Grain, ICredentialGrain
{
    public async Task<bool> Issue(Credential credential)
    {
        if (state.State.Credential is not null)
        {
            return false;
        }

        state.State.Credential = credential;
        await state.WriteOrRestoreAsync(GrainContext, logger);
        return true;
    }

    public Task<Credential?> Get() => Task.FromResult(state.State.Credential);

    public async Task<Credential?> Revoke()
    {
        if (state.State.Credential is { Revoked: false } credential)
        {
            state.State.Credential = credential with { Revoked = true };
            await state.WriteOrRestoreAsync(GrainContext, logger);
        }

        return state.State.Credential;
    }
}
