using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Assessment.Grains.Grains;
using Orleans.Storage;

namespace Assessment.Grains;

/// <summary>
/// Stores grain state as compact System.Text.Json UTF-8 (compressed for the states rewritten on every submission):
/// independent of the Orleans wire format, and smaller than the default binary serializer's output for our
/// dictionary-shaped states. The states written on every submission (unit and county) have source-generated metadata:
/// no reflection on the hot path or after a restart, and the same JSON as before (names and shapes unchanged, so
/// stored rows stay readable).
/// </summary>
/// <param name="compress">Store large states compressed (<see cref="StoredPayload"/>): the states rewritten on every
/// submission. Reading accepts both forms either way.</param>
public sealed class JsonGrainStorageSerializer(bool compress = false) : IGrainStorageSerializer
{
    internal static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.General)
    {
        WriteIndented = false,
        TypeInfoResolver = JsonTypeInfoResolver.Combine(StorageJsonContext.Default, new DefaultJsonTypeInfoResolver()),
    };

    public BinaryData Serialize<T>(T? input)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(input, Options);
        return new(compress ? StoredPayload.Pack(json) : json);
    }

    public T Deserialize<T>(BinaryData input) => JsonSerializer.Deserialize<T>(StoredPayload.Unpack(input.ToMemory()).Span, Options)!;
}

/// <summary>Compile-time serialization metadata of the states written per submission.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.General)]
[JsonSerializable(typeof(UnitState))]
[JsonSerializable(typeof(CountyState))]
[JsonSerializable(typeof(Assessment.Grains.Abstractions.CountyFactsSnapshot))]
internal sealed partial class StorageJsonContext : JsonSerializerContext;
