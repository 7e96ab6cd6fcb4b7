using System.Text.RegularExpressions;

namespace Assessment.Domain.Extraction;

/// <summary>Who wrote a report: the level decides which figures are another entity's (全县 in a township's report).</summary>
public enum ReportLevel
{
    /// <summary>A county, district or county-level city (or not known).</summary>
    County,

    /// <summary>A county department (县直部门).</summary>
    Department,

    /// <summary>A township, town or 街道 (乡镇).</summary>
    Township,
}

/// <summary>Tells a township's report from the others by how it names itself at its start.</summary>
public static partial class ReportLevels
{
    /// <summary>How far into a report its author is looked for (title, or the subject of the first sentence).</summary>
    private const int Reach = 300;

    /// <summary>
    /// A township names itself as the subject near its start: 三都镇2025年…, 宁安镇始终坚持…, 礼让街街道办事处在…,
    /// 长寿镇党委、政府…. A county's report speaks of its townships only in the plural (各乡镇, 乡镇(街道)).
    /// </summary>
    public static ReportLevel Detect(string normalizedText)
    {
        var head = normalizedText.AsSpan(0, Math.Min(Reach, normalizedText.Length)).ToString();
        foreach (Match m in TownshipSubject().Matches(head))
        {
            var name = m.Groups["name"].Value;
            if (!name.Contains('各') && !name.Contains('乡') && !name.Contains('镇') && !name.Contains('全') && !name.EndsWith('县') && !name.EndsWith('区'))
            {
                return ReportLevel.Township;
            }
        }

        return DepartmentSubject().IsMatch(head) ? ReportLevel.Department : ReportLevel.County;
    }

    [GeneratedRegex(@"(?<name>[\u4E00-\u9FFF]{1,6}?)(?:镇|乡|街道)(?:党委|人民政府|政府|办事处)?(?:[、,]?政府)?(?:20\d\d|坚持|始终|深入|在|以来|紧紧|认真|全面|围绕|法治政府|关于)", RegexOptions.CultureInvariant)]
    private static partial Regex TownshipSubject();

    [GeneratedRegex(@"[\u4E00-\u9FFF]{2,12}(?:局|办公室|委员会)(?:20\d\d|坚持|始终|深入|在|以来|紧紧|认真|全面|围绕|根据|法治政府|关于)", RegexOptions.CultureInvariant)]
    private static partial Regex DepartmentSubject();
}
