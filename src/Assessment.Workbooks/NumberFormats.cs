using System.Text;

namespace Assessment.Workbooks;

/// <summary>
/// What a cell's number format makes of its number: a date or time (the number is a serial day count, not a figure)
/// or a percentage (0.85 shows as 85%). Formats are read, never evaluated.
/// </summary>
public static class NumberFormats
{
    /// <summary>The built-in formats (ECMA-376 §18.8.30, with the East Asian date formats 27–36 and 50–58).</summary>
    public static (bool Date, bool Percent) Builtin(uint id) => id switch
    {
        9 or 10 => (false, true),
        >= 14 and <= 22 or >= 45 and <= 47 or >= 27 and <= 36 or >= 50 and <= 58 => (true, false),
        _ => (false, false),
    };

    /// <summary>A custom format code: quoted text, escapes and [colour]/[locale] sections are not format letters.</summary>
    public static (bool Date, bool Percent) Classify(string code)
    {
        var letters = new StringBuilder(code.Length);
        for (var i = 0; i < code.Length; i++)
        {
            var c = code[i];
            switch (c)
            {
                case '"':
                    i = code.IndexOf('"', i + 1) is var end and >= 0 ? end : code.Length;
                    break;
                case '\\' or '_' or '*':
                    i++;
                    break;
                case '[':
                    var close = code.IndexOf(']', i + 1);
                    var inside = close > i ? code[(i + 1)..close] : "";
                    // [h], [mm], [ss] are elapsed times; [Red], [$-804] are not letters of the format.
                    if (inside.Length > 0 && inside.All(ch => ch is 'h' or 'H' or 'm' or 'M' or 's' or 'S'))
                    {
                        letters.Append('h');
                    }

                    i = close > i ? close : code.Length;
                    break;
                default:
                    letters.Append(c);
                    break;
            }
        }

        var text = letters.ToString();
        if (text.Equals("General", StringComparison.OrdinalIgnoreCase))
        {
            return (false, false);
        }

        var date = text.IndexOfAny(['y', 'Y', 'd', 'D', 'h', 'H', 's', 'S', 'm', 'M']) >= 0 && !text.Contains("General", StringComparison.OrdinalIgnoreCase);
        return (date, text.Contains('%', StringComparison.Ordinal));
    }
}
