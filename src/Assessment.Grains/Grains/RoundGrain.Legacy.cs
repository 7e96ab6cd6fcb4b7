using Assessment.Domain.Workflow;
using Assessment.Grains.Abstractions;
using Microsoft.Extensions.Logging;

namespace Assessment.Grains.Grains;

/// <summary>
/// The upgrade of a round stored before rounds had a lifecycle: it is told to its counties once, on a timer after activation.
/// </summary>
public sealed partial class RoundGrain
{
    /// <summary>
    /// A round stored before the lifecycle existed was open (or published) without a deadline, and its counties never
    /// heard of it: it becomes open with a deadline 60 days from now (or published), and its counties are told.
    /// </summary>
    private async Task UpgradeLegacyRoundAsync()
    {
        _upgrade?.Dispose();
        logger.LogWarning("Round {Round} was stored before rounds had a lifecycle; now {Phase} with deadline {Deadline}",
            this.GetPrimaryKeyString(), S.Phase, S.SubmissionDeadline);
        try
        {
            if (S.Phase == RoundPhase.Published)
            {
                S.PublishedHeads = await PushAsync(RoundPhase.Published, "system", PinnedScheme!);
            }
            else
            {
                await PushAsync(RoundPhase.Open, "system", PinnedScheme!);
            }

            AddAudit("system", "upgrade", $"按新的考核流程转换：{S.Phase}，填报截止 {CountyWorkflow.Local(S.SubmissionDeadline)}", null);
            await SaveAsync();
        }
        catch (UnavailableException ex)
        {
            // Stays a legacy round in storage; the next activation tries again.
            logger.LogWarning(ex, "Round {Round}: upgrade could not reach every county yet", this.GetPrimaryKeyString());
        }
    }
}
