using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Assessment.Domain;

/// <summary>A YAML text broke one of the platform's rules for YAML; the message says which, in Chinese, with its line.</summary>
public sealed class YamlRefusedException(Mark at, string reason) : YamlException(at, at, reason)
{
    /// <summary>What was refused, without the position (the position is <see cref="YamlException.Start"/>).</summary>
    public string Reason { get; } = reason;
}

/// <summary>
/// Bounds on a YAML document, enforced on the event stream while the tree (or object) is being built: every reader of
/// YAML wraps its parser in <see cref="Guard(IParser)"/>, so the checks see exactly the events the builder consumes and stop it
/// before a limit is passed. The node model and the deserializer recurse once per nesting level, so the depth limit is
/// also the bound on their recursion, whatever the input.
/// <para>
/// Anchors, aliases and merge keys are refused outright: nobody writes a scheme, a catalog or a submission with them,
/// and they are how a small text becomes a node that contains itself (hashing it overflows the stack) or expands
/// without end. Keys must be plain text and appear once per mapping.
/// </para>
/// </summary>
public sealed record YamlLimits(int MaxDepth = 64, int MaxNodes = 20_000, int MaxScalarLength = 20_000, int MaxDocuments = 1)
{
    /// <summary>The limits for the YAML the platform reads from people (schemes, submissions, lists) and its own data.</summary>
    public static YamlLimits Default { get; } = new();

    /// <summary>
    /// Seed files describe a whole prefecture, or a whole country in the benchmarks (2,850 counties × 40 units): many
    /// nodes, but the same bounds on depth, scalars and keys.
    /// </summary>
    public static YamlLimits Seed { get; } = new(MaxNodes: 50_000_000);

    /// <summary>
    /// A tenant's catalog: up to <c>CatalogLoader.MaxIndicators</c> indicators of a dozen fields each, so the catalog's
    /// own limit (with its field path) is what a person meets, not this one.
    /// </summary>
    public static YamlLimits Catalog { get; } = new(MaxNodes: 40_000);

    /// <summary>A parser that refuses, with a <see cref="YamlRefusedException"/>, the first event past a limit.</summary>
    public IParser Guard(IParser inner) => new GuardedParser(inner, this);

    /// <summary>A parser of the text, guarded.</summary>
    public IParser Guard(string text) => Guard(new Parser(new StringReader(text)));

    /// <summary>
    /// The document's root node (null for an empty text), built within the limits. Throws <see cref="YamlRefusedException"/>
    /// for a limit and <see cref="YamlException"/> for a syntax error, both with the line.
    /// </summary>
    public YamlNode? Load(string text)
    {
        var stream = new YamlStream();
        stream.Load(Guard(text));
        return stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
    }

    /// <summary>
    /// The first rule the text breaks, as "第 N 行：…", or null when it keeps all of them (syntax errors are left to the
    /// real parse, which reports them with their line).
    /// </summary>
    public string? Check(string text)
    {
        var parser = Guard(text);
        try
        {
            while (parser.MoveNext())
            {
            }
        }
        catch (YamlRefusedException refused)
        {
            return Describe((YamlException)refused);
        }
        catch (YamlException)
        {
            return null;
        }

        return null;
    }

    /// <summary>
    /// A refusal or a syntax error as one line for a person, in Chinese with its position; the parser's English sentence
    /// goes to no person.
    /// </summary>
    public static string Describe(YamlException ex) => ex is YamlRefusedException refused
        ? $"第 {refused.Start.Line} 行：{refused.Reason}"
        : $"第 {ex.Start.Line} 行第 {ex.Start.Column} 列：YAML 格式错误（请检查缩进、冒号后的空格、引号与括号是否成对）";

    private sealed class GuardedParser(IParser inner, YamlLimits limits) : IParser
    {
        // One frame per open collection: for a mapping, the keys seen so far and whether the next node is a key.
        private readonly Stack<Frame> _open = new();
        private long _nodes;
        private int _documents;

        public ParsingEvent? Current => inner.Current;

        public bool MoveNext()
        {
            try
            {
                if (!inner.MoveNext())
                {
                    return false;
                }
            }
            catch (InvalidOperationException)
            {
                // YamlDotNet's scanner throws this for some unclosed flow collections: a syntax error like any other.
                var at = inner.Current?.End ?? Mark.Empty;
                throw new YamlException(at, at, "unexpected end of a flow collection");
            }

            var e = inner.Current!;
            switch (e)
            {
                case DocumentStart when ++_documents > limits.MaxDocuments:
                    throw Refuse(e, $"一个文件只能包含 {limits.MaxDocuments} 个 YAML 文档（不要用 --- 分隔多个文档）");
                case AnchorAlias alias:
                    throw Refuse(e, $"不接受 YAML 别名（*{alias.Value.Value}）：请把内容直接写出");
                case NodeEvent node:
                    Node(node);
                    break;
                case MappingEnd or SequenceEnd:
                    _open.Pop();
                    break;
            }

            return true;
        }

        private void Node(NodeEvent node)
        {
            if (!node.Anchor.IsEmpty)
            {
                throw Refuse(node, $"不接受 YAML 锚点（&{node.Anchor.Value}）：请把内容直接写出");
            }

            if (++_nodes > limits.MaxNodes)
            {
                throw Refuse(node, $"节点超过 {limits.MaxNodes} 个的上限");
            }

            if (_open.TryPeek(out var parent) && parent.Keys is { } keys)
            {
                if (parent.ExpectKey)
                {
                    if (node is not Scalar key)
                    {
                        throw Refuse(node, "映射的键须为普通文字，不能是列表或映射");
                    }

                    if (key.Value == "<<" && key.Style == ScalarStyle.Plain)
                    {
                        throw Refuse(node, "不接受 YAML 合并键（<<）：请把内容直接写出");
                    }

                    if (!keys.Add(key.Value))
                    {
                        throw Refuse(node, $"键“{Clip(key.Value)}”在同一映射中出现了两次");
                    }
                }

                parent.ExpectKey = !parent.ExpectKey;
            }

            switch (node)
            {
                case Scalar scalar when scalar.Value.Length > limits.MaxScalarLength:
                    throw Refuse(node, $"一个值超过 {limits.MaxScalarLength} 个字符的上限");
                case MappingStart or SequenceStart:
                    if (_open.Count >= limits.MaxDepth)
                    {
                        throw Refuse(node, $"嵌套超过 {limits.MaxDepth} 层的上限");
                    }

                    _open.Push(new Frame(node is MappingStart ? new HashSet<string>(StringComparer.Ordinal) : null));
                    break;
            }
        }

        private static string Clip(string text) => text.Length <= 40 ? text : text[..40] + "…";

        private static YamlRefusedException Refuse(ParsingEvent e, string reason) => new(e.Start, reason);

        private sealed class Frame(HashSet<string>? keys)
        {
            public HashSet<string>? Keys { get; } = keys;

            public bool ExpectKey { get; set; } = true;
        }
    }
}
