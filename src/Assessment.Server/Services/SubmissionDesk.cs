using Assessment.Grains;
using Assessment.Grains.Abstractions;
using Assessment.Server.Security;

namespace Assessment.Server.Services;

/// <summary>
/// A unit's (or a county's own) submissions: the gRPC service and the web form both submit through here, so a form
/// saved twice with one submission id stores one version, and a refused value is refused the same way everywhere.
/// </summary>
public sealed class SubmissionDesk(IClusterClient cluster, FillInForms forms)
{
    /// <summary>Stores (or, dry, previews) one submission of the caller's own figures; counts the outcome.</summary>
    public async Task<SubmissionReceipt> SubmitAsync(Caller caller, int year, Guid submissionId, ValueEntry[] values, bool dryRun, string? formId = null)
    {
        RequireSubmitter(caller);
        try
        {
            if (!string.IsNullOrEmpty(formId))
            {
                await forms.RequireCurrentAsync(caller.Tenant, caller.County!, FillInForms.OwnUnit(caller), year, formId);
            }

            var receipt = await UnitOf(caller, year).Submit(new UnitSubmission(submissionId, values, dryRun));
            PlatformMeter.Submissions.Add(1, new KeyValuePair<string, object?>("outcome", receipt.DryRun ? "dry_run" : receipt.Replayed ? "replayed" : "accepted"));
            return receipt;
        }
        catch (AssessmentException ex)
        {
            Refused(ex);
            throw;
        }
    }

    /// <summary>Counts a submission refused before or by the unit grain.</summary>
    public static void Refused(AssessmentException ex) =>
        PlatformMeter.Submissions.Add(1, new("outcome", "rejected"), new("reason", ex switch
        {
            ValidationFailedException => "validation",
            ConflictException => "conflict",
            UnavailableException => "unavailable",
            _ => "other",
        }));

    public Task<UnitSnapshot> GetSnapshotAsync(Caller caller, int year)
    {
        RequireSubmitter(caller);
        return UnitOf(caller, year).GetSnapshot();
    }

    /// <summary>Only a unit, or a county for its own figures, submits: one rule for the gRPC service and the web form.</summary>
    private static void RequireSubmitter(Caller caller)
    {
        if (caller.Role is not (Role.Unit or Role.County) || caller.County is null)
        {
            throw new PermissionDeniedException();
        }
    }

    private IUnitGrain UnitOf(Caller caller, int year) =>
        cluster.GetGrain<IUnitGrain>(GrainKeys.Unit(caller.Tenant, caller.County!, FillInForms.OwnUnit(caller), year));
}
