using Assessment.Domain.Workflow;
using Assessment.Grains.Abstractions;

namespace Assessment.Server.Web;

/// <summary>The Chinese names the workbench shows for roles, phases and statuses.</summary>
public static class WorkbenchText
{
    public static string Role(Role role) => Domain.Workflow.RoleNames.Of(role.ToString());

    public static string Phase(RoundPhase phase) => WorkflowNames.Phase(phase);

    public static string Status(CountyStatus status) => WorkflowNames.Status(status);

    /// <summary>A CSS class per status, for the coloured badge.</summary>
    public static string StatusClass(CountyStatus status) => "status-" + status.ToString().ToLowerInvariant();

    public static string Number(double value) => value.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture);

    public static string Points(double value) => value.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);
}
