using System.Globalization;
using System.Text.Json;
using Google.Protobuf.Reflection;

namespace Assessment.Server.Services;

/// <summary>
/// Checks a JSON route's request against the request message it becomes, before transcoding parses it, so that every
/// refusal names the field in Chinese: each property must name a field (by its JSON or proto name, once, one member
/// per oneof), each value must have the field's kind (proto3 JSON mapping: 64-bit integers may be strings, enums are
/// names or numbers, Timestamp is an RFC 3339 string) and integers must fit. Path and query parameters follow the same
/// rules for scalars. The walk follows the JSON, whose depth the caller has already bounded.
/// </summary>
public static class JsonRequestShape
{
    /// <summary>Null when <paramref name="body"/> fits <paramref name="message"/>, else the Chinese reason it does not.</summary>
    public static string? CheckBody(MessageDescriptor message, JsonElement body) =>
        body.ValueKind == JsonValueKind.Object ? CheckObject(message, body, "") : "请求体应为 JSON 对象。";

    /// <summary>A path or query parameter: <paramref name="name"/> as the client wrote it, possibly a dotted path into nested messages.</summary>
    public static string? CheckParameter(MessageDescriptor message, string name, string value)
    {
        FieldDescriptor? field = null;
        var current = message;
        foreach (var part in name.Split('.'))
        {
            if (current is null || Find(current, part) is not { } next)
            {
                return $"未知参数“{Shorten(name)}”。";
            }

            field = next;
            current = next.FieldType == FieldType.Message && !IsScalarLike(next.MessageType) ? next.MessageType : null;
        }

        if (field is null || (field.FieldType == FieldType.Message && !IsScalarLike(field.MessageType)) || field.IsMap)
        {
            return $"参数“{Shorten(name)}”不能在网址中给出，请放在请求体中。";
        }

        return ScalarText(field, value) ? null : $"参数“{Shorten(name)}”应为{KindName(field)}，收到“{Shorten(value)}”。";
    }

    /// <summary>Whether a (possibly dotted) parameter names a repeated field, which may be given more than once.</summary>
    public static bool IsRepeated(MessageDescriptor message, string name)
    {
        FieldDescriptor? field = null;
        foreach (var part in name.Split('.'))
        {
            if (message is null || Find(message, part) is not { } next)
            {
                return false;
            }

            field = next;
            message = next.FieldType == FieldType.Message ? next.MessageType : null!;
        }

        return field is { IsRepeated: true };
    }

    private static string? CheckObject(MessageDescriptor message, JsonElement value, string path)
    {
        var seen = new HashSet<int>();
        var oneofs = new Dictionary<OneofDescriptor, string>();
        foreach (var property in value.EnumerateObject())
        {
            var at = path.Length == 0 ? property.Name : $"{path}.{property.Name}";
            if (Find(message, property.Name) is not { } field)
            {
                return $"未知字段“{Shorten(at)}”。";
            }

            if (!seen.Add(field.FieldNumber))
            {
                return $"字段“{Shorten(at)}”出现了两次。";
            }

            if (field.RealContainingOneof is { } oneof && property.Value.ValueKind != JsonValueKind.Null)
            {
                if (oneofs.TryGetValue(oneof, out var other))
                {
                    return $"字段“{Shorten(at)}”与“{Shorten(other)}”只能给出其一。";
                }

                oneofs[oneof] = at;
            }

            if (CheckField(field, property.Value, at) is { } problem)
            {
                return problem;
            }
        }

        return null;
    }

