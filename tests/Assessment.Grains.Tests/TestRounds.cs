using Assessment.Domain;
using Assessment.Grains.Abstractions;

namespace Assessment.Grains.Tests;

/// <summary>Rounds as the tests need them: defined and opened, or taken through review to publication.</summary>
public static class TestRounds
{
    public const string Actor = "考核办测试员";

    public static readonly string DefaultScheme = EmbeddedData.Read("default-scheme.yaml");

    /// <summary>The unit ids every test county's roster holds.</summary>
    public static readonly string[] Units =
        ["a", "b", "x", .. Enumerable.Range(0, 40).Select(i => $"u{i}"), .. Enumerable.Range(0, 8).Select(i => $"b{i}")];

    public static async Task<IRoundGrain> OpenAsync(IGrainFactory grains, string tenant, int year, IEnumerable<string> counties,
        string? scheme = null, IEnumerable<string>? units = null, DateTimeOffset? deadline = null)
    {
        var unitInfos = (units ?? Units).Select(u => new UnitInfo(u, $"单位{u}")).ToArray();
        var round = grains.GetGrain<IRoundGrain>(GrainKeys.Round(tenant, year));
        await round.Define(new RoundDefinition(scheme ?? DefaultScheme,
            counties.Select(c => new CountyInfo(c, $"{c}县", unitInfos)).ToArray(), deadline ?? DateTimeOffset.UtcNow.AddDays(30)), Actor);
        await round.Open(Actor);
        return round;
    }

    /// <summary>Closes the round, has every county submit for review and pass it, and publishes.</summary>
    public static async Task<RoundInfo> PublishAsync(IGrainFactory grains, string tenant, int year)
    {
        var round = grains.GetGrain<IRoundGrain>(GrainKeys.Round(tenant, year));
        await round.Close(Actor);
        foreach (var county in (await round.GetInfo())!.Counties)
        {
            var grain = grains.GetGrain<ICountyGrain>(GrainKeys.County(tenant, county.Id, year));
            await grain.SubmitForReview(new WorkflowCommand($"{county.Id}县"));
            await grain.Approve(new WorkflowCommand(Actor));
        }

        return await round.Publish(Actor);
    }

    /// <summary>An assessor entry (it needs a reason).</summary>
    public static UnitSubmission Assessor(string code, double value) =>
        new(Guid.NewGuid(), [new ValueEntry(code, value)], Actor: Actor, Reason: "测评结果");
}
