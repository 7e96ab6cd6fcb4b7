namespace Assessment.Domain;

/// <summary>Reads the data files (catalog, default scheme, demo seed) embedded in this assembly.</summary>
public static class EmbeddedData
{
    /// <summary>Returns the text of an embedded data file by its file name.</summary>
    public static string Read(string fileName)
    {
        var name = "Assessment.Domain.Data." + fileName;
        using var stream = typeof(EmbeddedData).Assembly.GetManifestResourceStream(name)
            ?? throw new FileNotFoundException($"Embedded data file '{fileName}' is missing from {typeof(EmbeddedData).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>The text of an embedded data file, or null when this build carries none.</summary>
    public static string? TryRead(string fileName)
    {
        using var stream = typeof(EmbeddedData).Assembly.GetManifestResourceStream("Assessment.Domain.Data." + fileName);
        if (stream is null)
        {
            return null;
        }

        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
