namespace Assessment.Domain.Workflow;

/// <summary>
/// What a person reads for a round's phase and a county's status, in the web workbench, the CLI and the audit trail
/// alike: one wording, looked up by value or by name (the protos' lower-case names and the chain's stored ones).
/// </summary>
public static class WorkflowNames
{
    public static string Phase(RoundPhase phase) => phase switch
    {
        RoundPhase.Draft => "准备中",
        RoundPhase.Open => "填报中",
        RoundPhase.Closed => "已截止，审核中",
        _ => "已发布",
    };

    public static string Status(CountyStatus status) => status switch
    {
        CountyStatus.Collecting => "填报中",
        CountyStatus.Submitted => "已上报",
        CountyStatus.Returned => "已退回",
        CountyStatus.Reviewed => "审核通过",
        _ => "已发布",
    };

    /// <summary>A phase or status by its name ("Open", "collecting"), or null when the text names neither.</summary>
    public static string? Named(string text)
    {
        if (text.Length == 0 || char.IsDigit(text[0]))
        {
            return null;
        }

        return Enum.TryParse<CountyStatus>(text, ignoreCase: true, out var status) ? Status(status)
            : Enum.TryParse<RoundPhase>(text, ignoreCase: true, out var phase) ? Phase(phase)
            : null;
    }
}
