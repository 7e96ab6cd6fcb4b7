using System.CommandLine;
using Assessment.Contracts.V1;

namespace Assessment.Cli.Commands;

/// <summary><c>assess bulletin --year 2024 --format html -o FILE</c>: renders the results bulletin.</summary>
public static class BulletinCommand
{
    public static Command Create()
    {
        var year = new Option<int>("--year") { Description = "考核年度", Required = true };
        var format = new Option<string>("--format") { Description = "输出格式：html、md，或 verify（考核办核验单：已发布通报的文件哈希与审计链锚定值）", DefaultValueFactory = _ => "html" };
        format.AcceptOnlyFromAmong("html", "md", "verify");
        var output = new Option<FileInfo?>("--output", "-o") { Description = "输出文件（省略则打印到标准输出）" };
        var command = new Command("bulletin", "生成某年度考核结果通报") { year, format, output };
        command.SetAction(async (parse, ct) =>
        {
            var (channel, options) = Connection.Open(parse, ct);
            using (channel)
            {
                var rendered = await new BulletinService.BulletinServiceClient(channel).RenderAsync(new RenderBulletinRequest
                {
                    Year = parse.GetValue(year),
                    Format = parse.GetValue(format) switch { "md" => BulletinFormat.Markdown, "verify" => BulletinFormat.Verification, _ => BulletinFormat.Html },
                }, options);
                if (parse.GetValue(output) is { } file)
                {
                    await File.WriteAllTextAsync(file.FullName, rendered.Content, ct);
                    Console.WriteLine($"已写入 {file.FullName}（SHA-256 {rendered.Sha256}）");
                }
                else
                {
                    Console.Write(rendered.Content);
                }
            }

            return 0;
        });
        return command;
    }
}
