using System.CommandLine;
using System.Globalization;
using Assessment.Contracts.V1;
using Assessment.Domain.Catalog;
using Assessment.Domain.Scoring;

namespace Assessment.Cli.Commands;

/// <summary>
/// <c>assess catalog</c>: the tenant's own indicator catalog (指标目录) — list it, list its versions, export its text to
/// edit, and save the edited text as the next version.
/// </summary>
public static class CatalogCommands
{
    public static Command Catalog()
    {
        var year = new Option<int>("--year") { Description = "按该年度考核固定的指标目录列出（默认：最新版）" };
        var scheme = new Option<FileInfo?>("--scheme") { Description = "按此评分细则文件标出计分指标（默认：平台内置细则）" };
        var mine = new Option<bool>("--mine") { Description = "只列出当前密钥（单位或县级）须填报的指标；与 --year 同用时按该年度的填报表" };
        var command = new Command("catalog", "列出本租户的指标目录：代码、名称、类型、计量单位、填报方、是否计分") { year, scheme, mine };
        command.SetAction(async (parse, ct) =>
        {
            var (channel, options) = Connection.Open(parse, ct);
            using (channel)
            {
                var wanted = parse.GetValue(year);
                var reply = await new CatalogService.CatalogServiceClient(channel).GetCatalogAsync(new GetCatalogRequest { Year = wanted }, options);
                var catalog = IndicatorCatalog.FromText(reply.Yaml);
                var file = parse.GetValue(scheme);
                // 计分 by the scheme file given, else by the year's own 细则, else by the built-in one.
                HashSet<string>? scored;
                string? schemeId;
                if (file is null && wanted != 0 && await YearScoredAsync(channel, options, wanted, catalog) is { } pinned)
                {
                    (scored, schemeId) = pinned;
                }
                else
                {
                    scored = Scored(file is null ? null : await File.ReadAllTextAsync(file.FullName, ct), file?.Name, catalog, out schemeId);
                }
                Func<Indicator, bool> shown = i => !i.Retired;
                if (parse.GetValue(mine))
                {
                    var me = await new AccountService.AccountServiceClient(channel).WhoAmIAsync(new WhoAmIRequest(), options);
                    if (me.Role is not ("unit" or "county"))
                    {
                        throw new UsageException("--mine 只适用于单位或县级密钥：其他角色不填报指标。");
                    }

                    if (wanted != 0)
                    {
                        // The year's form is exact: it knows the unit's kind (乡镇 or 县直部门).
                        var form = await new SubmissionService.SubmissionServiceClient(channel).GetFormAsync(new GetFormRequest { Year = wanted }, options);
                        var codes = form.Rows.Select(r => r.Code).ToHashSet(StringComparer.Ordinal);
                        shown = i => codes.Contains(i.Code);
                    }
                    else
                    {
                        var submitter = me.Role == "unit" ? IndicatorSource.Unit : IndicatorSource.County;
                        shown = i => i.AcceptsFrom(submitter);
                    }
                }

                var table = new TextTable("代码", "名称", "类型", "计量单位", "填报方", schemeId is null ? "计分" : $"计分（{schemeId}）");
                var count = 0;
                foreach (var i in catalog.Indicators.Where(shown))
                {
                    count++;
                    table.Add(i.Code, i.Name, Kind(i), i.Unit ?? (i.Kind == IndicatorKind.Rate ? "%" : ""), Source(i), scored?.Contains(i.Code) == true ? "是" : "");
                }

                Console.Write(table);
                Console.WriteLine($"共 {count.ToString(CultureInfo.InvariantCulture)} 项（指标目录第 {reply.Version.ToString(CultureInfo.InvariantCulture)} 版）；是/否类指标填 1（是）或 0（否），~ 表示未填报。");
            }

            return 0;
        });
        command.Subcommands.Add(Versions());
        command.Subcommands.Add(Export());
        command.Subcommands.Add(Save());
        return command;
    }

    private static Command Versions()
    {
        var command = new Command("versions", "列出指标目录的各个版本（第 1 版为全国默认目录）");
        command.SetAction(async (parse, ct) =>
        {
            var (channel, options) = Connection.Open(parse, ct);
            using (channel)
            {
                var list = await new CatalogService.CatalogServiceClient(channel).ListCatalogVersionsAsync(new ListCatalogVersionsRequest(), options);
                var table = new TextTable("版本", "保存时间", "保存人", "指标数", "已停用", "说明");
                foreach (var v in list.Versions)
                {
                    table.Add(v.Version.ToString(CultureInfo.InvariantCulture), v.Version == 1 ? "（平台内置）" : BeijingTime.Format(v.SavedAt), v.Actor,
                        v.Indicators.ToString(CultureInfo.InvariantCulture), v.Retired.ToString(CultureInfo.InvariantCulture), v.Note);
                }

                Console.Write(table);
            }

            return 0;
        });
        return command;
    }

    private static Command Export()
    {
        var year = new Option<int>("--year") { Description = "导出该年度考核固定的版本（默认：最新版）" };
        var version = new Option<int>("--version") { Description = "导出指定版本" };
        var output = new Option<FileInfo>("--output", "-o") { Description = "保存为（.yaml）", Required = true };
        var command = new Command("export", "导出指标目录文件（YAML），修改后用 assess catalog save 保存为新版本") { year, version, output };
        command.SetAction(async (parse, ct) =>
        {
            var (channel, options) = Connection.Open(parse, ct);
            using (channel)
            {
                var catalog = await new CatalogService.CatalogServiceClient(channel).GetCatalogAsync(
                    new GetCatalogRequest { Year = parse.GetValue(year), Version = parse.GetValue(version) }, options);
                var path = parse.GetValue(output)!;
                await File.WriteAllTextAsync(path.FullName, catalog.Yaml, ct);
                Console.WriteLine($"已导出指标目录第 {catalog.Version.ToString(CultureInfo.InvariantCulture)} 版（{catalog.Indicators.Count.ToString(CultureInfo.InvariantCulture)} 项指标）：{path.FullName}");
            }

            return 0;
        });
        return command;
    }

