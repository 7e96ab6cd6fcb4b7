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
    CatalogCommands.Catalog(),
    ExportCommand.Create(),
    EvidenceCommands.Create(),
    WorkbookCommands.Template(),
    WorkbookCommands.Import(),
};

foreach (var option in root.Options)
{
    option.Description = option switch
    {
        System.CommandLine.Help.HelpOption => "显示帮助与用法",
        VersionOption => "显示版本",
        _ => option.Description,
    };
}

// The parser speaks its invariant (English) resources, which ParseErrors reads and says in Chinese; help is rendered
// with the parser's own Chinese resources, and HelpText says the rest of it in Chinese.
System.Globalization.CultureInfo.CurrentUICulture = System.Globalization.CultureInfo.InvariantCulture;
var parse = root.Parse(args);
System.Globalization.CultureInfo.CurrentUICulture = System.Globalization.CultureInfo.GetCultureInfo("zh-Hans");
if (ParseErrors.OnlyCommandMissing(parse))
{
    // "assess" alone, or a group without its command: what there is to choose from, and exit 2.
    await parse.CommandResult.Command.Parse("--help").InvokeAsync(Invocation());
    Console.Error.WriteLine("请在上面列出的命令中选择一个。");
    return Failures.Usage;
}

if (parse.Errors.Count > 0)
{
    return ParseErrors.Report(parse, Console.Error);
}

try
{
    return await parse.InvokeAsync(Invocation());
}
catch (Exception ex)
{
    return Failures.Report(ex, Connection.ResolveUrl(parse), parse.GetValue(Connection.Verbose), Console.Error);
}

// Help and the version go through the translating writer; the commands write to the console themselves.
static InvocationConfiguration Invocation() => new() { EnableDefaultExceptionHandler = false, Output = new HelpText(Console.Out) };
