using Assessment.Domain.Catalog;
using static Assessment.Domain.Extraction.Wording;

namespace Assessment.Domain.Extraction;

/// <summary>
/// Reads a 法治政府建设年度报告 and proposes catalog values. Every figure with a measure word is a candidate for the
/// indicators whose measure words it carries when a cue of the cue book names it (in the same clause, right before or
/// after it) or when the words around it share the indicator's vocabulary (its name, its cues); figures that are a
/// change (同比增长…), a plan (不少于…) or narrower than the whole entity are not candidates. The learned
/// <see cref="ProposalModel"/> scores every candidate from its features — the cue and its length among them, not as the
/// decision — and the best-scored figure of each indicator is proposed, with the model's calibrated confidence.
/// </summary>
public sealed class ReportExtractor(IndicatorCatalog catalog, CueBook cues, ProposalModel? model = null)
{
    private readonly ProposalModel _model = model ?? ProposalModel.Untrained;

    /// <summary>The shipped cue book and model (read on first use, so a training run never depends on the file it replaces).</summary>
    public static ReportExtractor Default => DefaultExtractor.Value;

    private static readonly Lazy<ReportExtractor> DefaultExtractor = new(() => new(IndicatorCatalog.Default, CueBook.Default, ProposalModel.Default));

    /// <summary>The same cue book with another model (null: untrained), for training and cross-validation.</summary>
    public ReportExtractor WithModel(ProposalModel? other) => new(catalog, cues, other);

    /// <summary>The pre-fill confidence of this extractor's model: proposals below it are suggestions to check.</summary>
    public double PrefillConfidence => _model.Prefill;

    /// <summary>Figures examined in one report; a real report states a few hundred (a longer list is not a report).</summary>
    public const int MaxFigures = 3_000;

    /// <summary>How far a clause or sentence reaches from a figure; real clauses are far shorter.</summary>
    private const int ClauseReach = 80;
    private const int SentenceReach = 240;

    /// <summary>How many characters before a figure (within its clause) and after it are read as its wording.</summary>
    internal const int BeforeReach = 12, AfterReach = 6;

    /// <summary>A figure no cue names is a candidate when at least this many character pairs of its wording are the indicator's.</summary>
    private const int LexicalOverlap = 1;

    /// <summary>At most this many indicators take a figure no cue names (bounds the work a report of figures can cause).</summary>
    private const int LexicalPerFigure = 5;

    /// <summary>A candidate only the wording proposes is shown at all from this confidence on.</summary>
    private const double LexicalFloor = 0.5;

    private Dictionary<string, string[]>? _lexicon;
    private Dictionary<string, Cue[]>? _cuesByUnit;

    /// <remarks>
    /// Linear in the text: clause and sentence bounds are found once for the whole text, a figure only looks at a
    /// bounded window around it, and at most <see cref="MaxFigures"/> figures are examined, so no text (80,000 digits,
    /// one endless sentence, a cue repeated to the end) can hold a request for long.
    /// </remarks>
    /// <param name="report">The report's text as read from its file.</param>
    /// <param name="level">Who wrote the report when the caller knows it (a unit's kind); otherwise read from its start.</param>
    /// <param name="tenant">The tenant's catalog: its own indicators (codes the cue book does not know) are suggested from
    /// the wording their name and 填报口径 share with a figure's, never pre-filled.</param>
    public ExtractionResult Extract(string report, ReportLevel? level = null, IndicatorCatalog? tenant = null)
    {
        var read = Read(report, level, tenant);
        var proposals = new List<Proposal>();
        foreach (var chosen in Choose(read, _model.Score))
        {
            var confidence = _model.Confidence(chosen.Score);
            // A figure only the wording names is shown when the model is fairly sure of it; for the tenant's own
            // indicators, which the model has never seen, the wording of their name and 填报口径 is all there is: shown
            // as a suggestion to check, whatever the score.
            var owned = !cues.Indicators.ContainsKey(chosen.Code);
            if (chosen.Cue is null && !owned && (confidence < LexicalFloor || !_model.IsTrained(chosen.Code)))
            {
                continue;
            }

            var (from, to) = read.Text.Original(chosen.RegionStart, chosen.RegionEnd);
            proposals.Add(new Proposal(chosen.Code, chosen.Value, report[from..to], from, to, confidence, chosen.Parts)
            {
                Score = chosen.Score,
                Cue = chosen.Cue,
                Suggestion = !_model.Prefills(chosen.Code, confidence),
            });
        }

        var order = catalog.Indicators.Concat(tenant?.Indicators.Where(i => !catalog.TryGet(i.Code, out _)) ?? []);
        var ordered = order.Select(i => proposals.Find(p => p.Code == i.Code)).OfType<Proposal>().ToList();
        return new ExtractionResult(ordered, [.. read.Warnings, .. RateWarnings(ordered.Where(p => catalog.TryGet(p.Code, out _)).ToList())]) { Level = read.Level };
    }

