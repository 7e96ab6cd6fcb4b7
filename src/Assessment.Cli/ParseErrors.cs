using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.RegularExpressions;

namespace Assessment.Cli;

/// <summary>
/// Mistakes on the command line itself (a missing or mistyped command or option, a value of the wrong kind), said in
/// one or two Chinese lines with a "did you mean" where there is one, and exit code 2 — instead of the parser's English
/// sentences with .NET type names and exit code 1. The parser runs under the invariant culture, so its messages are
/// the English resources these patterns read.
/// </summary>
public static partial class ParseErrors
{
    private const int MaxLines = 2;

    public static int Report(ParseResult parse, TextWriter error)
    {
        var lines = new List<string>();
        var unrecognized = parse.Errors.Select(e => Unrecognized().Match(e.Message)).Where(m => m.Success).Select(m => m.Groups[1].Value).ToList();
        if (unrecognized.Count > 0)
        {
            // The first token the parser did not know is the mistake; the ones after it are usually its value.
            var token = unrecognized[0];
            var close = Suggestions(token, parse.CommandResult.Command);
            lines.Add(close.Count > 0 ? $"无法识别“{token}”。您是否要输入：{string.Join("、", close)}？" : $"无法识别“{token}”。");
        }

        foreach (var e in parse.Errors)
        {
            var line = unrecognized.Count > 0 && (Unrecognized().IsMatch(e.Message) || e.Message == "Required command was not provided.") ? null : Translate(e.Message);
            if (line is not null && !lines.Contains(line))
            {
                lines.Add(line);
            }
        }

        if (lines.Count == 0)
        {
            lines.Add("请指定要执行的命令。");
        }

        foreach (var line in lines.Take(MaxLines))
        {
            error.WriteLine(line);
        }

        var path = string.Join(' ', CommandPath(parse.CommandResult));
        error.WriteLine($"用法见：{path} --help");
        return Failures.Usage;
    }

    /// <summary>The commands and options of <paramref name="command"/> (and the options it inherits) close to a mistyped token.</summary>
    public static IReadOnlyList<string> Suggestions(string token, Command command) =>
        Domain.Keys.Similar.To(token, command.Subcommands.SelectMany(c => c.Aliases.Prepend(c.Name))
            .Concat(command.Options.SelectMany(o => o.Aliases.Prepend(o.Name)))
            .Concat(Ancestors(command).SelectMany(c => c.Options.Where(o => o.Recursive)).SelectMany(o => o.Aliases.Prepend(o.Name)))
            .Where(n => !n.StartsWith("-?", StringComparison.Ordinal)));

    private static IEnumerable<Command> Ancestors(Command command) => command.Parents.OfType<Command>().SelectMany(p => Ancestors(p).Prepend(p));

    /// <summary>True when the parse found no command to run at all (the person typed only the program or a group).</summary>
    public static bool OnlyCommandMissing(ParseResult parse) =>
        parse.Errors.Count > 0 && parse.Errors.All(e => e.Message == "Required command was not provided.");

    private static string? Translate(string message)
    {
        if (message == "Required command was not provided.")
        {
            return "请指定要执行的子命令。";
        }

        if (Unrecognized().Match(message) is { Success: true } unrecognized)
        {
            return $"无法识别“{unrecognized.Groups[1].Value}”。";
        }

        if (OptionRequired().Match(message) is { Success: true } required)
        {
            return $"缺少必需的选项 {required.Groups[1].Value}。";
        }

        if (CannotParse().Match(message) is { Success: true } parse)
        {
            var what = parse.Groups[2].Value == "option" ? $"选项 {parse.Groups[3].Value} 的值" : "参数";
            return $"{what}“{parse.Groups[1].Value}”无效：须为{Kind(parse.Groups[4].Value)}。";
        }

        if (NotOneOf().Match(message) is { Success: true } notOneOf)
        {
            var allowed = Quoted().Matches(notOneOf.Groups[2].Value).Select(q => q.Groups[1].Value);
            return $"“{notOneOf.Groups[1].Value}”不是可选的值，可选：{string.Join("、", allowed)}。";
        }

        if (MissingValue().Match(message) is { Success: true } missing)
        {
            return missing.Groups[1].Value == "option" ? $"选项 {missing.Groups[2].Value} 缺少值。" : $"命令 {missing.Groups[2].Value} 缺少参数。";
        }

        return $"命令行有误：{message}";
    }

    private static string Kind(string type) => type switch
    {
        "System.Int32" or "System.Int64" or "System.Int16" or "System.UInt32" => "整数",
        "System.Double" or "System.Decimal" or "System.Single" => "数字",
        "System.DateTime" or "System.DateOnly" or "System.DateTimeOffset" => "日期（如 2025-03-31）",
        "System.Boolean" => "true 或 false",
        "System.Guid" => "UUID",
        _ => "有效的值",
    };

    private static IEnumerable<string> CommandPath(SymbolResult? result)
    {
        var names = new Stack<string>();
        for (var r = result; r is not null; r = r.Parent)
        {
            if (r is CommandResult command)
            {
                names.Push(command.Parent is null ? "assess" : command.Command.Name);
            }
        }

        return names;
    }

    [GeneratedRegex(@"\AUnrecognized command or argument '(.*)'\.\z", RegexOptions.Singleline)]
    private static partial Regex Unrecognized();

    [GeneratedRegex(@"\AOption '(.+)' is required\.\z")]
    private static partial Regex OptionRequired();

    [GeneratedRegex(@"\ACannot parse argument '(.*)' for (option|command) '(.+)' as expected type '(.+)'\.\z", RegexOptions.Singleline)]
    private static partial Regex CannotParse();

    [GeneratedRegex(@"\AArgument '(.*)' not recognized\. Must be one of:(.*)\z", RegexOptions.Singleline)]
    private static partial Regex NotOneOf();

    [GeneratedRegex(@"'([^']*)'")]
    private static partial Regex Quoted();

    [GeneratedRegex(@"\ARequired argument missing for (option|command): '(.+)'\.\z")]
    private static partial Regex MissingValue();
}