    private static Command Save()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "指标目录文件（YAML）：新增指标、改名、改填报口径，或以 retired: true 停用；已发布的指标不能删除或改变类型" };
        var note = new Option<string?>("--note") { Description = "本版改动说明（显示在版本列表中）" };
        var expected = new Option<int>("--expected-version") { Description = "修改所依据的版本号；期间他人已保存新版本时拒绝保存" };
        var command = new Command("save", "把修改后的指标目录保存为新版本（考核办或租户管理员；已定义的年度仍用其固定的版本）") { file, note, expected };
        command.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(file)!;
            if (!path.Exists)
            {
                throw new UsageException($"找不到文件 {path.FullName}");
            }

            var text = await File.ReadAllTextAsync(path.FullName, ct);
            var (channel, options) = Connection.Open(parse, ct);
            using (channel)
            {
                var saved = await new CatalogService.CatalogServiceClient(channel).SaveCatalogAsync(new SaveCatalogRequest
                {
                    CatalogYaml = text,
                    Note = parse.GetValue(note) ?? "",
                    ExpectedVersion = parse.GetValue(expected),
                    RequestId = Guid.NewGuid().ToString(),
                }, options);
                Console.WriteLine($"已保存为指标目录第 {saved.Version.ToString(CultureInfo.InvariantCulture)} 版：{saved.Indicators.ToString(CultureInfo.InvariantCulture)} 项指标，其中已停用 {saved.Retired.ToString(CultureInfo.InvariantCulture)} 项。");
                Console.WriteLine("此后定义的年度考核将使用该版本；已定义的年度仍用其固定的版本。");
            }

            return 0;
        });
        return command;
    }

    /// <summary>
    /// What the year's own 细则 scores, as far as the caller may know it: the pinned scheme for those who may read it; for
    /// a unit or county key (which may not), the rows of its own form that carry a 评分标准. Null when the year has none.
    /// </summary>
    private static async Task<(HashSet<string> Codes, string Label)?> YearScoredAsync(ClientChannel channel, Grpc.Core.CallOptions options, int year, IndicatorCatalog catalog)
    {
        try
        {
            var round = await new AssessmentService.AssessmentServiceClient(channel).GetRoundAsync(new GetRoundRequest { Year = year, WithSchemeText = true }, options);
            return round.SchemeYaml.Length > 0 && Scored(round.SchemeYaml, "scheme", catalog, out var id) is { } codes ? (codes, id!) : null;
        }
        catch (Grpc.Core.RpcException ex) when (ex.StatusCode == Grpc.Core.StatusCode.PermissionDenied)
        {
            var form = await new SubmissionService.SubmissionServiceClient(channel).GetFormAsync(new GetFormRequest { Year = year }, options);
            return form.Scheme.Length == 0 ? null
                : (form.Rows.Where(r => r.Standard.Length > 0).Select(r => r.Code).ToHashSet(StringComparer.Ordinal), $"{form.Scheme}，本单位填报的指标");
        }
        catch (Grpc.Core.RpcException ex) when (ex.StatusCode is Grpc.Core.StatusCode.NotFound or Grpc.Core.StatusCode.FailedPrecondition)
        {
            return null;
        }
    }

    /// <summary>The codes a scheme scores (its file, or the built-in one when it fits this catalog); null when none applies.</summary>
    private static HashSet<string>? Scored(string? yaml, string? name, IndicatorCatalog catalog, out string? schemeId)
    {
        Scheme? scheme;
        if (yaml is not null)
        {
            scheme = SchemeLoader.Load(yaml, name!, catalog);
        }
        else
        {
            try
            {
                scheme = SchemeLoader.Default(catalog);
            }
            catch (Domain.DataFileException)
            {
                scheme = null; // the tenant retired what the built-in scheme scores: no column to mark
            }
        }

        schemeId = scheme?.Id;
        return scheme?.Dimensions.SelectMany(d => d.Lines.Select(l => l.Indicator).Concat(d.Deductions.Select(e => e.Indicator)))
            .Concat(scheme.Bonus.Select(b => b.Indicator)).Concat(scheme.Veto).ToHashSet(StringComparer.Ordinal);
    }

    private static string Kind(Indicator i) => i.Kind switch
    {
        IndicatorKind.Count => "计数",
        IndicatorKind.Event => "事件数",
        IndicatorKind.Amount => i.Unit is "万元" or "元" ? "金额" : "数值（可含小数）",
        IndicatorKind.Rate => i.IsComputedRate ? "比率（平台按分子分母计算，不填报）" : "比率",
        IndicatorKind.Score => i.Source == IndicatorSource.Assessor ? "考核组评分" : "得分",
        IndicatorKind.Flag => "是/否",
        _ => i.Kind.ToString(),
    };

    private static string Source(Indicator i) => i.Source switch
    {
        IndicatorSource.Unit => i.Reporters == UnitKinds.All ? "下属单位" : UnitKindNames.Chinese(i.Reporters),
        IndicatorSource.County => "县（区）本级",
        IndicatorSource.Assessor => "考核办",
        _ => "系统计算",
    };
}
