using System.Text;
using System.Text.RegularExpressions;
using Assessment.Domain.Catalog;
using YamlDotNet.RepresentationModel;

namespace Assessment.Domain.Extraction;

/// <summary>One compiled cue of an indicator.</summary>
internal sealed record Cue(string Code, string Text, Regex? Before, Regex? After, int Weight);

/// <summary>Per-indicator extraction settings from the cue file.</summary>
internal sealed record CueIndicator(string Code, IReadOnlyList<string> Units, bool Sum, IReadOnlyList<string> Exclude, IReadOnlyList<string> Context);

/// <summary>The cue phrases of <c>Data/cues.yaml</c>, validated against the catalog and compiled once.</summary>
public sealed class CueBook
{
    private const string Breaks = "，,；;。！？!?：:";

    internal CueBook(IReadOnlyList<Cue> cues, IReadOnlyDictionary<string, CueIndicator> indicators, IReadOnlyList<string> changeWords,
        IReadOnlyList<string> planWords, IReadOnlyList<string> narrowWords, IReadOnlyList<string> townshipOtherEntityWords)
    {
        TownshipOtherEntityWords = townshipOtherEntityWords;
        Cues = cues;
        Indicators = indicators;
        ChangeWords = changeWords;
        PlanWords = planWords;
        NarrowWords = narrowWords;
    }

    internal IReadOnlyList<Cue> Cues { get; }

    internal IReadOnlyDictionary<string, CueIndicator> Indicators { get; }

    internal IReadOnlyList<string> ChangeWords { get; }

    internal IReadOnlyList<string> PlanWords { get; }

    internal IReadOnlyList<string> NarrowWords { get; }

    /// <summary>In a township's report, words naming a figure of the county or of all townships (全县, 各乡镇).</summary>
    internal IReadOnlyList<string> TownshipOtherEntityWords { get; }

    /// <summary>The narrowing words, and for a township's report also the words of the county's or all townships' figures.</summary>
    internal IReadOnlyList<string> NarrowWordsFor(ReportLevel level) => level == ReportLevel.Township ? [.. NarrowWords, .. TownshipOtherEntityWords] : NarrowWords;

    internal static bool IsBreak(char c) => Breaks.Contains(c, StringComparison.Ordinal);

    public static CueBook Default => DefaultBook.Value;

    private static readonly Lazy<CueBook> DefaultBook = new(() => Load(EmbeddedData.Read("cues.yaml"), "cues.yaml", IndicatorCatalog.Default));

    public static CueBook Load(string yaml, string fileName, IndicatorCatalog catalog)
    {
        var r = new YamlReader(fileName);
        var root = r.Parse(yaml);
        if (root is null)
        {
            r.ThrowIfAny();
        }

        var settings = YamlReader.Child(root!, "settings") as YamlMappingNode;
        var gap = (int)(settings is null ? 12 : r.Number(settings, "max_gap", "settings", required: false) ?? 12);
        var lead = (int)(settings is null ? 8 : r.Number(settings, "max_lead", "settings", required: false) ?? 8);
        var cues = new List<Cue>();
        var indicators = new Dictionary<string, CueIndicator>(StringComparer.Ordinal);
        foreach (var (node, path) in r.Items(root!, "indicators", "cues"))
        {
            var code = r.String(node, "code", path);
            if (code is null)
            {
                continue;
            }

            if (!catalog.TryGet(code, out var indicator) || indicator.Kind is IndicatorKind.Flag)
            {
                r.Problem(node, $"{path}.code", $"'{code}' is not a catalog indicator a report can state as a figure");
                continue;
            }

            var units = Strings(r, node, "units", path);
            if (units.Count == 0 || units.Any(u => !NumberParser.Units.Contains(u)))
            {
                r.Problem(node, $"{path}.units", $"units must be from: {string.Join(" ", NumberParser.Units)}");
            }

            indicators[code] = new CueIndicator(code, units, r.Bool(node, "sum", path) ?? false, Strings(r, node, "exclude", path), Strings(r, node, "context", path));
            foreach (var raw in Strings(r, node, "cues", path))
            {
                // Cues are matched against normalized text, so they are normalized the same way (全角 → 半角).
                var text = NormalizedText.From(raw).Text;
                var parts = (text.Contains('#', StringComparison.Ordinal) ? text : text + "#").Split('#');
                if (parts.Length != 2 || parts.All(p => p.Replace("*", "", StringComparison.Ordinal).Length == 0))
                {
                    r.Problem(node, $"{path}.cues", $"'{text}' needs one '#' and some text");
                    continue;
                }

                var before = parts[0].Length == 0 ? null : new Regex("(?:" + Compile(parts[0], gap) + ")" + Filler(lead) + "$", RegexOptions.CultureInvariant);
                var after = parts[1].Length == 0 ? null : new Regex("^" + Compile(parts[1], gap), RegexOptions.CultureInvariant);
                cues.Add(new Cue(code, text, before, after, text.Replace("*", "", StringComparison.Ordinal).Replace("#", "", StringComparison.Ordinal).Length));
            }
        }

        r.ThrowIfAny();
        return new CueBook(cues, indicators,
            settings is null ? [] : Strings(r, settings, "change_words", "settings"),
            settings is null ? [] : Strings(r, settings, "plan_words", "settings"),
            settings is null ? [] : Strings(r, settings, "narrow_words", "settings"),
            settings is null ? [] : Strings(r, settings, "township_other_entity_words", "settings"));
    }

    private static string Filler(int max) => $"[^\\d{Regex.Escape(Breaks)}]{{0,{max}}}";

    private static string Compile(string cue, int gap)
    {
        var sb = new StringBuilder();
        var pieces = cue.Split('*');
        for (var i = 0; i < pieces.Length; i++)
        {
            if (i > 0)
            {
                sb.Append(Filler(gap));
            }

            sb.Append(Regex.Escape(pieces[i]));
        }

        return sb.ToString();
    }

    private static List<string> Strings(YamlReader r, YamlMappingNode node, string key, string path)
    {
        if (YamlReader.Child(node, key) is not YamlSequenceNode seq)
        {
            return [];
        }

        return seq.Children.OfType<YamlScalarNode>().Select(s => s.Value ?? "").Where(s => s.Length > 0).ToList();
    }
}
