using System.CommandLine;
using Assessment.Cli;
using Assessment.Cli.Commands;
using Grpc.Core;

Console.OutputEncoding = System.Text.Encoding.UTF8;
var root = new RootCommand("assess：法治政府建设考核平台命令行工具（填报、排名、通报）")
{
    Connection.Url,
    Connection.Key,
    Connection.Timeout,
    SubmitCommand.Create(),
    RankingCommand.Create(),
    BulletinCommand.Create(),
    SchemeCommand.Create(),
    ExtractCommand.Create(),
    AuditCommand.Create(),
    WorkflowCommands.Round(),
    WorkflowCommands.CountyCommand(),
    AdminCommands.Create(),
};

try
{
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (RpcException ex)
{
    return Connection.Report(ex, Console.Error);
}
catch (UsageException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}
