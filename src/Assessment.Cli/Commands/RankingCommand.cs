using System.CommandLine;
using Assessment.Contracts.V1;

namespace Assessment.Cli.Commands;

/// <summary><c>assess ranking --year 2024</c>: prints the round's ranking.</summary>
public static class RankingCommand
{
    public static readonly Option<int> Year = new("--year")
    {
        Description = "考核年度",
        Required = true,
    };

    public static Command Create()
    {
        var command = new Command("ranking", "显示本市（州）某年度各县（区）的得分排名") { Year };
        command.SetAction(async (parse, ct) =>
        {
            var (channel, options) = Connection.Open(parse, ct);
            using (channel)
            {
                var ranking = await new AssessmentService.AssessmentServiceClient(channel)
                    .GetRankingAsync(new GetRankingRequest { Year = parse.GetValue(Year) }, options);
                var table = new TextTable(["排名", "县（区）", .. ranking.Dimensions.Select(d => d.Name), "总分", "等次", "较上年"]);
                foreach (var e in ranking.Entries)
                {
                    table.Add([e.Rank.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Name,
                        .. e.Dimensions.Select(d => TextTable.Number(d.Points)), TextTable.Number(e.Total),
                        e.Grade + (e.LimitedByQuota ? "（限于比例）" : "") + (e.Vetoed ? "（一票否决）" : ""),
                        e.HasPreviousRank ? Change(e.PreviousRank - e.Rank) : "—"]);
                }

                Console.WriteLine($"{ranking.Year} 年度考核排名（评分细则 {ranking.Scheme}）");
                Console.Write(table);
            }

            return 0;
        });
        return command;
    }

    /// <summary>A rank change as a person reads it: ↑2 (up two places), ↓1, or 持平.</summary>
    public static string Change(int places) => places switch
    {
        > 0 => $"↑{places}",
        < 0 => $"↓{-places}",
        _ => "持平",
    };
}
