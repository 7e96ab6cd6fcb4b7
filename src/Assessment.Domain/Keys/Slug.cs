using System.Text.RegularExpressions;

namespace Assessment.Domain.Keys;

/// <summary>
/// Identifiers of tenants, counties and units: <c>[a-z0-9][a-z0-9-]{0,39}</c>. Because a slug can never contain '/',
/// a grain key built from slugs can never be forged to name another tenant's grain.
/// </summary>
public static partial class Slug
{
    // \A…\z, not ^…$: in .NET "$" also matches before a final "\n", which would let "suo\n" through.
    [GeneratedRegex(@"\A[a-z0-9][a-z0-9-]{0,39}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    /// <summary>True when the text is a valid slug.</summary>
    public static bool IsValid(string? text) => text is not null && Pattern().IsMatch(text);

    /// <summary>Returns the slug or throws <see cref="ArgumentException"/> naming the parameter.</summary>
    public static string Require(string? text, string name) =>
        IsValid(text) ? text! : throw new ArgumentException($"'{text}' is not a valid identifier ([a-z0-9][a-z0-9-]{{0,39}}).", name);
}
