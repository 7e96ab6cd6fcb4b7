using System.Text;

namespace Assessment.Domain.Tests;

/// <summary>
/// Generates YAML that uses anchors, aliases and merge keys in the shapes that once ended the process: an anchor
/// defined twice, an alias to a collection from inside itself, merge keys of aliases, aliases as keys, nesting of all
/// of these, in flow and block style. Shared (as a linked file) by the domain and the integration tests.
/// </summary>
public static class HostileYaml
{
    /// <summary>A document whose <paramref name="field"/> holds a generated structure, after a few ordinary fields.</summary>
    public static string Document(int seed, string prefix, string field)
    {
        var random = new Random(seed);
        var anchors = new List<string>();
        var body = Node(random, anchors, depth: 0);
        var text = new StringBuilder(prefix);
        if (random.Next(3) == 0)
        {
            // Block style: the classic self-reference and redefinition, then the generated flow structure.
            var name = Name(random);
            text.Append($"base: &{name}\n  - a\n  - *{name}\n");
            anchors.Add(name);
        }

        text.Append(field).Append(": ").Append(body).Append('\n');
        if (random.Next(2) == 0 && anchors.Count > 0)
        {
            text.Append($"again: &{anchors[random.Next(anchors.Count)]} {{ x: 1 }}\n");
            text.Append($"use: *{anchors[random.Next(anchors.Count)]}\n");
        }

        // Every document holds at least one anchor, alias or merge key, whatever the draw.
        if (!body.Contains('&', StringComparison.Ordinal) && !body.Contains('*', StringComparison.Ordinal) && anchors.Count == 0)
        {
            text.Append("tail: { <<: { a: 1 }, b: *nowhere }\n");
        }

        return text.ToString();
    }

    private static string Node(Random random, List<string> anchors, int depth)
    {
        var pick = depth >= 4 ? random.Next(3) : random.Next(8);
        switch (pick)
        {
            case 0:
                return "v" + random.Next(100);
            case 1 or 2:
                return anchors.Count > 0 && random.Next(3) > 0 ? "*" + anchors[random.Next(anchors.Count)] : "*" + Name(random);
            case 3 or 4:
            {
                // An anchored collection whose children may refer to the anchor itself (self-reference).
                var name = random.Next(3) == 0 && anchors.Count > 0 ? anchors[random.Next(anchors.Count)] : Name(random);
                anchors.Add(name);
                var items = Enumerable.Range(0, 1 + random.Next(3)).Select(_ => Node(random, anchors, depth + 1));
                return $"&{name} [{string.Join(", ", items)}]";
            }

            case 5:
            {
                var name = Name(random);
                anchors.Add(name);
                var pairs = Enumerable.Range(0, 1 + random.Next(3)).Select(i => $"k{i}: {Node(random, anchors, depth + 1)}");
                return $"&{name} {{{string.Join(", ", pairs)}}}";
            }

            case 6:
            {
                // Merge keys, of one alias or a list of them.
                var target = anchors.Count > 0 ? anchors[random.Next(anchors.Count)] : Name(random);
                var merge = random.Next(2) == 0 ? $"*{target}" : $"[*{target}, *{target}]";
                return $"{{<<: {merge}, k: {Node(random, anchors, depth + 1)}}}";
            }

            default:
            {
                // An alias as a key, or an anchored scalar.
                var name = Name(random);
                anchors.Add(name);
                return random.Next(2) == 0 ? $"{{&{name} key: {Node(random, anchors, depth + 1)}}}" : $"[&{name} s, *{name}]";
            }
        }
    }

    private static string Name(Random random) => "a" + random.Next(4);
}
