using Assessment.Domain.Catalog;
using Assessment.Domain.Scoring;

namespace Assessment.Domain.Tests;

/// <summary>
/// The 细则 as the editor's form: a scheme shown as a form and posted back unchanged is the same scheme; a mistake typed in
/// a field is named on that field even when blank and removed rows sit before it; and a posted form outside the grammar
/// or the limits is refused whole.
/// </summary>
public class SchemeFormTests
{
    private static readonly IndicatorCatalog Catalog = IndicatorCatalog.Default;

    private static IEnumerable<KeyValuePair<string, string>> Posted(SchemeForm form, Scheme scheme)
    {
        // What a browser posts: every field the editor renders, empty ones included.
        foreach (var field in new[] { "name", "deductions_cap", "veto", "bonus.cap", "grades.quota.label", "grades.quota.share" })
        {
            yield return new(field, form[field]);
        }

        for (var d = 0; d < scheme.Dimensions.Count; d++)
        {
            foreach (var field in new[] { "code", "name", "weight" })
            {
                yield return new($"dimensions[{d}].{field}", form[$"dimensions[{d}].{field}"]);
            }

            foreach (var i in form.Rows($"dimensions[{d}].lines"))
            {
                foreach (var field in SchemeForm.LineFields)
                {
                    yield return new($"dimensions[{d}].lines[{i}].{field}", form[$"dimensions[{d}].lines[{i}].{field}"]);
                }
            }

            foreach (var list in new[] { "sections", "deductions" })
            {
                foreach (var i in form.Rows($"dimensions[{d}].{list}"))
                {
                    foreach (var field in list == "sections" ? new[] { "name", "points" } : ["indicator", "per", "cap"])
                    {
                        yield return new($"dimensions[{d}].{list}[{i}].{field}", form[$"dimensions[{d}].{list}[{i}].{field}"]);
                    }
                }
            }

            // The blank row the editor offers under every dimension.
            var blank = form.Next($"dimensions[{d}].lines");
            yield return new($"dimensions[{d}].lines[{blank}].indicator", "");
            yield return new($"dimensions[{d}].lines[{blank}].points", "");
        }

        foreach (var i in form.Rows("bonus.lines"))
        {
            foreach (var field in new[] { "indicator", "per", "cap" })
            {
                yield return new($"bonus.lines[{i}].{field}", form[$"bonus.lines[{i}].{field}"]);
            }
        }

        foreach (var i in form.Rows("grades.bands"))
        {
            yield return new($"grades.bands[{i}].label", form[$"grades.bands[{i}].label"]);
            yield return new($"grades.bands[{i}].min", form[$"grades.bands[{i}].min"]);
        }

        // Each county group's own scale: its name, bands and quota.
        foreach (var g in form.Rows("grades.groups"))
        {
            var at = $"grades.groups[{g}]";
            foreach (var field in new[] { "name", "quota.label", "quota.share" })
            {
                yield return new($"{at}.{field}", form[$"{at}.{field}"]);
            }

            foreach (var i in form.Rows($"{at}.bands"))
            {
                yield return new($"{at}.bands[{i}].label", form[$"{at}.bands[{i}].label"]);
                yield return new($"{at}.bands[{i}].min", form[$"{at}.bands[{i}].min"]);
            }
        }

        if (form["bonus.inside"].Length > 0)
        {
            yield return new("bonus.inside", "true");
        }
    }

    private static string BackThroughTheForm(Scheme scheme)
    {
        var form = SchemeForm.Parse(Posted(SchemeForm.Of(scheme), scheme), out var problems);
        Assert.Empty(problems);
        var text = form.ToYaml(scheme, scheme.Code, scheme.Version);
        Assert.Empty(text.Problems);
        return SchemeWriter.Write(SchemeLoader.Load(text.Yaml, "form", Catalog));
    }

    [Fact]
    public void The_default_scheme_posted_back_unchanged_is_itself()
    {
        var scheme = SchemeLoader.Default(Catalog);
        Assert.Equal(SchemeWriter.Write(scheme), BackThroughTheForm(scheme));
    }

    [Fact]
    public void A_细则_of_provincial_size_comes_back_through_the_editor_and_the_workbook_and_scores()
    {
        // 8 一级, 40 二级 and 115 三级指标 on 100 points, as published provincial systems run to.
        var scheme = SchemeLoader.Load(SchemeWriter.Write(SchemeWorkbookTests.ProvincialSize()), "province.yaml", Catalog);
        Assert.Equal((8, 40, 115), (scheme.Dimensions.Count, scheme.Dimensions.Sum(d => d.Levels.Count), scheme.Dimensions.Sum(d => d.Lines.Count)));
        var yaml = SchemeWriter.Write(scheme);
        Assert.Equal(yaml, BackThroughTheForm(scheme));
        Assert.Equal(yaml, SchemeWorkbookTests.RoundTrip(scheme));
        // And it scores: a county with nothing reported gets a total within 0–100.
        var scorer = new Scorer(Catalog, scheme);
        var counties = new[] { new CountyFacts("c1", new Dictionary<string, double>()), new CountyFacts("c2", new Dictionary<string, double>(), Group: "区") };
        var card = scorer.Score(counties[1], scorer.PeerRanges(counties));
        Assert.InRange(card.Total, 0, 100);
    }

