using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Assessment.Domain;

/// <summary>A data file could not be loaded; every problem names its file, line and field.</summary>
public sealed class DataFileException(string file, IReadOnlyList<string> problems)
    : Exception($"{file} is invalid:{Environment.NewLine}  - {string.Join(Environment.NewLine + "  - ", problems)}")
{
    /// <summary>The file that failed.</summary>
    public string File { get; } = file;

    /// <summary>One message per problem, each with its line and field.</summary>
    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>
/// Reads YAML data files through the node model so that every error can name the line and the field.
/// Collects problems instead of stopping at the first, so a user fixes a file in one pass.
/// </summary>
internal sealed class YamlReader
{
    private readonly List<string> _problems = [];

    private readonly YamlLimits _limits;

    public YamlReader(string file, YamlLimits? limits = null) => (File, _limits) = (file, limits ?? YamlLimits.Default);

    public string File { get; }

    public IReadOnlyList<string> Problems => _problems;

    public YamlMappingNode? Parse(string text)
    {
        try
        {
            if (_limits.Load(text) is not YamlMappingNode root)
            {
                _problems.Add("第 1 行：文件须为 YAML 映射（键: 值）");
                return null;
            }

            return root;
        }
        catch (YamlException ex)
        {
            _problems.Add(YamlLimits.Describe(ex));
            return null;
        }
    }

    public void Problem(YamlNode? node, string field, string message) =>
        _problems.Add($"第 {(node is null ? 0 : node.Start.Line)} 行，{field}：{message}");

    public void ThrowIfAny()
    {
        if (_problems.Count > 0)
        {
            throw new DataFileException(File, _problems.ToArray());
        }
    }

    public static YamlNode? Child(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var node) ? node : null;

    public string? String(YamlMappingNode map, string key, string path, bool required = true)
    {
        var node = Child(map, key);
        if (node is null)
        {
            if (required)
            {
                Problem(map, $"{path}.{key}", "必填");
            }

            return null;
        }

        if (node is not YamlScalarNode scalar || string.IsNullOrWhiteSpace(scalar.Value))
        {
            Problem(node, $"{path}.{key}", "须为非空文字");
            return null;
        }

        return scalar.Value;
    }

    public double? Number(YamlMappingNode map, string key, string path, bool required = true)
    {
        var text = String(map, key, path, required);
        if (text is null)
        {
            return null;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            Problem(Child(map, key), $"{path}.{key}", $"“{text}”不是数字");
            return null;
        }

        return value;
    }

    public bool? Bool(YamlMappingNode map, string key, string path)
    {
        var text = String(map, key, path, required: false);
        if (text is null)
        {
            return null;
        }

        if (bool.TryParse(text, out var value))
        {
            return value;
        }

        Problem(Child(map, key), $"{path}.{key}", $"“{text}”须为 true 或 false");
        return null;
    }

    public IEnumerable<(YamlMappingNode Node, string Path)> Items(YamlMappingNode map, string key, string path, bool required = true)
    {
        var node = Child(map, key);
        if (node is null)
        {
            if (required)
            {
                Problem(map, $"{path}.{key}", "必填");
            }

            yield break;
        }

        if (node is not YamlSequenceNode seq)
        {
            Problem(node, $"{path}.{key}", "须为列表");
            yield break;
        }

        var index = 0;
        foreach (var item in seq.Children)
        {
            var itemPath = $"{path}.{key}[{index++}]";
            if (item is YamlMappingNode m)
            {
                yield return (m, itemPath);
            }
            else
            {
                Problem(item, itemPath, "须为映射（键: 值）");
            }
        }
    }

    public TEnum? Enum<TEnum>(YamlMappingNode map, string key, string path, IReadOnlyDictionary<string, TEnum> names, bool required = true)
        where TEnum : struct
    {
        var text = String(map, key, path, required);
        if (text is null)
        {
            return null;
        }

        if (names.TryGetValue(text, out var value))
        {
            return value;
        }

        Problem(Child(map, key), $"{path}.{key}", $"未知取值“{text}”（可选：{string.Join("、", names.Keys)}）");
        return null;
    }
}
