using System.Text.Json;
using Orleans.Storage;

namespace Assessment.Grains;

/// <summary>
/// Stores grain state as compact System.Text.Json UTF-8: readable in the database, independent of the Orleans wire
/// format, and smaller than the default binary serializer's output for our dictionary-shaped states.
/// </summary>
public sealed class JsonGrainStorageSerializer : IGrainStorageSerializer
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.General)
    {
        WriteIndented = false,
    };

    public BinaryData Serialize<T>(T? input) => new(JsonSerializer.SerializeToUtf8Bytes(input, Options));

    public T Deserialize<T>(BinaryData input) => JsonSerializer.Deserialize<T>(input.ToMemory().Span, Options)!;
}