    public static IEnumerable<object[]> BrokenCorpus() =>
        Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Schemes", "broken"), "*.yaml").Order(StringComparer.Ordinal)
            .Select(f => new object[] { Path.GetFileName(f) });

    [Theory]
    [MemberData(nameof(BrokenCorpus))]
    public void Every_rule_of_the_broken_corpus_lands_on_the_editor_field_it_concerns(string file)
    {
        // Each file is the corpus' valid scheme with one defect, and names the loader path that must report it; the
        // editor showing the valid scheme has the same rows, so the path must map to a field the editor renders (a
        // rule about a whole list — 一级指标 adding up, the bands — goes above that list, not on a field).
        var expect = File.ReadLines(Path.Combine(AppContext.BaseDirectory, "Schemes", "broken", file)).First()["# expect: ".Length..];
        var path = expect.Split(':')[0].Trim();
        if (!path.StartsWith("scheme.", StringComparison.Ordinal))
        {
            return; // YAML syntax, or a rule without a place: not something a form can type
        }

        var valid = SchemeLoader.Load(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Schemes", "valid.yaml")), "valid.yaml", Catalog);
        var form = SchemeForm.Parse(Posted(SchemeForm.Of(valid), valid), out var problems);
        Assert.Empty(problems);
        var field = form.ToYaml(valid, valid.Code, valid.Version).FieldOf(path);
        if (path is "scheme.dimensions" or "scheme.grades.bands")
        {
            Assert.Null(field);
            return;
        }

        Assert.NotNull(field);
        Assert.Equal(path["scheme.".Length..], field); // the valid scheme's rows are the editor's rows, in order
        // The loader's message, as it words it, is put on that field.
        var problem = SchemeForm.Problem($"第 3 行，{path}：{expect[path.Length..].TrimStart(':', ' ')}", form.ToYaml(valid, valid.Code, valid.Version).FieldOf);
        Assert.Equal(field, problem.Field);
    }

    public static IEnumerable<object[]> Seeds() => Enumerable.Range(1, 60).Select(i => new object[] { i });

    [Theory]
    [MemberData(nameof(Seeds))]
    public void A_generated_scheme_posted_back_unchanged_is_itself(int seed)
    {
        var scheme = SchemeLoader.Load(SchemeWriter.Write(SchemeWorkbookTests.Generate(new Random(seed))), "generated", Catalog);
        Assert.Equal(SchemeWriter.Write(scheme), BackThroughTheForm(scheme));
    }

    [Fact]
    public void A_mistake_is_named_on_the_field_it_was_typed_in_past_blank_and_removed_rows()
    {
        var scheme = SchemeLoader.Default(Catalog);
        var fields = Posted(SchemeForm.Of(scheme), scheme).ToDictionary(kv => kv.Key, kv => kv.Value);
        fields["dimensions[0].lines[1].remove"] = "true";                          // org.meetings removed …
        fields["dimensions[0].lines[0].points"] = "4";                             // … its 2 points to the leading group
        fields["dimensions[0].lines[5].points"] = "两分";                          // a word where a number belongs
        fields["dimensions[1].lines[2].rule"] = "linear";                          // linear without lo and hi
        fields["dimensions[2].lines[40].indicator"] = "org.nothing";               // a new row far down, unknown indicator
        fields["dimensions[2].lines[40].points"] = "1";
        var form = SchemeForm.Parse(fields, out var parseProblems);
        Assert.Empty(parseProblems);
        var text = form.ToYaml(scheme, "default", 2);
        var loaded = Assert.Throws<DataFileException>(() => SchemeLoader.Load(text.Yaml, "form", Catalog));
        var problems = loaded.Problems.Select(p => SchemeForm.Problem(p, text.FieldOf)).ToList();

        Assert.Contains(problems, p => p.Field == "dimensions[0].lines[5].points" && p.Message.Contains("不是数字", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Field == "dimensions[1].lines[2].lo" && p.Message == "必填");
        Assert.Contains(problems, p => p.Field == "dimensions[2].lines[40].indicator" && p.Message.Contains("org.nothing", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Field == "dimensions[0].weight");             // 两分 counts as nothing
        Assert.Single(problems, p => p.Field == "dimensions[0].lines[5].points");       // said once, not also "须大于 0"
        Assert.DoesNotContain(problems, p => p.Field is "dimensions[0].lines[0].points" or "dimensions[0].lines[1].indicator");
    }

    [Fact]
    public void Grade_scales_of_county_groups_come_back_through_the_form_and_a_mistake_in_one_is_named_on_its_field()
    {
        var text = SchemeWriter.Write(SchemeLoader.Default(Catalog)) + """
              groups:
                区:
                  bands:
                    - { label: 优秀, min: 92 }
                    - { label: 不合格, min: 0 }
                  quota: { label: 优秀, share: 0.25 }
            """;
        var scheme = SchemeLoader.Load(text, "groups.yaml", Catalog);
        var form = SchemeForm.Of(scheme);
        Assert.Equal("区", form["grades.groups[0].name"]);
        var fields = Posted(form, scheme).ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Equal(("92", "0.25"), (fields["grades.groups[0].bands[0].min"], fields["grades.groups[0].quota.share"]));
        var back = SchemeForm.Parse(fields, out var problems).ToYaml(scheme, scheme.Code, scheme.Version);
        Assert.Empty(problems);
        Assert.Equal(SchemeWriter.Write(scheme), SchemeWriter.Write(SchemeLoader.Load(back.Yaml, "form", Catalog)));

        // A band above the one before it, in the group's scale: named on that band's field.
        fields["grades.groups[0].bands[1].min"] = "95";
        var wrong = SchemeForm.Parse(fields, out _).ToYaml(scheme, scheme.Code, scheme.Version);
        var named = Assert.Throws<DataFileException>(() => SchemeLoader.Load(wrong.Yaml, "form", Catalog)).Problems
            .Select(p => SchemeForm.Problem(p, wrong.FieldOf)).ToList();
        Assert.Contains(named, p => p.Field == "grades.groups[0].bands[1].min");
    }

    [Fact]
    public void A_variant_typed_wrong_is_named_on_its_field()
    {
        var scheme = SchemeLoader.Default(Catalog);
        var fields = Posted(SchemeForm.Of(scheme), scheme).ToDictionary(kv => kv.Key, kv => kv.Value);
        fields["dimensions[0].lines[0].variants"] = "区三分";
        fields["dimensions[0].lines[1].variants"] = "区=-1";
        var form = SchemeForm.Parse(fields, out _);
        var text = form.ToYaml(scheme, "default", 2);
        Assert.Contains(text.Problems, p => p.Field == "dimensions[0].lines[0].variants");
        var problems = Assert.Throws<DataFileException>(() => SchemeLoader.Load(text.Yaml, "form", Catalog)).Problems
            .Select(p => SchemeForm.Problem(p, text.FieldOf)).ToList();
        Assert.Contains(problems, p => p.Field == "dimensions[0].lines[1].variants" && p.Message.Contains("不小于 0", StringComparison.Ordinal));
    }

    /// <summary>Generated fields outside the grammar or the limits: each refused, never stored as a field.</summary>
    public static IEnumerable<object[]> HostileFields()
    {
        string[] lists = ["dimensions[{0}].lines", "dimensions[{0}].sections", "dimensions[{0}].deductions", "bonus.lines", "grades.bands"];
        foreach (var list in lists)
        {
            yield return [string.Format(list, 0) + $"[{SchemeForm.MaxRows}].remove"];              // one past the limit
            yield return [string.Format(list, 0) + "[1000].remove"];                              // four digits
            yield return [string.Format(list, 0) + "[-1].remove"];
            yield return [string.Format(list, 0) + "[0].__proto__"];
            yield return [string.Format(list, 0) + "[0][0].remove"];
            if (list.Contains("{0}", StringComparison.Ordinal))
            {
                yield return [string.Format(list, SchemeForm.MaxDimensions) + "[0].remove"];
            }
        }

        yield return ["dimensions[0]"];
        yield return ["dimensions.lines[0].points"];
        yield return ["dimensions[0].lines[0].points.extra"];
        yield return ["dimensions[0].lines[0].Points"];
        yield return ["dimensions[０].name"];                  // a full-width digit
        yield return ["name\n"];
        yield return [new string('a', 5_000)];
        yield return ["grades.groups.区.bands[0].min"];
        yield return [$"grades.groups[0].bands[{SchemeForm.MaxRows}].min"];
        yield return [$"grades.groups[{SchemeForm.MaxRows}].bands[0].min"];
        yield return ["grades.groups[0].bands[0].quota"];
    }

    [Theory]
    [MemberData(nameof(HostileFields))]
    public void A_field_outside_the_grammar_or_the_limits_is_refused(string field)
    {
        var form = SchemeForm.Parse([new("name", "测试"), new(field, "1")], out var problems);
        Assert.Single(problems);
        Assert.Null(problems[0].Field);
        Assert.Equal("", form[field]);
    }

    [Theory]
    [InlineData(SchemeForm.MaxFields + 1, "表单字段过多")]
    [InlineData(3, null)]
    public void Too_many_fields_are_refused(int count, string? says)
    {
        var fields = Enumerable.Range(0, count).Select(i => new KeyValuePair<string, string>($"dimensions[{i % 40}].lines[{i / 40 % 300}].standard", "x"));
        SchemeForm.Parse(fields, out var problems);
        Assert.Equal(says is null ? 0 : 1, problems.Count);
        Assert.True(says is null || problems[0].Message.StartsWith(says, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(SchemeForm.MaxValue, false)]
    [InlineData(SchemeForm.MaxValue + 1, true)]
    [InlineData(100_000, true)]
    public void A_value_past_its_length_is_refused_on_its_field(int length, bool refused)
    {
        SchemeForm.Parse([new("dimensions[0].lines[0].standard", new string('标', length))], out var problems);
        Assert.Equal(refused, problems.Any(p => p.Field == "dimensions[0].lines[0].standard"));
    }
}
