using Assessment.Domain.Catalog;

namespace Assessment.Domain.Extraction;

/// <summary>A proposed value for one indicator with the exact phrase of the report that states it.</summary>
public sealed record Proposal(string Code, double Value, string Evidence, int Start, int End, double Confidence, IReadOnlyList<double> Parts)
{
    /// <summary>The context model's score when the model, not a cue, named the figure.</summary>
    public double? ModelScore { get; init; }

    /// <summary>The cue phrase that named the figure (as written in the cue data); null when the model did.</summary>
    public string? Cue { get; init; }

    /// <summary>Below <see cref="ReportExtractor.PrefillConfidence"/>: shown as a suggestion to check, never pre-filled.</summary>
    public bool Suggestion => Confidence < ReportExtractor.PrefillConfidence;
}

/// <summary>What a report yields: proposals in catalog order and warnings for the person confirming them.</summary>
public sealed record ExtractionResult(IReadOnlyList<Proposal> Proposals, IReadOnlyList<string> Warnings)
{
    /// <summary>Who the report was read as written by (given, or found at its start).</summary>
    public ReportLevel Level { get; init; }
}

/// <summary>
/// Reads a 法治政府建设年度报告 and proposes catalog values. Every figure with a measure word is a candidate; a cue of
/// the cue book in the same clause, right before it or right after it, names the indicator; the longest cue wins, and a
/// figure that is a change (同比增长…), a plan (不少于…) or narrower than the whole entity is not taken.
/// </summary>
public sealed class ReportExtractor(IndicatorCatalog catalog, CueBook cues, ContextModel? model = null, CueReliability? reliability = null)
{
    /// <summary>A figure named by a cue (<see cref="Score"/> 0) or, failing any cue, by the learned context model.</summary>
    private sealed record Candidate(string Code, NumberToken Token, int RegionStart, int RegionEnd, int Weight, double Value, double Score = 0, string? Cue = null);

    /// <summary>What each cue's proposals are worth: without a record, every cue proposal is a suggestion.</summary>
    private readonly CueReliability _reliability = reliability ?? CueReliability.Prior;

    public static ReportExtractor Default { get; } = new(IndicatorCatalog.Default, CueBook.Default, ContextModel.Default, CueReliability.Default);

    /// <summary>Proposals below this confidence are suggestions to check, never pre-filled into a submission.</summary>
    public const double PrefillConfidence = 0.8;

    /// <summary>The same cue book with another context model (null: cues only), for training and cross-validation.</summary>
    public ReportExtractor WithModel(ContextModel? other) => new(catalog, cues, other, _reliability);

    /// <summary>The same cue book and model with another record of the cues' reliability (cross-validation, training).</summary>
    public ReportExtractor WithReliability(CueReliability? other) => new(catalog, cues, model, other);

    /// <summary>Figures examined in one report; a real report states a few hundred (a longer list is not a report).</summary>
    public const int MaxFigures = 3_000;

    /// <summary>How far a clause or sentence reaches from a figure; real clauses are far shorter.</summary>
    private const int ClauseReach = 80;
    private const int SentenceReach = 240;

