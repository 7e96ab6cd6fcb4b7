using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Assessment.Domain.Catalog;

namespace Assessment.Domain.Forms;

/// <summary>
/// A fill-in form (填报表): the indicators one submitter reports for a year, in catalog order. Its identity names the
/// form layout, the year, the round's pinned scheme and the indicator list, so a workbook made for another year or
/// scheme, or before the catalog changed, is recognised and refused instead of being read into the wrong places.
/// </summary>
public static class FillInForm
{
    /// <summary>The layout version of generated workbooks; a reader refuses any other.</summary>
    public const string Layout = "assessment-form/1";

    /// <summary>The scheme named in the identity of a year that has no round yet.</summary>
    public const string NoRound = "-";

    /// <summary>The indicators the submitter reports, in catalog order (computed rates may be reported as a percentage).</summary>
    public static IReadOnlyList<Indicator> Rows(IndicatorCatalog catalog, IndicatorSource submitter) =>
        Rows(catalog, submitter, UnitKinds.All);

    /// <summary>The indicators a submitter (a unit of the given kind when it is a unit) reports, in catalog order.</summary>
    public static IReadOnlyList<Indicator> Rows(IndicatorCatalog catalog, IndicatorSource submitter, UnitKinds unitKind) =>
        catalog.AskedOf(submitter, unitKind);

    /// <summary><c>layout|year|scheme|digest of the codes</c>: equal only for the same year, scheme and indicator list.</summary>
    public static string Identity(int year, string? schemeId, IEnumerable<string> codes)
    {
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', codes)));
        return string.Join('|', Layout, year.ToString(CultureInfo.InvariantCulture), string.IsNullOrEmpty(schemeId) ? NoRound : schemeId,
            Convert.ToHexStringLower(digest.AsSpan(0, 6)));
    }

    /// <summary>
    /// Why a workbook with identity <paramref name="sent"/> cannot be read as the form <paramref name="current"/>, in
    /// words for the person who filled it in; null when they are the same form.
    /// </summary>
    public static string? Mismatch(string sent, string current)
    {
        if (string.Equals(sent, current, StringComparison.Ordinal))
        {
            return null;
        }

        var s = sent.Split('|');
        var c = current.Split('|');
        const string Again = "请用 assess template 重新生成填报表后再填。";
        if (s.Length != 4 || s[0] != Layout)
        {
            return "该工作簿不是本平台生成的填报表（或版本过旧）；" + Again;
        }

        if (s[1] != c[1])
        {
            return $"该填报表是 {s[1]} 年度的，本次提交的是 {c[1]} 年度；" + Again;
        }

        if (s[2] != c[2])
        {
            return $"该填报表按评分细则 {Scheme(s[2])} 生成，本年度考核现采用 {Scheme(c[2])}；" + Again;
        }

        return "生成该填报表后指标目录已更新，表中的指标与现行目录不一致；" + Again;
    }

    private static string Scheme(string id) => id == NoRound ? "（尚未定义考核）" : id;
}
