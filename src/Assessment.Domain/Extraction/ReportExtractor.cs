using Assessment.Domain.Catalog;

namespace Assessment.Domain.Extraction;

/// <summary>A proposed value for one indicator with the exact phrase of the report that states it.</summary>
public sealed record Proposal(string Code, double Value, string Evidence, int Start, int End, double Confidence, IReadOnlyList<double> Parts);

/// <summary>What a report yields: proposals in catalog order and warnings for the person confirming them.</summary>
public sealed record ExtractionResult(IReadOnlyList<Proposal> Proposals, IReadOnlyList<string> Warnings);

/// <summary>
/// Reads a 法治政府建设年度报告 and proposes catalog values. Every figure with a measure word is a candidate; a cue of
/// the cue book in the same clause, right before it or right after it, names the indicator; the longest cue wins, and a
/// figure that is a change (同比增长…), a plan (不少于…) or narrower than the whole entity is not taken.
/// </summary>
public sealed class ReportExtractor(IndicatorCatalog catalog, CueBook cues)
{
    private sealed record Candidate(string Code, NumberToken Token, int RegionStart, int RegionEnd, int Weight, double Value);

    public static ReportExtractor Default { get; } = new(IndicatorCatalog.Default, CueBook.Default);

    public ExtractionResult Extract(string report)
    {
        var text = NormalizedText.From(report);
        var s = text.Text;
        var candidates = new List<Candidate>();
        foreach (var token in NumberParser.Find(s))
        {
            var clauseStart = token.Start;
            while (clauseStart > 0 && !CueBook.IsBreak(s[clauseStart - 1]))
            {
                clauseStart--;
            }

            var clauseEnd = token.End;
            while (clauseEnd < s.Length && !CueBook.IsBreak(s[clauseEnd]))
            {
                clauseEnd++;
            }

            var sentenceStart = clauseStart;
            while (sentenceStart > 0 && !IsSentenceEnd(s[sentenceStart - 1]))
            {
                sentenceStart--;
            }

            var sentenceEnd = clauseEnd;
            while (sentenceEnd < s.Length && !IsSentenceEnd(s[sentenceEnd]))
            {
                sentenceEnd++;
            }

            var sentence = s[sentenceStart..sentenceEnd];
            var before = s[clauseStart..token.Start];
            var after = s[token.End..clauseEnd];
            var clause = s[clauseStart..clauseEnd];
            if (cues.PlanWords.Any(w => clause.Contains(w, StringComparison.Ordinal))
                || cues.ChangeWords.Any(w => before[Math.Max(0, before.Length - 6)..].Contains(w, StringComparison.Ordinal)))
            {
                continue;
            }

            var found = new List<Candidate>();
            foreach (var cue in cues.Cues)
            {
                var settings = cues.Indicators[cue.Code];
                if (!settings.Units.Contains(token.Unit)
                    || (settings.Context.Count > 0 && !settings.Context.Any(w => sentence.Contains(w, StringComparison.Ordinal))))
                {
                    continue;
                }

                var regionStart = token.Start;
                var regionEnd = token.End;
                if (cue.Before is not null)
                {
                    var m = cue.Before.Match(before);
                    if (!m.Success)
                    {
                        continue;
                    }

                    regionStart = clauseStart + m.Index;
                }

                if (cue.After is not null)
                {
                    var m = cue.After.Match(after);
                    if (!m.Success)
                    {
                        continue;
                    }

                    regionEnd = token.End + m.Length;
                }

                // Narrowing words in the clause (《某法》, 专项整治, 其中, 等活动) make the figure narrower than the entity-wide
                // indicator unless the cue itself names them; an indicator's own exclusions work the same way (学法 makes
                // 法治讲座 a study figure, 专职 makes 调解员 a subset).
                if (cues.NarrowWords.Concat(settings.Exclude).Any(w => clause.Contains(w, StringComparison.Ordinal) && !cue.Text.Contains(w, StringComparison.Ordinal)))
                {
                    continue;
                }

                found.Add(new Candidate(cue.Code, token, regionStart, regionEnd, cue.Weight, Convert(catalog[cue.Code], token)));
            }

            if (found.Count > 0)
            {
                // The most specific cue names the figure; equally specific cues of different indicators all take it
                // (发现并纠正问题22个: found and rectified).
                var best = found.Max(c => c.Weight);
                candidates.AddRange(found.Where(c => c.Weight == best).GroupBy(c => c.Code).Select(g => g.First()));
            }
        }

        var proposals = new List<Proposal>();
        foreach (var group in candidates.GroupBy(c => c.Code))
        {
            var settings = cues.Indicators[group.Key];
            // One figure per indicator: the most specific cue; among equals, for counts and amounts the largest
            // (a report names the entity's total and, elsewhere, smaller figures of single activities), for rates the
            // first. A summing indicator adds the figures of the chosen figure's sentence.
            var isRate = catalog[group.Key].Kind == IndicatorKind.Rate;
            var first = group
                .OrderByDescending(c => c.Weight)
                .ThenByDescending(c => isRate ? 0 : c.Value)
                .ThenBy(c => c.Token.Start)
                .First();
            var chosen = settings.Sum
                ? group.Where(c => SameSentence(s, first.Token.Start, c.Token.Start)).OrderBy(c => c.Token.Start).ToList()
                : [first];
            var start = chosen.Min(c => c.RegionStart);
            var end = chosen.Max(c => c.RegionEnd);
            var (originalStart, originalEnd) = text.Original(start, end);
            var confidence = Math.Min(0.99, 0.6 + (0.05 * first.Weight)) * (first.Token.Hedged ? 0.95 : 1);
            proposals.Add(new Proposal(group.Key, chosen.Sum(c => c.Value), report[originalStart..originalEnd], originalStart, originalEnd,
                Math.Round(confidence, 2), chosen.Count > 1 ? chosen.Select(c => c.Value).ToArray() : []));
        }

        var ordered = catalog.Indicators.Select(i => proposals.Find(p => p.Code == i.Code)).OfType<Proposal>().ToList();
        return new ExtractionResult(ordered, RateWarnings(ordered));
    }

    private static double Convert(Indicator indicator, NumberToken token)
    {
        if (indicator.Unit == "万元")
        {
            return token.Unit switch
            {
                "万元" => token.Value,
                "亿元" => token.Value * 10_000,
                _ => token.Value / 10_000, // 元, with 万/亿 already applied (600万余元 → 6,000,000 元 → 600 万元)
            };
        }

        return token.Value;
    }

    private static readonly System.Buffers.SearchValues<char> SentenceEnds = System.Buffers.SearchValues.Create("。；;！？!?");

    private static bool IsSentenceEnd(char c) => SentenceEnds.Contains(c);

    private static bool SameSentence(string s, int a, int b)
    {
        var (from, to) = a < b ? (a, b) : (b, a);
        return s.AsSpan(from, to - from).IndexOfAny(SentenceEnds) < 0;
    }

    private List<string> RateWarnings(List<Proposal> proposals)
    {
        var values = proposals.ToDictionary(p => p.Code, p => p.Value, StringComparer.Ordinal);
        return Validation.ConsistencyWarnings.Check(catalog, values).Select(w => w.Message).ToList();
    }
}
