using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Assessment.Domain;

/// <summary>
/// Bounds on a YAML document, checked on the event stream before any tree is built. The node model and the
/// deserializer recurse once per nesting level and walk an alias as often as it is referenced, so a document that is
/// small in bytes can end the process (60,000 nested brackets overflow the stack) or expand without end (a
/// "billion laughs" of aliases). The streaming parser itself keeps no recursion, so scanning first is safe.
/// </summary>
public sealed record YamlLimits(int MaxDepth = 64, int MaxNodes = 20_000, int MaxScalarLength = 20_000, int MaxDocuments = 1)
{
    /// <summary>The limits for the YAML the platform reads from users (schemes) and its own data (catalog, cue book).</summary>
    public static YamlLimits Default { get; } = new();

    /// <summary>
    /// Seed files describe a whole prefecture, or a whole country in the benchmarks (2,850 counties × 40 units): many
    /// nodes, but the same bounds on depth, scalars and alias expansion.
    /// </summary>
    public static YamlLimits Seed { get; } = new(MaxNodes: 50_000_000);

    /// <summary>
    /// The first limit the text breaks, as a message that names it and its line, or null when it is within all of them
    /// (syntax errors are left to the real parse, which reports them with their line).
    /// </summary>
    public string? Check(string text)
    {
        var parser = new Parser(new StringReader(text));
        var depth = 0;
        long nodes = 0;
        var documents = 0;
        var anchors = new Dictionary<string, long>(StringComparer.Ordinal); // anchor → nodes it stands for
        var open = new Stack<(string? Anchor, long StartNodes)>();
        try
        {
            while (parser.MoveNext())
            {
                var e = parser.Current!;
                var line = e.Start.Line;
                switch (e)
                {
                    case DocumentStart when ++documents > MaxDocuments:
                        return $"line {line}: a file holds at most {MaxDocuments} YAML document(s)";
                    case Scalar scalar:
                        if (scalar.Value.Length > MaxScalarLength)
                        {
                            return $"line {line}: a value is longer than the limit of {MaxScalarLength} characters";
                        }

                        nodes++;
                        Remember(anchors, scalar.Anchor, 1);
                        break;
                    case AnchorAlias alias:
                        if (!anchors.TryGetValue(alias.Value.Value, out var size))
                        {
                            return $"line {line}: alias *{alias.Value.Value} names no anchor defined before it";
                        }

                        nodes += size;
                        break;
                    case NodeEvent node and (MappingStart or SequenceStart):
                        if (++depth > MaxDepth)
                        {
                            return $"line {line}: nesting is deeper than the limit of {MaxDepth} levels";
                        }

                        nodes++;
                        open.Push((node.Anchor.IsEmpty ? null : node.Anchor.Value, nodes - 1));
                        break;
                    case MappingEnd or SequenceEnd:
                        depth--;
                        var (anchor, start) = open.Pop();
                        if (anchor is not null)
                        {
                            anchors[anchor] = nodes - start;
                        }

                        break;
                }

                if (nodes > MaxNodes)
                {
                    return $"line {line}: more than the limit of {MaxNodes} nodes (aliases counted as often as they are used)";
                }
            }
        }
        catch (YamlException)
        {
            return null;
        }

        return null;
    }

    private static void Remember(Dictionary<string, long> anchors, AnchorName anchor, long size)
    {
        if (!anchor.IsEmpty)
        {
            anchors[anchor.Value] = size;
        }
    }
}
