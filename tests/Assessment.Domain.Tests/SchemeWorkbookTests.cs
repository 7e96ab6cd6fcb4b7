using Assessment.Domain.Catalog;
using Assessment.Domain.Scoring;
using Assessment.Workbooks;
using DocumentFormat.OpenXml.Spreadsheet;

namespace Assessment.Domain.Tests;

/// <summary>
/// The 细则 as a workbook: written and read back it is the same scheme (the default one and generated ones), edits made
/// in Excel come back as edits, and hostile or foreign files are refused whole.
/// </summary>
public class SchemeWorkbookTests
{
    private static readonly IndicatorCatalog Catalog = IndicatorCatalog.Default;

    internal static string RoundTrip(Scheme scheme)
    {
        using var stream = new MemoryStream();
        SchemeWorkbook.Write(scheme, Catalog, stream);
        var read = SchemeWorkbook.Read(stream.ToArray(), Catalog);
        Assert.Empty(read.Problems);
        return read.Yaml!;
    }

    [Fact]
    public void The_default_scheme_comes_back_as_itself()
    {
        var scheme = SchemeLoader.Default(Catalog);
        var yaml = RoundTrip(scheme);
        Assert.Equal(SchemeWriter.Write(scheme), yaml);
        var again = SchemeLoader.Load(yaml, "back.yaml", Catalog);
        Assert.Equal(scheme.Id, again.Id);
        Assert.Equal(scheme.Dimensions.Sum(d => d.Lines.Count), again.Dimensions.Sum(d => d.Lines.Count));
    }

    public static IEnumerable<object[]> Seeds() => Enumerable.Range(1, 60).Select(i => new object[] { i });

    [Theory]
    [MemberData(nameof(Seeds))]
    public void A_generated_scheme_comes_back_as_itself(int seed)
    {
        var scheme = Generate(new Random(seed));
        var yaml = SchemeWriter.Write(scheme);
        var loaded = SchemeLoader.Load(yaml, $"generated-{seed}.yaml", Catalog); // the generator makes only valid schemes
        Assert.Equal(yaml, SchemeWriter.Write(loaded));
        Assert.Equal(yaml, RoundTrip(loaded));
    }

    [Fact]
    public void Edits_made_in_Excel_come_back_and_an_untouched_standard_follows_the_new_points()
    {
        var scheme = SchemeLoader.Default(Catalog);
        using var stream = new MemoryStream();
        SchemeWorkbook.Write(scheme, Catalog, stream);
        var meetings = RowOf(scheme, "org.meetings");
        var leading = RowOf(scheme, "org.leading_group");
        var bytes = Xlsx.Edit(stream.ToArray(), (_, sheet) =>
        {
            Xlsx.Set(sheet, "D" + meetings, 3);               // org.meetings 2 → 3 points
            Xlsx.Set(sheet, "D" + leading, 1);                // org.leading_group 2 → 1: the dimension stays at 12
            Xlsx.Set(sheet, "B" + leading, "组织保障");         // a 二级指标
            Xlsx.Set(sheet, "E" + leading, "成立由主要负责人任组长的领导小组得 1 分");
            Xlsx.Set(sheet, "F" + leading, "查阅资料");
        }, SchemeWorkbook.SheetName);
        var read = SchemeWorkbook.Read(bytes, Catalog);
        Assert.Empty(read.Problems);
        var edited = SchemeLoader.Load(read.Yaml!, "edited.yaml", Catalog);
        var org = edited.Dimensions.Single(d => d.Code == "org");
        Assert.Equal(12, org.Weight);
        var m = org.Lines.Single(l => l.Indicator == "org.meetings");
        Assert.Equal(3, m.Points);
        Assert.Null(m.Standard); // still generated: it now says 3 分
        Assert.Contains("（3 分）", ScoringStandard.Of(m, Catalog[m.Indicator]), StringComparison.Ordinal);
        var l = org.Lines.Single(l => l.Indicator == "org.leading_group");
        Assert.Equal(("组织保障", "成立由主要负责人任组长的领导小组得 1 分", AssessmentMethod.Materials), (l.Group, l.Standard, l.Method));
    }

