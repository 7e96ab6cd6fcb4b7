using System.Text;
using System.Text.RegularExpressions;

namespace Assessment.Cli;

/// <summary>
/// The help the parser prints, in Chinese throughout: its Chinese resources leave the description title, the usage
/// placeholders, required options and the defaults in English ("Description:", "[options]", "(REQUIRED)", "[default: 30]"), which this writer says in
/// Chinese, line by line, on the way to the console.
/// </summary>
public sealed partial class HelpText(TextWriter inner) : TextWriter
{
    private readonly StringBuilder _line = new();

    public override Encoding Encoding => inner.Encoding;

    /// <summary>One line of help as a person reads it.</summary>
    public static string Translate(string line)
    {
        var trimmed = line.TrimEnd();
        var heading = trimmed switch
        {
            "Description:" or "描述:" => "说明：",
            "Usage:" or "用法:" => "用法：",
            "Options:" or "选项:" => "选项：",
            "Commands:" or "命令:" => "命令：",
            "Arguments:" or "参数:" => "参数：",
            _ => null,
        };
        if (heading is not null)
        {
            return heading;
        }

        line = Default().Replace(line, "[默认：$1]");
        return line.Replace("[command]", "[命令]", StringComparison.Ordinal).Replace("[options]", "[选项]", StringComparison.Ordinal)
            .Replace(" (REQUIRED)", "（必填）", StringComparison.Ordinal);
    }

    public override void Write(char value)
    {
        if (value == '\n')
        {
            var line = _line.ToString();
            _line.Clear();
            var cr = line.EndsWith('\r');
            inner.Write(Translate(cr ? line[..^1] : line));
            inner.Write(cr ? "\r\n" : "\n");
            return;
        }

        _line.Append(value);
    }

    public override void Write(string? value)
    {
        foreach (var c in value ?? string.Empty)
        {
            Write(c);
        }
    }

    public override void Flush()
    {
        if (_line.Length > 0)
        {
            inner.Write(Translate(_line.ToString()));
            _line.Clear();
        }

        inner.Flush();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Flush();
        }

        base.Dispose(disposing);
    }

    [GeneratedRegex(@"\[default: ([^\]]*)\]")]
    private static partial Regex Default();
}