    private static string? CheckField(FieldDescriptor field, JsonElement value, string path)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;                                   // proto3 JSON: null is the field's default
        }

        if (field.IsMap)
        {
            if (value.ValueKind != JsonValueKind.Object)
            {
                return $"字段“{Shorten(path)}”应为对象。";
            }

            var valueField = field.MessageType.FindFieldByNumber(2);
            foreach (var entry in value.EnumerateObject())
            {
                if (CheckSingle(valueField, entry.Value, $"{path}.{entry.Name}") is { } problem)
                {
                    return problem;
                }
            }

            return null;
        }

        if (field.IsRepeated)
        {
            if (value.ValueKind != JsonValueKind.Array)
            {
                return $"字段“{Shorten(path)}”应为数组。";
            }

            var index = 0;
            foreach (var item in value.EnumerateArray())
            {
                var at = $"{path}[{index++}]";
                if (item.ValueKind == JsonValueKind.Null)
                {
                    return $"字段“{Shorten(at)}”不能为 null。";
                }

                if (CheckSingle(field, item, at) is { } problem)
                {
                    return problem;
                }
            }

            return null;
        }

        return CheckSingle(field, value, path);
    }

    private static string? CheckSingle(FieldDescriptor field, JsonElement value, string path)
    {
        if (field.FieldType == FieldType.Message && !IsScalarLike(field.MessageType))
        {
            return value.ValueKind == JsonValueKind.Object ? CheckObject(field.MessageType, value, path) : $"字段“{Shorten(path)}”应为对象。";
        }

        var fits = value.ValueKind switch
        {
            JsonValueKind.String => ScalarText(field, value.GetString()!),
            JsonValueKind.Number => NumberFits(field, value),
            JsonValueKind.True or JsonValueKind.False => field.FieldType == FieldType.Bool || WrapperOf(field) == "google.protobuf.BoolValue",
            _ => false,
        };
        return fits ? null : $"字段“{Shorten(path)}”应为{KindName(field)}。";
    }

    /// <summary>Timestamp, Duration and the wrappers are written as scalars in JSON.</summary>
    private static bool IsScalarLike(MessageDescriptor message) =>
        message.FullName is "google.protobuf.Timestamp" or "google.protobuf.Duration" || message.FullName.EndsWith("Value", StringComparison.Ordinal)
        && message.File.Name == "google/protobuf/wrappers.proto";

    private static string? WrapperOf(FieldDescriptor field) =>
        field.FieldType == FieldType.Message && IsScalarLike(field.MessageType) ? field.MessageType.FullName : null;

    /// <summary>The type a scalar-like field holds: a wrapper's inner field, or the field itself.</summary>
    private static FieldType EffectiveType(FieldDescriptor field) =>
        WrapperOf(field) is { } wrapper && wrapper.StartsWith("google.protobuf.", StringComparison.Ordinal) && field.MessageType.Fields.InFieldNumberOrder() is [var inner]
            ? inner.FieldType
            : field.FieldType;

    private static bool NumberFits(FieldDescriptor field, JsonElement value) => EffectiveType(field) switch
    {
        FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => value.TryGetInt32(out _),
        FieldType.UInt32 or FieldType.Fixed32 => value.TryGetUInt32(out _),
        FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => value.TryGetInt64(out _),
        FieldType.UInt64 or FieldType.Fixed64 => value.TryGetUInt64(out _),
        FieldType.Double or FieldType.Float => value.TryGetDouble(out var d) && double.IsFinite(d),
        FieldType.Enum => value.TryGetInt32(out var number) && field.EnumType.FindValueByNumber(number) is not null,
        _ => false,
    };

    private static bool ScalarText(FieldDescriptor field, string text)
    {
        if (WrapperOf(field) == "google.protobuf.Timestamp")
        {
            // As proto3 JSON writes it: RFC 3339 with 'T' and an explicit offset ('Z' or ±hh:mm).
            return text.Contains('T', StringComparison.Ordinal) && (text.EndsWith('Z') || System.Text.RegularExpressions.Regex.IsMatch(text, @"[+-]\d{2}:\d{2}$"))
                && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out _);
        }

        if (WrapperOf(field) == "google.protobuf.Duration")
        {
            return text.EndsWith('s') && decimal.TryParse(text[..^1], NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out _);
        }

        const NumberStyles integer = NumberStyles.AllowLeadingSign;
        var c = CultureInfo.InvariantCulture;
        return EffectiveType(field) switch
        {
            FieldType.String => true,
            FieldType.Bytes => IsBase64(text),
            FieldType.Bool => text is "true" or "false",
            FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => int.TryParse(text, integer, c, out _),
            FieldType.UInt32 or FieldType.Fixed32 => uint.TryParse(text, NumberStyles.None, c, out _),
            FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => long.TryParse(text, integer, c, out _),
            FieldType.UInt64 or FieldType.Fixed64 => ulong.TryParse(text, NumberStyles.None, c, out _),
            FieldType.Double or FieldType.Float => text is "NaN" or "Infinity" or "-Infinity"
                || double.TryParse(text, NumberStyles.Float, c, out var d) && double.IsFinite(d),
            FieldType.Enum => field.EnumType.FindValueByName(text) is not null || (int.TryParse(text, integer, c, out var number) && field.EnumType.FindValueByNumber(number) is not null),
            _ => false,
        };
    }

    private static bool IsBase64(string text)
    {
        var standard = text.Replace('-', '+').Replace('_', '/');
        standard += (standard.Length % 4) switch { 2 => "==", 3 => "=", _ => "" };
        return Convert.TryFromBase64String(standard, new byte[standard.Length * 3 / 4 + 3], out _);
    }

    private static string KindName(FieldDescriptor field)
    {
        if (WrapperOf(field) == "google.protobuf.Timestamp")
        {
            return "RFC 3339 时间字符串（如 2026-12-31T16:00:00Z）";
        }

        if (WrapperOf(field) == "google.protobuf.Duration")
        {
            return "时长字符串（如 3600s）";
        }

        return EffectiveType(field) switch
        {
            FieldType.String => "字符串",
            FieldType.Bytes => "Base64 字符串",
            FieldType.Bool => "布尔值（true 或 false）",
            FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => "32 位整数",
            FieldType.UInt32 or FieldType.Fixed32 => "32 位非负整数",
            FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => "64 位整数（数字或字符串）",
            FieldType.UInt64 or FieldType.Fixed64 => "64 位非负整数（数字或字符串）",
            FieldType.Double or FieldType.Float => "数字",
            FieldType.Enum => "以下取值之一：" + string.Join("、", field.EnumType.Values.Select(v => v.Name)),
            _ => "对象",
        };
    }

    private static FieldDescriptor? Find(MessageDescriptor message, string name) =>
        message.FindFieldByName(name) is { } byProto ? byProto : message.Fields.InDeclarationOrder().FirstOrDefault(f => f.JsonName == name);

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..60] + "…";
}