    /// <remarks>
    /// Linear in the text: clause and sentence bounds are found once for the whole text, a figure only looks at a
    /// bounded window around it, and at most <see cref="MaxFigures"/> figures are examined, so no text (80,000 digits,
    /// one endless sentence, a cue repeated to the end) can hold a request for long.
    /// </remarks>
    /// <param name="report">The report's text as read from its file.</param>
    /// <param name="level">Who wrote the report when the caller knows it (a unit's kind); otherwise read from its start.</param>
    public ExtractionResult Extract(string report, ReportLevel? level = null)
    {
        var text = NormalizedText.From(report);
        var s = text.Text;
        var readAs = level ?? ReportLevels.Detect(s);
        var narrowWords = cues.NarrowWordsFor(readAs);
        var bounds = new Bounds(s);
        var candidates = new List<Candidate>();
        var tokens = NumberParser.Find(s, MaxFigures + 1);
        var warnings = new List<string>();
        if (tokens.Count > MaxFigures)
        {
            warnings.Add($"报告中的数字超过 {MaxFigures} 个，只分析了前 {MaxFigures} 个。");
            tokens = tokens.Take(MaxFigures).ToList();
        }

        foreach (var token in tokens)
        {
            var clauseStart = Math.Max(bounds.ClauseStart[token.Start], token.Start - ClauseReach);
            var clauseEnd = Math.Min(bounds.ClauseEnd(token.End), token.End + ClauseReach);
            var sentenceStart = Math.Max(bounds.SentenceStart[clauseStart], token.Start - SentenceReach);
            var sentenceEnd = Math.Min(bounds.SentenceEnd(clauseEnd), token.End + SentenceReach);

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
                if (narrowWords.Concat(settings.Exclude).Any(w => clause.Contains(w, StringComparison.Ordinal) && !cue.Text.Contains(w, StringComparison.Ordinal)))
                {
                    continue;
                }

                found.Add(new Candidate(cue.Code, token, regionStart, regionEnd, cue.Weight, Convert(catalog[cue.Code], token), Cue: cue.Text));
            }

            if (found.Count == 0 && model?.Classify(ContextModel.Features(s, token), token.Unit) is var (code, score)
                && !narrowWords.Any(w => clause.Contains(w, StringComparison.Ordinal))
                && (!cues.Indicators.TryGetValue(code, out var own)
                    || (!own.Exclude.Any(w => clause.Contains(w, StringComparison.Ordinal))
                        && (own.Context.Count == 0 || own.Context.Any(w => sentence.Contains(w, StringComparison.Ordinal))))))
            {
                candidates.Add(new Candidate(code, token, clauseStart, token.End, 0, Convert(catalog[code], token), score));
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
        foreach (var all in candidates.GroupBy(c => c.Code))
        {
            // A cue outranks the model: the model speaks only for indicators no cue found in this report.
            var learned = all.All(c => c.Weight == 0);
            if (learned)
            {
                var pick = all.MaxBy(c => c.Score)!;
                var (from, to) = text.Original(pick.RegionStart, pick.RegionEnd);
                proposals.Add(new Proposal(all.Key, pick.Value, report[from..to], from, to, ModelConfidence(pick.Score), []) { ModelScore = pick.Score });
                continue;
            }

            var group = all.Where(c => c.Weight > 0).ToList();
            var settings = cues.Indicators[all.Key];
            // One figure per indicator: the most specific cue; among equals, for counts and amounts the largest
            // (a report names the entity's total and, elsewhere, smaller figures of single activities), for rates the
            // first. A summing indicator adds the figures of the chosen figure's sentence.
            var isRate = catalog[all.Key].Kind == IndicatorKind.Rate;
            var first = group
                .OrderByDescending(c => c.Weight)
                .ThenByDescending(c => isRate ? 0 : c.Value)
                .ThenBy(c => c.Token.Start)
                .First();
            var chosen = settings.Sum
                ? group.Where(c => bounds.Sentence(first.Token.Start) == bounds.Sentence(c.Token.Start)).OrderBy(c => c.Token.Start).ToList()
                : [first];
            var start = chosen.Min(c => c.RegionStart);
            var end = chosen.Max(c => c.RegionEnd);
            var (originalStart, originalEnd) = text.Original(start, end);
            proposals.Add(new Proposal(all.Key, chosen.Sum(c => c.Value), report[originalStart..originalEnd], originalStart, originalEnd,
                _reliability.Confidence(all.Key, first.Cue!), chosen.Count > 1 ? chosen.Select(c => c.Value).ToArray() : [])
            { Cue = first.Cue });
        }

        var ordered = catalog.Indicators.Select(i => proposals.Find(p => p.Code == i.Code)).OfType<Proposal>().ToList();
        return new ExtractionResult(ordered, [.. warnings, .. RateWarnings(ordered)]) { Level = readAs };
    }

    /// <summary>A learned proposal is a suggestion to check unless its score clears the threshold by far.</summary>
    private double ModelConfidence(double score) =>
        Math.Round(Math.Min(0.9, 0.5 + (0.3 * (score - model!.Threshold) / Math.Max(1, model.Threshold))), 2);

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

    /// <summary>Clause and sentence bounds of a text, computed once in one pass each way.</summary>
    private sealed class Bounds
    {
        private readonly int[] _clauseEnd;
        private readonly int[] _sentenceEnd;
        private readonly int[] _sentence;

        public Bounds(string s)
        {
            ClauseStart = new int[s.Length + 1];
            SentenceStart = new int[s.Length + 1];
            _sentence = new int[s.Length + 1];
            for (int i = 1, clause = 0, sentence = 0, id = 0; i <= s.Length; i++)
            {
                if (CueBook.IsBreak(s[i - 1]))
                {
                    clause = i;
                }

                if (SentenceEnds.Contains(s[i - 1]))
                {
                    sentence = i;
                    id++;
                }

                ClauseStart[i] = clause;
                SentenceStart[i] = sentence;
                _sentence[i] = id;
            }

            _clauseEnd = new int[s.Length + 1];
            _sentenceEnd = new int[s.Length + 1];
            for (int i = s.Length, clause = s.Length, sentence = s.Length; i >= 0; i--)
            {
                if (i < s.Length && CueBook.IsBreak(s[i]))
                {
                    clause = i;
                }

                if (i < s.Length && SentenceEnds.Contains(s[i]))
                {
                    sentence = i;
                }

                _clauseEnd[i] = clause;
                _sentenceEnd[i] = sentence;
            }
        }

        /// <summary>Where the clause holding position i starts (after the last break before i).</summary>
        public int[] ClauseStart { get; }

        public int[] SentenceStart { get; }

        /// <summary>Where the clause holding position i ends (at the next break from i on).</summary>
        public int ClauseEnd(int i) => _clauseEnd[i];

        public int SentenceEnd(int i) => _sentenceEnd[i];

        /// <summary>The sentence a position belongs to, as a number.</summary>
        public int Sentence(int i) => _sentence[i];
    }

    private List<string> RateWarnings(List<Proposal> proposals)
    {
        var values = proposals.ToDictionary(p => p.Code, p => p.Value, StringComparer.Ordinal);
        return Validation.ConsistencyWarnings.Check(catalog, values).Select(w => w.Message).ToList();
    }
}
