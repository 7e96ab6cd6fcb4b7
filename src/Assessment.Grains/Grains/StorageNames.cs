namespace Assessment.Grains.Grains;

/// <summary>Names of the grain storage providers the grains use.</summary>
public static class StorageNames
{
    /// <summary>The one grain storage (PostgreSQL in the server, memory in grain tests).</summary>
    public const string Default = "assessment";

    /// <summary>
    /// The county grains' storage: in the server a table of its own that stores each write's audit entries and the
    /// county's scoring facts in the state's transaction (PostgresCountyStorage); memory in grain tests.
    /// </summary>
    public const string Counties = "counties";

    /// <summary>
    /// The unit grains' storage: in the server a table of its own with the receipts in an insert-only table beside it,
    /// written in the state's transaction (PostgresUnitStorage); memory in grain tests.
    /// </summary>
    public const string Units = "units";
}
