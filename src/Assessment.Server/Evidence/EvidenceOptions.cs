namespace Assessment.Server.Evidence;

/// <summary>Limits of 佐证材料 (configuration section <c>Evidence</c>).</summary>
public sealed class EvidenceOptions
{
    public const string Section = "Evidence";

    /// <summary>Largest chunk of an upload or a download.</summary>
    public const int ChunkBytes = 1024 * 1024;

    /// <summary>Smallest chunk of an upload but its last.</summary>
    public const int MinChunkBytes = 64 * 1024;

    /// <summary>Largest file.</summary>
    public long MaxFileBytes { get; set; } = 50L * 1024 * 1024;

    /// <summary>Files a unit (or a county for its own figures) may have attached at once in a year.</summary>
    public int MaxFilesPerUnit { get; set; } = 500;

    /// <summary>Bytes a unit's attached files may take in a year.</summary>
    public long MaxBytesPerUnit { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>Bytes a tenant may store in all (files and uploads in progress).</summary>
    public long MaxBytesPerTenant { get; set; } = 200L * 1024 * 1024 * 1024;

    /// <summary>Files read at once to check them (each reads its bytes once more from storage).</summary>
    public int MaxConcurrentChecks { get; set; } = 4;
}