    /// <summary>Every candidate of a report with its features: what the model is trained on and scores.</summary>
    internal ReadReport Read(string report, ReportLevel? level = null, IndicatorCatalog? tenant = null)
    {
        var own = OwnIndicators(tenant);
        var text = NormalizedText.From(report);
        var s = text.Text;
        var readAs = level ?? ReportLevels.Detect(s);
        var narrowWords = cues.NarrowWordsFor(readAs);
        var bounds = new TextBounds(s);
        var candidates = new List<FigureCandidate>();
        var tokens = NumberParser.Find(s, MaxFigures + 1);
        var warnings = new List<string>();
        if (tokens.Count > MaxFigures)
        {
            warnings.Add($"报告中的数字超过 {MaxFigures} 个，只分析了前 {MaxFigures} 个。");
            tokens = tokens.Take(MaxFigures).ToList();
        }

        var lexicon = _lexicon ??= Lexicon();
        var levelFeature = "lv:" + readAs;

        // Feature names repeat across a report's candidates: each is made once per report.
        var names = new Dictionary<(string, string, string), string>();
        string Feature(string prefix, string a, string b = "") =>
            names.TryGetValue((prefix, a, b), out var name) ? name : names[(prefix, a, b)] = b.Length == 0 ? prefix + a : prefix + a + "|" + b;
        // Reused for every figure; pair features ("b:学法") made once per report.
        var found = new Dictionary<string, FigureCandidate>(StringComparer.Ordinal);
        var shares = new Dictionary<string, int>(StringComparer.Ordinal);
        var ownShares = new Dictionary<(Indicator Indicator, string[] Units), int>();
        var pairNames = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var token in tokens)
        {
            var firstOfToken = candidates.Count;
            var clauseStart = Math.Max(bounds.ClauseStart[token.Start], token.Start - ClauseReach);
            var clauseEnd = Math.Min(bounds.ClauseEnd(token.End), token.End + ClauseReach);
            var sentenceStart = Math.Max(bounds.SentenceStart[clauseStart], token.Start - SentenceReach);
            var sentenceEnd = Math.Min(bounds.SentenceEnd(clauseEnd), token.End + SentenceReach);

            var sentence = s.AsSpan(sentenceStart, sentenceEnd - sentenceStart);
            var before = s[clauseStart..token.Start];
            var after = s[token.End..clauseEnd];
            var clause = s[clauseStart..clauseEnd];
            if (cues.PlanWords.Any(w => clause.Contains(w, StringComparison.Ordinal))
                || cues.ChangeWords.Any(w => before[Math.Max(0, before.Length - 6)..].Contains(w, StringComparison.Ordinal)))
            {
                continue;
            }

            // The narrowing words this clause holds, looked for once per figure (a clause rarely holds any).
            var narrowing = narrowWords.Any(w => clause.Contains(w, StringComparison.Ordinal))
                ? narrowWords.Where(w => clause.Contains(w, StringComparison.Ordinal)).ToArray()
                : [];

            // The strongest cue of each indicator that names this figure: only cues whose indicator takes its unit.
            found.Clear();
            foreach (var cue in (_cuesByUnit ??= CuesByUnit()).GetValueOrDefault(token.Unit) ?? [])
            {
                var settings = cues.Indicators[cue.Code];
                if (!HasContext(settings, sentence))
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
                if (narrowing.Any(w => !cue.Text.Contains(w, StringComparison.Ordinal))
                    || settings.Exclude.Any(w => clause.Contains(w, StringComparison.Ordinal) && !cue.Text.Contains(w, StringComparison.Ordinal)))
                {
                    continue;
                }

                if (!found.TryGetValue(cue.Code, out var held) || held.CueWeight < cue.Weight)
                {
                    found[cue.Code] = new FigureCandidate(cue.Code, token, regionStart, regionEnd, Convert(catalog[cue.Code], token), cue.Weight, cue.Text, bounds.Sentence(token.Start))
                    {
                        IsRate = catalog[cue.Code].Kind == IndicatorKind.Rate,
                    };
                }
            }

            var wording = new List<string>();
            var wordingStart = WordingStart(s, token);
            Pairs(s.AsSpan(wordingStart, token.Start - wordingStart), 'b', wording, pairNames);
            Pairs(s.AsSpan(token.End, WordingEnd(s, token) - token.End), 'a', wording, pairNames);
            var strongest = found.Count == 0 ? 0 : found.Values.Max(c => c.CueWeight);
            foreach (var candidate in found.Values)
            {
                candidate.Features.Add("cue");
                candidate.Features.Add(Feature("cw:", Bucket(candidate.CueWeight, 2, 3, 5, 7, 10)));
                candidate.Features.Add(Feature("cue:", candidate.Code, candidate.Cue!));
                candidate.Features.Add(candidate.CueWeight == strongest ? (found.Values.Count(c => c.CueWeight == strongest) > 1 ? "shared" : "strongest") : "weaker");
                candidate.Features.Add(Feature("gap:", Bucket(token.Start - candidate.RegionStart, 2, 5, 9, 15)));
                candidates.Add(candidate);
            }

            // A figure no cue names: a candidate of the few indicators whose vocabulary the wording around it shares most.
            shares.Clear();
            foreach (var w in wording)
            {
                foreach (var code in lexicon.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(w.AsSpan(2), out var codes) ? codes : [])
                {
                    shares[code] = shares.GetValueOrDefault(code) + 1;
                }
            }

            var lexical = shares
                .Where(e => e.Value >= LexicalOverlap && !found.ContainsKey(e.Key) && cues.Indicators[e.Key].Units.Contains(token.Unit))
                .Select(e => (Code: e.Key, Settings: cues.Indicators[e.Key], Shared: e.Value))
                .OrderByDescending(e => e.Shared)
                .ThenBy(e => e.Code, StringComparer.Ordinal)
                .Take(LexicalPerFigure);
            foreach (var (code, settings, shared) in lexical)
            {
                if (narrowing.Length > 0 || settings.Exclude.Any(w => clause.Contains(w, StringComparison.Ordinal)) || !HasContext(settings, sentence))
                {
                    continue;
                }

                var candidate = new FigureCandidate(code, token, clauseStart, token.End, Convert(catalog[code], token), 0, null, bounds.Sentence(token.Start))
                {
                    IsRate = catalog[code].Kind == IndicatorKind.Rate,
                };
                candidate.Features.Add("lex");
                candidate.Features.Add(Feature("lx:", Bucket(shared, 2, 3, 4, 6)));
                candidate.Features.Add(found.Count > 0 ? "lex-other-cue" : "lex-alone");
                candidates.Add(candidate);
            }

            // The tenant's own indicators: the wording of their name and 填报口径, at least two pairs of it; looked up by
            // pair, and at most a few per figure, so a catalog of a thousand indicators costs a figure no more than a few.
            if (found.Count == 0 && narrowing.Length == 0 && own.Count > 0)
            {
                ownShares.Clear();
                foreach (var w in wording)
                {
                    foreach (var entry in own.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(w.AsSpan(2), out var entries) ? entries : [])
                    {
                        ownShares[entry] = ownShares.GetValueOrDefault(entry) + 1;
                    }
                }

                var best = ownShares
                    .Where(e => e.Value >= OwnOverlap && e.Key.Units.Contains(token.Unit))
                    .OrderByDescending(e => e.Value)
                    .ThenBy(e => e.Key.Indicator.Code, StringComparer.Ordinal)
                    .Take(LexicalPerFigure)
                    .ToList();
                foreach (var ((indicator, _), shared) in best)
                {
                    var candidate = new FigureCandidate(indicator.Code, token, clauseStart, token.End, Convert(indicator, token), 0, null, bounds.Sentence(token.Start))
                    {
                        IsRate = indicator.Kind == IndicatorKind.Rate,
                    };
                    candidate.Features.Add("lex");
                    candidate.Features.Add(Feature("lx:", Bucket(shared, 2, 3, 4, 6)));
                    candidate.Features.Add("lex-alone");
                    candidates.Add(candidate);
                }
            }


            for (var i = firstOfToken; i < candidates.Count; i++)
            {
                var candidate = candidates[i];
                candidate.Wording = wording;
                candidate.Features.Add("bias");
                candidate.Features.Add(Feature("c:", candidate.Code));
                candidate.Features.Add(levelFeature);
                candidate.Features.Add(Feature("u:", candidate.Code, token.Unit));
                if (token.Hedged)
                {
                    candidate.Features.Add("hedged");
                }
            }
        }

