using Assessment.Grains.Abstractions;
using Microsoft.Extensions.Logging;

namespace Assessment.Grains.Grains;

[GenerateSerializer, Alias("assessment.BulletinState")]
public sealed class BulletinState
{
    [Id(0)] public BulletinIssue? Issue { get; set; }
    [Id(1)] public PublishedBulletin? Published { get; set; }
}

/// <summary>A round's published bulletin: number and date allocated once, documents kept as first stored.</summary>
public sealed class BulletinGrain(
    [PersistentState("bulletin", StorageNames.Default)] IPersistentState<BulletinState> state,
    IGrainFactory grains,
    ILogger<BulletinGrain> logger) : Grain, IBulletinGrain
{
    public async Task<BulletinIssue> Reserve(DateOnly issuedOn)
    {
        if (state.State.Issue is { } issued)
        {
            return issued;
        }

        var (tenant, _) = GrainKeys.ParseRound(this.GetPrimaryKeyString());
        // A number taken here and not recorded (the write below fails) is skipped, never handed out twice.
        var number = await grains.GetGrain<IDocumentNumberGrain>(GrainKeys.Round(tenant, issuedOn.Year)).Next();
        state.State.Issue = new BulletinIssue(number, issuedOn);
        await state.WriteOrRestoreAsync(GrainContext, logger);
        return state.State.Issue;
    }

    public async Task<PublishedBulletin> Store(PublishedBulletin documents)
    {
        if (state.State.Published is { } kept)
        {
            return kept;
        }

        if (state.State.Issue != documents.Issue)
        {
            throw new ConflictException("通报的文号与预留的不一致。");
        }

        state.State.Published = documents;
        await state.WriteOrRestoreAsync(GrainContext, logger);
        return documents;
    }

    public Task<PublishedBulletin?> Get() => Task.FromResult(state.State.Published);
}

[GenerateSerializer, Alias("assessment.DocumentNumberState")]
public sealed class DocumentNumberState
{
    [Id(0)] public int Last { get; set; }
}

/// <summary>A tenant's document numbers of one year of issue; one activation hands them out one at a time.</summary>
public sealed class DocumentNumberGrain(
    [PersistentState("document-numbers", StorageNames.Default)] IPersistentState<DocumentNumberState> state,
    ILogger<DocumentNumberGrain> logger) : Grain, IDocumentNumberGrain
{
    public async Task<int> Next()
    {
        state.State.Last++;
        await state.WriteOrRestoreAsync(GrainContext, logger);
        return state.State.Last;
    }
}
