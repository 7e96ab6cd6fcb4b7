using System.Text;
using System.Text.RegularExpressions;

namespace Assessment.Integration.Tests.Infrastructure;

/// <summary>Checks of a PDF's structure that its text reader does not expose.</summary>
public static partial class Pdfs
{
    /// <summary>
    /// Every font the PDF uses travels inside it: a Type 3 font carries its glyph programs (CharProcs); any other
    /// simple or CID font needs a font file (FontFile, FontFile2, FontFile3) — a reader without the font installed
    /// would otherwise substitute another.
    /// </summary>
    public static void AssertFontsEmbedded(byte[] pdf)
    {
        var raw = Encoding.Latin1.GetString(pdf);
        var fonts = ObjectPattern().Matches(raw).Select(m => m.Groups[1].Value).Where(o => FontPattern().IsMatch(o)).ToList();
        Assert.NotEmpty(fonts);
        var type3 = fonts.Where(f => f.Contains("/Subtype /Type3", StringComparison.Ordinal)).ToList();
        Assert.All(type3, f => Assert.Contains("/CharProcs", f, StringComparison.Ordinal));
        var needFiles = fonts.Count(f => !f.Contains("/Subtype /Type3", StringComparison.Ordinal) && !f.Contains("/Subtype /Type0", StringComparison.Ordinal));
        Assert.True(FontFilePattern().Count(raw) >= needFiles, $"{needFiles} fonts need a font file; the PDF has {FontFilePattern().Count(raw)}");
    }

    [GeneratedRegex(@"\d+ \d+ obj(.*?)endobj", RegexOptions.Singleline)]
    private static partial Regex ObjectPattern();

    [GeneratedRegex(@"/Type\s*/Font(?![A-Za-z])")]
    private static partial Regex FontPattern();

    [GeneratedRegex(@"/FontFile[23]?(?![A-Za-z0-9])")]
    private static partial Regex FontFilePattern();
}