    [Fact]
    public void A_row_added_in_Excel_joins_its_一级指标_and_bad_cells_are_named_with_their_place()
    {
        var scheme = SchemeLoader.Default(Catalog);
        using var stream = new MemoryStream();
        SchemeWorkbook.Write(scheme, Catalog, stream);
        var last = (uint)(SchemeWorkbook.HeaderRow + scheme.Dimensions.Sum(d => d.Lines.Count + d.Deductions.Count) + scheme.Bonus.Count + scheme.Veto.Count);
        var bytes = Xlsx.Edit(stream.ToArray(), (_, sheet) =>
        {
            foreach (var (column, value) in new (string, object)[] { ("A", "组织领导"), ("C", "述法"), ("D", 1), ("G", "org.shufa_heads"), ("H", "min_count"), ("I", "n=1;deduct=1"), ("J", "org") })
            {
                Xlsx.Set(sheet, column + (last + 1), value);
            }

            foreach (var (column, value) in new (string, object)[] { ("A", "组织领导"), ("C", "无此项"), ("D", "两分"), ("G", "org.nothing"), ("H", "linear") })
            {
                Xlsx.Set(sheet, column + (last + 2), value);
            }

            foreach (var (column, value) in new (string, object)[] { ("A", "组织领导"), ("C", "参数错"), ("D", 1), ("G", "org.public_lawyers"), ("H", "linear"), ("I", "lo=abc") })
            {
                Xlsx.Set(sheet, column + (last + 3), value);
            }
        }, SchemeWorkbook.SheetName);
        var read = SchemeWorkbook.Read(bytes, Catalog);
        Assert.Null(read.Yaml);
        Assert.Contains(read.Problems, p => p.Row == last + 2 && p.Column == "G" && p.Message.Contains("org.nothing", StringComparison.Ordinal));
        Assert.Contains(read.Problems, p => p.Row == last + 3 && p.Column == "I");
        Assert.DoesNotContain(read.Problems, p => p.Row == last + 1);
    }

