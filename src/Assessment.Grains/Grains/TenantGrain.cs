using Assessment.Grains.Abstractions;
using Microsoft.Extensions.Logging;

namespace Assessment.Grains.Grains;

[GenerateSerializer, Alias("assessment.TenantState")]
public sealed class TenantState
{
    [Id(0)] public TenantProfile? Profile { get; set; }
    /// <summary>The tenant's own bulletin templates by format ("html", "markdown"), checked at upload.</summary>
    [Id(1)] public Dictionary<string, string> Templates { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Years with an issued bulletin (a handful: one per assessed year).</summary>
    [Id(2)] public SortedSet<int> BulletinYears { get; set; } = [];
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

    public Task<string?> GetTemplate(string format) => Task.FromResult(state.State.Templates.GetValueOrDefault(format));

    public async Task SetTemplate(string format, string? source)
    {
        _ = state.State.Profile ?? throw new NotFoundException("租户不存在。");
        if (source is null)
        {
            state.State.Templates.Remove(format);
        }
        else
        {
            state.State.Templates[format] = source;
        }

        await state.WriteOrRestoreAsync(GrainContext, logger);
    }

    public async Task<TenantProfile> AddCounty(CountyInfo county)
    {
        var profile = state.State.Profile ?? throw new NotFoundException("租户不存在。");
        if (profile.County(county.Id) is not null)
        {
            throw new ConflictException($"县（区）{county.Id} 已存在。");
        }

        state.State.Profile = profile with { Counties = [.. profile.Counties, county with { Units = county.Units ?? [] }] };
        await state.WriteOrRestoreAsync(GrainContext, logger);
        return state.State.Profile;
    }

    public async Task<TenantProfile> AddUnit(string county, UnitInfo unit)
    {
        var profile = state.State.Profile ?? throw new NotFoundException("租户不存在。");
        var target = profile.County(county) ?? throw new NotFoundException("没有该县（区）。");
        if (Array.Exists(target.Units, u => u.Id == unit.Id))
        {
            throw new ConflictException($"单位 {unit.Id} 已存在。");
        }

        var updated = target with { Units = [.. target.Units, unit] };
        state.State.Profile = profile with { Counties = profile.Counties.Select(c => c.Id == county ? updated : c).ToArray() };
        await state.WriteOrRestoreAsync(GrainContext, logger);
        return state.State.Profile;
    }

    public Task<TenantProfile> SetBulletinProfile(BulletinProfile profile) => Update(p => p with { Bulletin = profile });

    public Task<TenantProfile> SetDistribution(BulletinRecipient[] recipients) => Update(p => p with { Distribution = recipients });

    public Task<TenantProfile> SetWebhook(string? url) => Update(p => p with { WebhookUrl = url });

    public async Task NoteBulletin(int year)
    {
        if (state.State.BulletinYears.Add(year))
        {
            await state.WriteOrRestoreAsync(GrainContext, logger);
        }
    }

    public Task<int[]> GetBulletinYears() => Task.FromResult(state.State.BulletinYears.Reverse().ToArray());

    private async Task<TenantProfile> Update(Func<TenantProfile, TenantProfile> change)
    {
        var profile = state.State.Profile ?? throw new NotFoundException("租户不存在。");
        var updated = change(profile);
        if (updated != profile)
        {
            state.State.Profile = updated;
            await state.WriteOrRestoreAsync(GrainContext, logger);
        }

        return state.State.Profile;
    }
}