        // How a candidate stands among the indicator's others in the report: the largest, the first, the only one.
        foreach (var group in candidates.GroupBy(c => c.Code))
        {
            var all = group.ToList();
            var max = all.Max(c => c.Value);
            var first = all.Min(c => c.Token.Start);
            var isRate = all[0].IsRate;
            var summing = cues.Indicators.TryGetValue(group.Key, out var settings) && settings.Sum ? all.Where(c => c.Cue is not null).CountBy(c => c.Sentence).ToDictionary() : null;
            foreach (var c in all)
            {
                c.Features.Add(all.Count == 1 ? "only" : c.Value == max ? (isRate ? "rate-max" : "max") : "not-max");
                if (all.Count > 1 && c.Token.Start == first)
                {
                    c.Features.Add("first");
                }

                if (summing is not null && c.Cue is not null && summing[c.Sentence] > 1)
                {
                    c.Features.Add("sum-part");
                }
            }
        }

        return new ReadReport(text, readAs, candidates, warnings);
    }

    /// <summary>
    /// One figure per indicator: the best-scored candidate (among equals, the longer cue, for counts and amounts the
    /// larger, then the first). A summing indicator adds the cue-named figures of the chosen figure's sentence.
    /// </summary>
    internal List<ChosenFigure> Choose(ReadReport read, Func<FigureCandidate, double> score)
    {
        var ranked = read.Candidates.GroupBy(c => c.Code).Select(group =>
        {
            var isRate = group.First().IsRate;
            return group.Select(c => (Candidate: c, Score: score(c)))
                .OrderByDescending(x => x.Score)
                .ThenByDescending(x => x.Candidate.CueWeight)
                .ThenByDescending(x => isRate ? 0 : x.Candidate.Value)
                .ThenBy(x => x.Candidate.Token.Start)
                .ToList();
        }).ToList();

        // A figure chosen for an indicator by its cue is that indicator's: another indicator whose wording alone
        // points at the same figure takes its next figure, or none.
        var claimed = ranked.Select(r => r[0]).Where(x => x.Candidate.Cue is not null).Select(x => (x.Candidate.Token.Start, x.Candidate.Code)).ToList();
        var chosen = new List<ChosenFigure>();
        foreach (var list in ranked)
        {
            var code = list[0].Candidate.Code;
            var pick = list.FirstOrDefault(x => x.Candidate.Cue is not null || !claimed.Any(c => c.Start == x.Candidate.Token.Start && c.Code != code));
            if (pick.Candidate is not { } best)
            {
                continue;
            }

            // The parts of a sum lie in the chosen figure's sentence, and within a sentence's reach of it (a list without
            // a full stop is no sentence that may add up a whole text).
            var parts = best.Cue is not null && cues.Indicators[code].Sum
                ? list.Select(x => x.Candidate)
                    .Where(c => c.Cue is not null && c.Sentence == best.Sentence && Math.Abs(c.Token.Start - best.Token.Start) <= SentenceReach)
                    .OrderBy(c => c.Token.Start).ToList()
                : [best];
            chosen.Add(new ChosenFigure(code, parts.Sum(c => c.Value), parts.Min(c => c.RegionStart), parts.Max(c => c.RegionEnd), pick.Score, best.Cue,
                parts.Count > 1 ? parts.Select(c => c.Value).ToArray() : []));
        }

        return chosen;
    }

    /// <summary>A tenant's own indicator is a candidate when at least this many character pairs of its name and 填报口径 are the figure's.</summary>
    private const int OwnOverlap = 2;

    /// <summary>
    /// The tenant's own figures (not flags or scores, not retired, codes the cue book does not know) by the character
    /// pairs of their name and 填报口径, each with the measure words its unit is written in.
    /// </summary>
    private Dictionary<string, List<(Indicator Indicator, string[] Units)>> OwnIndicators(IndicatorCatalog? tenant)
    {
        var own = new Dictionary<string, List<(Indicator Indicator, string[] Units)>>(StringComparer.Ordinal);
        foreach (var indicator in tenant?.Indicators ?? [])
        {
            if (indicator.Retired || cues.Indicators.ContainsKey(indicator.Code) || indicator.Kind is not (IndicatorKind.Count or IndicatorKind.Amount or IndicatorKind.Rate))
            {
                continue;
            }

            string[] units = indicator.Kind == IndicatorKind.Rate ? ["%"]
                : indicator.Unit == "万元" ? ["万元", "亿元", "元"]
                : indicator.Unit is { } unit && NumberParser.Units.Contains(unit) ? [unit]
                : [];
            var pairs = new List<string>();
            Pairs(NormalizedText.From(indicator.Name + "，" + (indicator.Guidance ?? "")).Text, "", pairs);
            foreach (var pair in units.Length == 0 ? [] : pairs.Distinct())
            {
                (own.TryGetValue(pair, out var entries) ? entries : own[pair] = []).Add((indicator, units));
            }
        }

        return own;
    }

    /// <summary>Whether the sentence names the subject an indicator's bare-verb cues need (受理# only where it speaks of 复议).</summary>
    private static bool HasContext(CueIndicator settings, ReadOnlySpan<char> sentence)
    {
        if (settings.Context.Count == 0)
        {
            return true;
        }

        foreach (var word in settings.Context)
        {
            if (sentence.Contains(word, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The cues of the indicators that take each measure word.</summary>
    private Dictionary<string, Cue[]> CuesByUnit() =>
        NumberParser.Units.ToDictionary(unit => unit, unit => cues.Cues.Where(c => cues.Indicators[c.Code].Units.Contains(unit)).ToArray(), StringComparer.Ordinal);

    /// <summary>Each character pair of the indicators' vocabulary (catalog names, cue phrases) and the indicators it is of.</summary>
    private Dictionary<string, string[]> Lexicon()
    {
        var lexicon = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        foreach (var code in cues.Indicators.Keys)
        {
            var pairs = new List<string>();
            Pairs(NormalizedText.From(catalog[code].Name).Text, "", pairs);
            foreach (var cue in cues.Cues.Where(c => c.Code == code))
            {
                foreach (var piece in cue.Text.Split('#', '*'))
                {
                    Pairs(piece, "", pairs);
                }
            }

            foreach (var pair in pairs)
            {
                (lexicon.TryGetValue(pair, out var codes) ? codes : lexicon[pair] = new(StringComparer.Ordinal)).Add(code);
            }
        }

        return lexicon.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);
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

    private List<string> RateWarnings(List<Proposal> proposals)
    {
        var values = proposals.ToDictionary(p => p.Code, p => p.Value, StringComparer.Ordinal);
        return Validation.ConsistencyWarnings.Check(catalog, values).Select(w => w.Message).ToList();
    }
}
