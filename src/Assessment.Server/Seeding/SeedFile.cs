using Assessment.Domain;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Assessment.Server.Seeding;

/// <summary>
/// A tenant to create with its roster and first year's figures (the demo prefecture, or a test tenant). Values marked
/// <c>synthetic</c> are generated; <c>report_values</c> come from a real annual report.
/// </summary>
public sealed class SeedFile
{
    public SeedTenant Tenant { get; set; } = new();
    public int Year { get; set; }

    /// <summary>Days from seeding to the round's submission deadline (the round opens when the tenant is seeded).</summary>
    public int DeadlineDays { get; set; } = 60;

    public List<SeedCounty> Counties { get; set; } = [];

    public static SeedFile Parse(string yaml)
    {
        try
        {
            return new DeserializerBuilder()
                .WithNamingConvention(UnderscoredNamingConvention.Instance)
                .Build()
                .Deserialize<SeedFile>(YamlLimits.Seed.Guard(yaml)) ?? new SeedFile();
        }
        catch (YamlDotNet.Core.YamlException ex)
        {
            // The deserializer wraps what went wrong inside (a refusal of the guard, a value of the wrong type).
            var refused = ex as YamlRefusedException ?? ex.InnerException as YamlRefusedException;
            throw new DataFileException("seed", [refused is not null || ex.InnerException is null
                ? YamlLimits.Describe(refused ?? ex)
                : $"第 {ex.Start.Line} 行：内容与种子文件的格式不符"]);
        }
    }

    /// <summary>The configured seed file, or the built-in 那曲市 demo.</summary>
    public static SeedFile Load(string? path)
    {
        if (!string.IsNullOrWhiteSpace(path))
        {
            return Parse(File.ReadAllText(path));
        }

        using var stream = typeof(SeedFile).Assembly.GetManifestResourceStream("Assessment.Seeds.demo-naqu.yaml")!;
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd());
    }
}

public sealed class SeedTenant
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public string Issuer { get; set; } = "";
    public string DocumentPrefix { get; set; } = "";
    public string Recipients { get; set; } = "";
    public bool PublishScores { get; set; } = true;
    public string? Webhook { get; set; }
}

public class SeedValues
{
    public bool Synthetic { get; set; }
    public string? Provenance { get; set; }
    public Dictionary<string, double> Values { get; set; } = [];
    public Dictionary<string, double> ReportValues { get; set; } = [];

    /// <summary>Report figures and synthetic fill-ins together (a report figure wins).</summary>
    public IEnumerable<KeyValuePair<string, double>> All() =>
        Values.Where(kv => !ReportValues.ContainsKey(kv.Key)).Concat(ReportValues).OrderBy(kv => kv.Key, StringComparer.Ordinal);
}

public sealed class SeedUnit : SeedValues
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";

    /// <summary>township (乡镇、街道) or department (县直部门, the default).</summary>
    public string? Kind { get; set; }
}

public sealed class SeedCounty
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";

    /// <summary>Grade group (e.g. 区 or 县) when the scheme grades groups on their own scales.</summary>
    public string? Group { get; set; }
    public SeedValues County { get; set; } = new();
    public SeedValues Assessor { get; set; } = new();
    public List<SeedUnit> Units { get; set; } = [];
}
