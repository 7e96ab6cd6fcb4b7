using System.Globalization;
using System.Text.RegularExpressions;

namespace Assessment.Domain.Extraction;

/// <summary>A figure found in a report: where it is, its value as written (万/亿 applied, hedges dropped) and its unit.</summary>
public sealed record NumberToken(int Start, int End, double Value, string Unit, double Multiplier, bool Hedged);

/// <summary>
/// Finds figures in normalized report text: Arabic or Chinese numerals (两次, 十二件, 一百二十人), decimals, 万/亿
/// multipliers (8.5万余份 → 85000), hedges (余, 近, 约, 以上, 多) and the measure word or unit that follows.
/// </summary>
public static partial class NumberParser
{
    private const string ChineseNumerals = "零〇一二两三四五六七八九十百千";

    /// <summary>Measure words and units a figure may carry, longest first so 人次 wins over 人.</summary>
    public static readonly string[] Units =
    [
        "万元", "亿元", "人次", "场次", "余次", "学时", "小时", "%", "‰",
        "件", "起", "次", "场", "人", "名", "个", "家", "项", "份", "本", "条", "篇", "期", "批", "所", "户", "元", "节", "天", "部", "册", "套", "张", "卷",
    ];

    [GeneratedRegex(@"(?<lead>近|约|超过|逾)?(?<num>(?>\d{1,15})(?:\.(?>\d{1,6}))?|(?>[零〇一二两三四五六七八九十百千]{1,12}))(?<mult>万|亿)?(?<tail>余|多|以上|左右)?(?<unit>万元|亿元|人次|场次|学时|小时|%|‰|件|起|次|场|人|名|个|家|项|份|本|条|篇|期|批|所|户|元|节|天|部|册|套|张|卷)", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    /// <summary>
    /// Figures with a unit, in text order, at most <paramref name="max"/>. The numeral runs the pattern accepts are
    /// bounded (15 digits, 12 Chinese numerals), so no run of digits makes the search quadratic; a match that starts
    /// inside a longer run is not a figure. The runs are atomic: no unit is itself a numeral, so giving characters back
    /// could never find another figure, and not trying keeps a text of numerals fast.
    /// </summary>
    public static IReadOnlyList<NumberToken> Find(string text, int max = int.MaxValue)
    {
        var tokens = new List<NumberToken>();
        for (var m = Pattern().Match(text); m.Success && tokens.Count < max; m = m.NextMatch())
        {
            var raw = m.Groups["num"].Value;
            var at = m.Groups["num"].Index;
            if (at > 0 && (char.IsAsciiDigit(text[at - 1]) || text[at - 1] == '.' || (!char.IsAsciiDigit(raw[0]) && ChineseNumerals.Contains(text[at - 1]))))
            {
                continue;
            }

            var value = char.IsAsciiDigit(raw[0]) ? double.Parse(raw, CultureInfo.InvariantCulture) : Chinese(raw);
            if (value is null)
            {
                continue;
            }

            // A lone 一 is nearly always part of a word (一件事, 一次性, 一站式), and 第三批 is an ordinal, not a count.
            if (!char.IsAsciiDigit(raw[0]) && (raw == "一" || (m.Index > 0 && "第每这那某".Contains(text[m.Index - 1], StringComparison.Ordinal))))
            {
                continue;
            }

            var unit = m.Groups["unit"].Value;
            var mult = m.Groups["mult"].Value;
            if (unit == "元" && mult.Length > 0)
            {
                // 600万余元 is an amount in 万元 (600), as the catalog's amounts are kept.
                unit = mult + "元";
                mult = "";
            }

            var multiplier = mult switch { "万" => 10_000d, "亿" => 100_000_000d, _ => 1d };
            var start = m.Groups["lead"].Success ? m.Groups["lead"].Index : m.Groups["num"].Index;
            tokens.Add(new NumberToken(start, m.Index + m.Length, value.Value * multiplier, unit, multiplier,
                m.Groups["lead"].Success || m.Groups["tail"].Success));
        }

        return tokens;
    }

    /// <summary>Parses a Chinese numeral such as 两, 十二, 二十五, 一百二十, 三千零五.</summary>
    public static double? Chinese(string s)
    {
        static int Digit(char c) => "零〇一二两三四五六七八九".IndexOf(c) switch
        {
            0 or 1 => 0,
            2 => 1,
            3 or 4 => 2,
            var i and > 4 => i - 2,
            _ => -1,
        };

        double total = 0, current = 0;
        foreach (var c in s)
        {
            var unit = c switch { '十' => 10, '百' => 100, '千' => 1000, _ => 0 };
            if (unit > 0)
            {
                total += (current == 0 ? 1 : current) * unit;
                current = 0;
                continue;
            }

            var d = Digit(c);
            if (d < 0)
            {
                return null;
            }

            current = (current * 10) + d;
        }

        return total + current;
    }
}
