using System.CommandLine;
using System.Globalization;
using Assessment.Contracts.V1;

namespace Assessment.Cli.Commands;

/// <summary><c>assess scheme simulate --scheme FILE --year 2024</c>: what a draft scheme would do, changing nothing.</summary>
public static class SchemeCommand
{
    public static Command Create()
    {
        var scheme = new Option<FileInfo>("--scheme") { Description = "评分细则草案文件（YAML）", Required = true };
        var year = new Option<int>("--year") { Description = "考核年度", Required = true };
        var simulate = new Command("simulate", "用评分细则草案试算某年度的排名与等次（不改动已固定的细则与结果）") { scheme, year };
        simulate.SetAction(async (parse, ct) =>
        {
            var file = parse.GetRequiredValue(scheme);
            if (!file.Exists)
            {
                throw new UsageException($"找不到文件 {file.FullName}");
            }

            var (channel, options) = Connection.Open(parse, ct);
            using (channel)
            {
                var result = await new AssessmentService.AssessmentServiceClient(channel).SimulateSchemeAsync(new SimulateSchemeRequest
                {
                    Year = parse.GetValue(year),
                    SchemeYaml = await File.ReadAllTextAsync(file.FullName, ct),
                }, options);
                Console.WriteLine($"试算：{result.Draft.Year} 年度，评分细则草案 {result.Draft.Scheme}（未保存）");
                var table = new TextTable("排名", "县（区）", "总分", "等次");
                foreach (var e in result.Draft.Entries)
                {
                    table.Add(e.Rank.ToString(CultureInfo.InvariantCulture), e.Name, TextTable.Number(e.Total), e.Grade + (e.LimitedByQuota ? "（限于比例）" : ""));
                }

                Console.Write(table);
                Console.WriteLine("等次分布：" + string.Join("，", result.GradeCounts.Select(g => $"{g.Grade} {g.Count} 个")));
                if (result.Moved.Count == 0)
                {
                    Console.WriteLine("与现行细则相比，没有县（区）的名次或等次发生变化。");
                    return 0;
                }

                Console.WriteLine("名次或等次发生变化的县（区）：");
                var moved = new TextTable("县（区）", "现排名", "试算排名", "现等次", "试算等次", "现总分", "试算总分");
                foreach (var m in result.Moved)
                {
                    moved.Add(m.Name, m.CurrentRank.ToString(CultureInfo.InvariantCulture), m.DraftRank.ToString(CultureInfo.InvariantCulture),
                        m.CurrentGrade, m.DraftGrade, TextTable.Number(m.CurrentTotal), TextTable.Number(m.DraftTotal));
                }

                Console.Write(moved);
            }

            return 0;
        });
        return new Command("scheme", "评分细则（考核评分细则）") { simulate };
    }
}
