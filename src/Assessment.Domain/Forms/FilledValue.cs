using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Assessment.Domain.Catalog;

namespace Assessment.Domain.Forms;

/// <summary>What a filled-in cell says about an indicator: nothing (left blank), a value, "not reported", or a problem.</summary>
public readonly partial record struct FilledValue(FilledValueKind Kind, double Value = 0, string? Problem = null)
{
    public static readonly FilledValue Blank = new(FilledValueKind.Blank);
    public static readonly FilledValue NotReported = new(FilledValueKind.NotReported);

    public static FilledValue Of(double value) => new(FilledValueKind.Value, value);

    public static FilledValue Refuse(string problem) => new(FilledValueKind.Problem, Problem: problem);

    /// <summary>Measure words people write after a count (12人, 3场); the number means the same with or without them.</summary>
    public static readonly IReadOnlySet<char> CountWords = new HashSet<char>("人名次件场个项家所期份条篇户起宗批");

    /// <summary>Words that mark a value as explicitly not reported (clears an earlier value).</summary>
    public static readonly IReadOnlySet<string> NotReportedWords = new HashSet<string>(StringComparer.Ordinal) { "未填报", "~" };

    /// <summary>
    /// Reads what a person typed into a cell as the value of <paramref name="indicator"/>. Full-width digits and signs
    /// (１２３，８５％) are read as their ASCII forms; thousands separators, a trailing % on rates, a trailing unit
    /// equal to the indicator's own (3.5万元) and a measure word after a count (12人, 3场) are accepted; 是/否 answer flags. Anything else is refused with a
    /// sentence saying what was found and what is expected — a guess would put a wrong figure into the assessment.
    /// </summary>
    public static FilledValue Parse(string? text, Indicator indicator)
    {
        var t = Normalize(text);
        if (t.Length == 0)
        {
            return Blank;
        }

        if (NotReportedWords.Contains(t))
        {
            return NotReported;
        }

        if (indicator.Kind == IndicatorKind.Flag)
        {
            return t switch
            {
                "是" or "1" => Of(1),
                "否" or "0" => Of(0),
                _ => Refuse($"“{Clip(t)}”不是是/否：请选择“是”或“否”"),
            };
        }

        var number = t;
        if (indicator.Kind is IndicatorKind.Rate or IndicatorKind.Score && number.EndsWith('%'))
        {
            number = number[..^1].TrimEnd();
        }
        else if (indicator.Unit is { Length: > 0 } unit && number.EndsWith(unit, StringComparison.Ordinal))
        {
            number = number[..^unit.Length].TrimEnd();
        }
        else if (indicator.Kind is IndicatorKind.Count or IndicatorKind.Event && number.Length > 1 && CountWords.Contains(number[^1]))
        {
            number = number[..^1].TrimEnd();
        }

        if (ThousandsSeparated().IsMatch(number))
        {
            number = number.Replace(",", "", StringComparison.Ordinal);
        }

        return PlainNumber().IsMatch(number) && double.TryParse(number, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
            ? Of(value == 0 ? 0 : value)
            : Refuse($"“{Clip(t)}”不是数字：请只填写数字{(indicator.Unit is { Length: > 0 } u ? $"（计量单位为{u}）" : "")}");
    }

    /// <summary>NFKC (full-width digits, ％, ，, ．) and trimmed of every kind of space.</summary>
    public static string Normalize(string? text) =>
        string.IsNullOrEmpty(text) ? "" : text.Normalize(NormalizationForm.FormKC).Trim().Trim('\u00A0', '\u3000', '\u200B', '\uFEFF').Trim();

    private static string Clip(string text) => text.Length <= 20 ? text : text[..20] + "…";

    [GeneratedRegex(@"\A-?\d{1,3}(,\d{3})+(\.\d+)?\z", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex ThousandsSeparated();

    [GeneratedRegex(@"\A-?\d{1,15}(\.\d{1,10})?\z", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex PlainNumber();
}

public enum FilledValueKind
{
    /// <summary>The cell is empty: this sheet says nothing about the indicator, its stored value stays.</summary>
    Blank,
    Value,
    /// <summary>未填报: explicitly not reported; clears an earlier value.</summary>
    NotReported,
    Problem,
}
