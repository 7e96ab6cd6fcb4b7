using System.CommandLine;
using Assessment.Cli;
using Assessment.Cli.Commands;

Console.OutputEncoding = System.Text.Encoding.UTF8;
var root = new RootCommand("assess：法治政府建设考核平台命令行工具（填报、排名、通报）。" + Failures.ExitCodesHelp)
{
    Connection.Url,
    Connection.Key,
    Connection.Timeout,
    Connection.Verbose,
    SubmitCommand.Create(),
    RankingCommand.Create(),
    BulletinCommand.Create(),
    SchemeCommand.Create(),
    ExtractCommand.Create(),
    AuditCommand.Create(),
    WorkflowCommands.Round(),
    WorkflowCommands.CountyCommand(),
    AdminCommands.Create(),
    IdentityCommands.WhoAmI(),
    IdentityCommands.Catalog(),
    ExportCommand.Create(),
    WorkbookCommands.Template(),
    WorkbookCommands.Import(),
};

var parse = root.Parse(args);
try
{
    return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception ex)
{
    return Failures.Report(ex, Connection.ResolveUrl(parse), parse.GetValue(Connection.Verbose), Console.Error);
}
