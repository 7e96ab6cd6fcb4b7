using System.Globalization;
using Assessment.Domain.Keys;

namespace Assessment.Grains.Abstractions;

/// <summary>
/// Builds and parses every grain key in one place. Parts are validated slugs, so a '/' can never forge another key.
/// </summary>
public static class GrainKeys
{
    /// <summary>The unit id under which a county submits its own (county-level) figures; not a valid slug, so no
    /// real unit can take it.</summary>
    public const string CountySelf = "_county";

    /// <summary>The unit id under which assessors enter the assessor-supplied indicators of a county.</summary>
    public const string AssessorEntry = "_assessor";

    /// <summary>Lowest and highest assessment years accepted.</summary>
    public const int MinYear = 2000, MaxYear = 2100;

    public static string Tenant(string tenant) => Slug.Require(tenant, nameof(tenant));

    public static string County(string tenant, string county, int year) =>
        $"{Slug.Require(tenant, nameof(tenant))}/{Slug.Require(county, nameof(county))}/{Year(year)}";

    public static string Unit(string tenant, string county, string unit, int year) =>
        $"{Slug.Require(tenant, nameof(tenant))}/{Slug.Require(county, nameof(county))}/{(unit is CountySelf or AssessorEntry ? unit : Slug.Require(unit, nameof(unit)))}/{Year(year)}";

    public static string Round(string tenant, int year) => $"{Slug.Require(tenant, nameof(tenant))}/{Year(year)}";

    /// <summary>The 考核通知 of a tenant-year (its editions kept like the results bulletin's): <c>tenant/year/notice</c>.</summary>
    public static string Notice(string tenant, int year) => $"{Round(tenant, year)}/notice";

    /// <summary>The tenant and year of a publication key: a round's results bulletin (<c>tenant/year</c>) or its notice.</summary>
    public static (string Tenant, int Year) ParsePublication(string key) =>
        key.EndsWith("/notice", StringComparison.Ordinal) ? ParseRound(key[..^"/notice".Length]) : ParseRound(key);

    public static (string Tenant, string County, int Year) ParseCounty(string key)
    {
        var p = key.Split('/');
        return p.Length == 3 ? (p[0], p[1], int.Parse(p[2], CultureInfo.InvariantCulture)) : throw new FormatException($"'{key}' is not a county key.");
    }

    public static (string Tenant, string County, string Unit, int Year) ParseUnit(string key)
    {
        var p = key.Split('/');
        return p.Length == 4 ? (p[0], p[1], p[2], int.Parse(p[3], CultureInfo.InvariantCulture)) : throw new FormatException($"'{key}' is not a unit key.");
    }

    public static (string Tenant, int Year) ParseRound(string key)
    {
        var p = key.Split('/');
        return p.Length == 2 ? (p[0], int.Parse(p[1], CultureInfo.InvariantCulture)) : throw new FormatException($"'{key}' is not a round key.");
    }

    /// <summary>True when the year is within the supported range.</summary>
    public static bool IsValidYear(int year) => year is >= MinYear and <= MaxYear;

    private static string Year(int year) => IsValidYear(year)
        ? year.ToString(CultureInfo.InvariantCulture)
        : throw new ArgumentOutOfRangeException(nameof(year), year, $"Year must be within {MinYear}–{MaxYear}.");
}
