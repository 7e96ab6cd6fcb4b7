namespace Assessment.Grains.Grains;

/// <summary>Names of the grain storage providers the grains use.</summary>
public static class StorageNames
{
    /// <summary>The one grain storage (PostgreSQL in the server, memory in grain tests).</summary>
    public const string Default = "assessment";
}
