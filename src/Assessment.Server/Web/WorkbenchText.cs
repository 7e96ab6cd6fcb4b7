using Assessment.Domain.Workflow;
using Assessment.Grains.Abstractions;

namespace Assessment.Server.Web;

/// <summary>The Chinese names the workbench shows for roles, phases and statuses.</summary>
public static class WorkbenchText
{
    public static string Role(Role role) => role switch
    {
        Grains.Abstractions.Role.Assessor => "考核办",
        Grains.Abstractions.Role.Leader => "领导",
        Grains.Abstractions.Role.TenantAdmin => "租户管理员",
        Grains.Abstractions.Role.County => "县（区）",
        Grains.Abstractions.Role.Unit => "填报单位",
        _ => "平台运维",
    };

    public static string Phase(RoundPhase phase) => WorkflowNames.Phase(phase);

    public static string Status(CountyStatus status) => WorkflowNames.Status(status);

    /// <summary>A CSS class per status, for the coloured badge.</summary>
    public static string StatusClass(CountyStatus status) => "status-" + status.ToString().ToLowerInvariant();

    public static string Number(double value) => value.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture);

    public static string Points(double value) => value.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);
}
