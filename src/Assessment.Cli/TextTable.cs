using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Assessment.Cli;

/// <summary>
/// A table for the terminal, drawn by Spectre.Console (which measures Chinese characters as two columns). Cell text is
/// printed as given, never read as markup. Redirected output gets plain characters, no colours.
/// </summary>
public sealed class TextTable
{
    private readonly Table _table = new Table().Border(TableBorder.Simple);

    public TextTable(params string[] headers)
    {
        foreach (var header in headers)
        {
            _table.AddColumn(new TableColumn(new Text(header)));
        }
    }

    public void Add(params string[] cells) => _table.AddRow(cells.Select(c => (IRenderable)new Text(c ?? "")).ToArray());

    public override string ToString()
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(writer),
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 400; // tables are as wide as their content; a terminal scrolls, a file keeps them whole
        console.Write(_table);
        return string.Join('\n', writer.ToString().Split('\n').Select(l => l.TrimEnd())).TrimStart('\n');
    }

    public static string Number(double value) => value.ToString("0.00", CultureInfo.InvariantCulture);
}
