using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Assessment.Grains.Grains;
using Orleans.Storage;

namespace Assessment.Grains;

/// <summary>
/// Stores grain state as compact System.Text.Json UTF-8: readable in the database, independent of the Orleans wire
/// format, and smaller than the default binary serializer's output for our dictionary-shaped states. The states written
/// on every submission (unit and county) have source-generated metadata: no reflection on the hot path or after a
/// restart, and the same JSON as before (names and shapes unchanged, so stored rows stay readable).
/// </summary>
public sealed class JsonGrainStorageSerializer : IGrainStorageSerializer
{
    internal static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.General)
    {
        WriteIndented = false,
        TypeInfoResolver = JsonTypeInfoResolver.Combine(StorageJsonContext.Default, new DefaultJsonTypeInfoResolver()),
    };

    public BinaryData Serialize<T>(T? input) => new(JsonSerializer.SerializeToUtf8Bytes(input, Options));

    public T Deserialize<T>(BinaryData input) => JsonSerializer.Deserialize<T>(input.ToMemory().Span, Options)!;
}

/// <summary>Compile-time serialization metadata of the states written per submission.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.General)]
[JsonSerializable(typeof(UnitState))]
[JsonSerializable(typeof(CountyState))]
[JsonSerializable(typeof(Assessment.Grains.Abstractions.CountyFactsSnapshot))]
internal sealed partial class StorageJsonContext : JsonSerializerContext;