    [Fact]
    public void Under_a_一级指标_that_declares_its_二级指标_a_row_without_one_is_named_not_undeclared()
    {
        var scheme = SchemeLoader.Load(SchemeWriter.Write(ProvincialSize()), "province.yaml", Catalog);
        using var stream = new MemoryStream();
        SchemeWorkbook.Write(scheme, Catalog, stream);
        var row = SchemeWorkbook.HeaderRow + 3;
        var bytes = Xlsx.Edit(stream.ToArray(), (_, sheet) => Xlsx.Set(sheet, "B" + row, null), SchemeWorkbook.SheetName);
        var read = SchemeWorkbook.Read(bytes, Catalog);
        Assert.Null(read.Yaml);
        var problem = Assert.Single(read.Problems);
        Assert.Equal((row, "B"), (problem.Row, problem.Column));
        Assert.Contains("设有二级指标", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_category_column_added_in_Excel_gives_区_their_own_分值_and_a_bad_one_is_named()
    {
        var scheme = SchemeLoader.Default(Catalog);
        using var stream = new MemoryStream();
        SchemeWorkbook.Write(scheme, Catalog, stream);
        var leading = RowOf(scheme, "org.leading_group");
        var meetings = RowOf(scheme, "org.meetings");
        var edited = Xlsx.Edit(stream.ToArray(), (_, sheet) =>
        {
            Xlsx.Set(sheet, "K" + SchemeWorkbook.HeaderRow, "分值（区）");
            Xlsx.Set(sheet, "K" + leading, 0);   // 区 are not assessed on the leading group …
            Xlsx.Set(sheet, "K" + meetings, 4);  // … and score meetings at 4 instead of 2
        }, SchemeWorkbook.SheetName);
        var read = SchemeWorkbook.Read(edited, Catalog);
        Assert.Empty(read.Problems);
        var back = SchemeLoader.Load(read.Yaml!, "back.yaml", Catalog);
        Assert.Equal(["区"], back.Variants);
        Assert.Equal(0, back.Dimensions[0].Lines.Single(l => l.Indicator == "org.leading_group").PointsFor("区"));
        Assert.Equal(4, back.Dimensions[0].Lines.Single(l => l.Indicator == "org.meetings").PointsFor("区"));
        Assert.Equal(12, back.Dimensions[0].WeightFor("区"));

        var bad = Xlsx.Edit(edited, (_, sheet) => Xlsx.Set(sheet, "K" + meetings, "四分"), SchemeWorkbook.SheetName);
        Assert.Contains(SchemeWorkbook.Read(bad, Catalog).Problems, p => p.Row == meetings && p.Column == "K" && p.Message.Contains("分值（区）", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("org.meetings", "n=2.5;deduct=0.5", "整数")]
    [InlineData("org.meetings", "n=1e10;deduct=0.5", "整数")]
    [InlineData("pufa.activities", "inverted=2", "inverted=0")]
    [InlineData("pufa.activities", "inverted=yes", "inverted=0")]
    [InlineData("org.meetings", "n=3;n=3;n=3;n=3;n=3;n=3;n=3;n=3;n=3;n=3;n=3;n=3;n=3;n=3;n=3;n=3;n=3;n=3;n=3;n=3", "参数过多")]
    public void A_parameter_that_is_not_what_it_says_is_refused_never_guessed(string code, string parameters, string says)
    {
        var scheme = SchemeLoader.Default(Catalog);
        using var stream = new MemoryStream();
        SchemeWorkbook.Write(scheme, Catalog, stream);
        var row = RowOf(scheme, code);
        var read = SchemeWorkbook.Read(Xlsx.Edit(stream.ToArray(), (_, sheet) => Xlsx.Set(sheet, "I" + row, parameters), SchemeWorkbook.SheetName), Catalog);
        Assert.Null(read.Yaml);
        Assert.Contains(read.Problems, p => p.Row == row && p.Column == "I" && p.Message.Contains(says, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("D", 3.0)]
    [InlineData("E", "按细则评分")]
    [InlineData("I", "n=3;deduct=0.5")]
    public void A_cell_linked_to_another_workbook_is_refused_with_its_place(string column, object cached)
    {
        var scheme = SchemeLoader.Default(Catalog);
        using var stream = new MemoryStream();
        SchemeWorkbook.Write(scheme, Catalog, stream);
        var row = RowOf(scheme, "org.meetings");
        var read = SchemeWorkbook.Read(Xlsx.Edit(stream.ToArray(), (_, sheet) => Xlsx.Set(sheet, column + row, cached, formula: "[1]Sheet1!A1"), SchemeWorkbook.SheetName), Catalog);
        Assert.Null(read.Yaml);
        Assert.Contains(read.Problems, p => p.Row == row && p.Column == column && p.Message.Contains("外部链接", StringComparison.Ordinal));
    }

    [Fact]
    public void A_switched_off_flag_is_off()
    {
        var scheme = SchemeLoader.Default(Catalog);
        using var stream = new MemoryStream();
        SchemeWorkbook.Write(scheme, Catalog, stream);
        var row = RowOf(scheme, "dispute.litigation_loss_rate");
        var read = SchemeWorkbook.Read(Xlsx.Edit(stream.ToArray(), (_, sheet) => Xlsx.Set(sheet, "I" + row, "inverted=0;min_denominator=3"), SchemeWorkbook.SheetName), Catalog);
        var line = SchemeLoader.Load(read.Yaml!, "x", Catalog).Dimensions.SelectMany(d => d.Lines).Single(l => l.Indicator == "dispute.litigation_loss_rate");
        Assert.False(line.Inverted);
    }

    [Theory]
    [InlineData("macro project", "宏")]
    [InlineData("not a zip", "不是 Excel")]
    [InlineData("legacy xls", ".xls")]
    [InlineData("truncated", "损坏")]
    [InlineData("a fill-in form", "不是本平台导出的评分细则")]
    [InlineData("macro content type", "宏")]
    [InlineData("zip bomb", "过大")]
    [InlineData("a million rows", "过大")]
    public void Hostile_or_foreign_files_are_refused_whole(string what, string says)
    {
        using var stream = new MemoryStream();
        SchemeWorkbook.Write(SchemeLoader.Default(Catalog), Catalog, stream);
        var good = stream.ToArray();
        var bytes = what switch
        {
            "macro project" => Xlsx.AddEntry(good, "xl/vbaProject.bin", new byte[64]),
            "not a zip" => "code: x\n"u8.ToArray(),
            "legacy xls" => [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0, 0],
            "truncated" => good[..(good.Length / 2)],
            "macro content type" => Xlsx.AddEntry(good, "xl/extra.xml", "<x/>"u8.ToArray(),
                types => types.Replace("spreadsheetml.sheet.main+xml", "sheet.macroEnabled.main+xml", StringComparison.Ordinal)),
            "zip bomb" => Xlsx.Bomb(good, 120, Xlsx.SheetPath(good)),
            "a million rows" => Xlsx.WithRows(good, 1_000_000, Xlsx.SheetPath(good)),
            _ => Xlsx.Write(Xlsx.UnitForm()),
        };
        var refused = Assert.Throws<WorkbookException>(() => SchemeWorkbook.Read(bytes, Catalog));
        Assert.Contains(says, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Broken_parts_and_cut_packages_are_refused_never_crash()
    {
        using var stream = new MemoryStream();
        SchemeWorkbook.Write(SchemeLoader.Default(Catalog), Catalog, stream);
        var good = stream.ToArray();
        byte[][] contents =
        [
            "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaa\">]><worksheet>&a;</worksheet>"u8.ToArray(),
            "<worksheet><sheetData><row><c>"u8.ToArray(),
            [0x00, 0xFF, 0xFE, 0x3C, 0x00, 0x01],
        ];
        var parts = new[] { "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml", "xl/workbook.xml", "[Content_Types].xml" };
        var variants = parts.SelectMany(part => contents.Select(content => Xlsx.ReplaceEntry(good, part, content)))
            .Concat(Enumerable.Range(1, 12).Select(i => good[..(good.Length * i / 13)]))
            .Append(Xlsx.WithRows(good, 5_000));
        foreach (var bytes in variants)
        {
            try
            {
                var read = SchemeWorkbook.Read(bytes, Catalog);
                Assert.True(read.Yaml is not null || read.Problems.Count > 0);
            }
            catch (WorkbookException ex)
            {
                Assert.False(string.IsNullOrWhiteSpace(ex.Message));
            }
        }
    }

    private static uint RowOf(Scheme scheme, string code)
    {
        var row = (uint)SchemeWorkbook.HeaderRow;
        foreach (var d in scheme.Dimensions)
        {
            foreach (var l in d.Lines)
            {
                row++;
                if (l.Indicator == code)
                {
                    return row;
                }
            }

            row += (uint)d.Deductions.Count;
        }

        throw new KeyNotFoundException(code);
    }

    /// <summary>
    /// A valid scheme over the default catalog: random dimensions, rules that fit (考核组 items with and without 复核),
    /// 二级指标 named or declared with 分值, texts, methods, 分值 per category, events, grade scales per roster group.
    /// </summary>
    internal static Scheme Generate(Random random)
    {
        var unused = Catalog.Indicators.Where(i => i.Source != IndicatorSource.Computed || i.IsComputedRate).OrderBy(_ => random.Next()).ToList();
        Indicator Take(Func<Indicator, bool> fits)
        {
            var found = unused.First(fits);
            unused.Remove(found);
            return found;
        }

        var dimensionCount = random.Next(1, 6);
        var seedPanel = random.Next(2) == 0;
        var weights = Split(100, dimensionCount, random);
        var dimensions = new List<SchemeDimension>();
        for (var d = 0; d < dimensionCount; d++)
        {
            var lineCount = random.Next(1, Math.Min(5, weights[d] + 1));
            var points = Split(weights[d], lineCount, random);
            var lines = new List<SchemeLine>();
            for (var l = 0; l < lineCount; l++)
            {
                // Every other scheme leads with the 考核组's own item (the catalog has few, so chance alone would rarely pick one).
                var indicator = d == 0 && l == 0 && seedPanel ? Take(i => i.Kind is IndicatorKind.Score) : Take(i => i.Kind is not IndicatorKind.Event);
                var line = indicator.Kind switch
                {
                    IndicatorKind.Flag => new SchemeLine(indicator.Code, points[l], RuleKind.YesNo),
                    // An item the 考核组 scores, sometimes confirmed by a second member (评分人/复核人).
                    IndicatorKind.Score when random.Next(3) > 0 => new SchemeLine(indicator.Code, points[l], RuleKind.Panel, Review: random.Next(2) == 0),
                    IndicatorKind.Count when random.Next(2) == 0 => new SchemeLine(indicator.Code, points[l], RuleKind.MinCount, N: random.Next(1, 6), Deduct: random.Next(1, 5) * 0.25),
                    _ => random.Next(3) switch
                    {
                        0 => new SchemeLine(indicator.Code, points[l], RuleKind.TargetRatio, Target: random.Next(50, 101)),
                        1 => new SchemeLine(indicator.Code, points[l], RuleKind.Linear, Lo: random.Next(0, 50), Hi: random.Next(60, 101)),
                        _ => new SchemeLine(indicator.Code, points[l], RuleKind.PeerRelative, Inverted: random.Next(2) == 0, Cap: random.Next(2) == 0 ? random.Next(10, 100) : null),
                    },
                };
                if (random.Next(3) == 0)
                {
                    line = line with { Group = $"二级指标{random.Next(1, 4)}" };
                }

                if (random.Next(4) == 0)
                {
                    line = line with { Standard = $"按细则第 {random.Next(1, 30)} 条评分，\"引号\"与反斜杠\\照录" };
                }

                if (random.Next(4) == 0)
                {
                    var method = (AssessmentMethod)random.Next(5);
                    line = line with { Method = method == ScoringStandard.DefaultMethod(indicator) ? null : method };
                }

                if (random.Next(5) == 0)
                {
                    line = line with { Missing = (MissingPolicy)random.Next(3) };
                }

                if (indicator.IsComputedRate && random.Next(3) == 0)
                {
                    line = line with { MinDenominator = random.Next(1, 6) };
                }

                lines.Add(line);
            }

            var deductions = Enumerable.Range(0, random.Next(0, 3))
                .Select(_ => new EventLine(Take(i => i.Kind == IndicatorKind.Event).Code, random.Next(1, 8) * 0.5, random.Next(2) == 0 ? double.MaxValue : random.Next(1, 6)))
                .ToList();
            // Sometimes the 一级指标 declares its 二级指标 with their 分值: every line then names one, and each adds up.
            IReadOnlyList<SchemeSection>? sections = null;
            if (random.Next(4) == 0)
            {
                lines = lines.Select((l, i) => l with { Group = $"二级{d}-{(i % 2) + 1}" }).ToList();
                sections = SchemeSections.Of(lines, null);
            }

            dimensions.Add(new SchemeDimension($"d{d}", $"一级指标{d}", weights[d], lines, deductions, sections));
        }

        // Sometimes 区 are scored with 分值 of their own: one line's points move to another for them (the total stays 100).
        var all = dimensions.SelectMany(d => d.Lines).ToList();
        if (all.Count >= 2 && random.Next(3) == 0 && dimensions.All(d => d.Sections is null))
        {
            var (from, to) = (all[random.Next(all.Count)], all[random.Next(all.Count)]);
            if (from != to)
            {
                dimensions = dimensions.Select(d => d with
                {
                    Lines = d.Lines.Select(l => l == from ? l with { Variants = new Dictionary<string, double> { ["区"] = 0 } }
                        : l == to ? l with { Variants = new Dictionary<string, double> { ["区"] = to.Points + from.Points } } : l).ToArray(),
                }).ToList();
            }
        }

        var bonus = Enumerable.Range(0, random.Next(0, 2))
            .Select(_ => new EventLine(Take(i => i.Kind == IndicatorKind.Event).Code, random.Next(1, 4), random.Next(1, 4))).ToList();
        var veto = unused.Where(i => i.Kind is IndicatorKind.Flag or IndicatorKind.Event).Take(random.Next(0, 3)).Select(i => i.Code).ToList();
        return new Scheme($"gen{random.Next(1000)}", random.Next(1, 9), "生成的细则", dimensions, double.MaxValue, bonus.Count > 0 ? 3 : 0, bonus, veto,
            [new GradeBand("优秀", 90), new GradeBand("合格", 60), new GradeBand("不合格", 0)], random.Next(2) == 0 ? new GradeQuota("优秀", 0.3) : null,
            (MissingPolicy)random.Next(3))
        {
            // Sometimes a roster group is graded on a scale of its own (bands, and a quota of its own or none).
            GroupScales = random.Next(3) == 0
                ? new Dictionary<string, GradeScale>
                {
                    ["区"] = new([new GradeBand("优秀", 85), new GradeBand("合格", 55), new GradeBand("不合格", 0)], random.Next(2) == 0 ? new GradeQuota("优秀", 0.2) : null),
                }
                : null,
        };
    }

    /// <summary>
    /// A 细则 the size published provincial systems run to: 8 一级指标, 40 declared 二级指标 and 115 三级指标 on 100 points
    /// (85 of 1 point, 30 of 0.5), every rule kind its indicator allows, 考核组 items with 复核, a 区 scale of its own.
    /// </summary>
    internal static Scheme ProvincialSize()
    {
        var usable = Catalog.Indicators.Where(i => i.Kind is not IndicatorKind.Event && (i.Source != IndicatorSource.Computed || i.IsComputedRate)).ToList();
        Assert.True(usable.Count >= 115, $"the default catalog offers {usable.Count} indicators to score");
        var dimensions = new List<SchemeDimension>();
        var next = 0;
        for (var d = 0; d < 8; d++)
        {
            var count = d < 3 ? 15 : 14; // 3 × 15 + 5 × 14 = 115
            var lines = new List<SchemeLine>();
            for (var l = 0; l < count; l++, next++)
            {
                var indicator = usable[next];
                var points = next % 23 < 6 ? 0.5 : 1; // 30 lines of 0.5 (6 in each 23), the rest 1
                var line = indicator.Kind switch
                {
                    IndicatorKind.Flag => new SchemeLine(indicator.Code, points, RuleKind.YesNo),
                    IndicatorKind.Score => new SchemeLine(indicator.Code, points, RuleKind.Panel, Review: true),
                    IndicatorKind.Count when next % 2 == 0 => new SchemeLine(indicator.Code, points, RuleKind.MinCount, N: 2, Deduct: points / 2),
                    IndicatorKind.Rate => new SchemeLine(indicator.Code, points, RuleKind.Linear, Lo: 60, Hi: 100),
                    _ => new SchemeLine(indicator.Code, points, RuleKind.PeerRelative),
                };
                lines.Add(line with { Group = $"二级指标{d + 1}.{(l % 5) + 1}" });
            }

            dimensions.Add(new SchemeDimension($"l{d + 1}", $"一级指标{d + 1}", lines.Sum(x => x.Points), lines, [], SchemeSections.Of(lines, null)));
        }

        Assert.Equal(115, dimensions.Sum(x => x.Lines.Count));
        Assert.Equal(100, dimensions.Sum(x => x.Weight), 6);
        return new Scheme("province", 1, "省级规模的细则", dimensions, double.MaxValue, 0, [], [],
            [new GradeBand("优秀", 90), new GradeBand("良好", 80), new GradeBand("合格", 60), new GradeBand("不合格", 0)], new GradeQuota("优秀", 0.2))
        {
            GroupScales = new Dictionary<string, GradeScale> { ["区"] = new([new GradeBand("优秀", 88), new GradeBand("合格", 60), new GradeBand("不合格", 0)], null) },
        };
    }

    /// <summary>A total split into whole, positive parts.</summary>
    private static int[] Split(int total, int parts, Random random)
    {
        var cuts = Enumerable.Range(1, total - 1).OrderBy(_ => random.Next()).Take(parts - 1).Order().ToList();
        cuts.Insert(0, 0);
        cuts.Add(total);
        return Enumerable.Range(0, parts).Select(i => cuts[i + 1] - cuts[i]).ToArray();
    }
}
