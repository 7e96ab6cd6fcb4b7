using System.Text.Json;
using Assessment.Domain.Aggregation;
using Assessment.Domain.Workflow;
using Assessment.Grains.Abstractions;
using Assessment.Grains.Grains;

namespace Assessment.Grains.Tests;

/// <summary>
/// The unit and county states are stored with source-generated JSON metadata. The stored format must be exactly what
/// reflection-based System.Text.Json writes (what earlier versions stored), both ways, or stored rows become unreadable.
/// </summary>
public class StorageFormatTests
{
    private static readonly JsonSerializerOptions Reflection = new(JsonSerializerDefaults.General);
    private static readonly JsonGrainStorageSerializer Storage = new();
    private static readonly DateTimeOffset At = new(2025, 3, 1, 9, 30, 0, TimeSpan.FromHours(8));

    [Fact]
    public void A_county_state_is_stored_as_before_and_read_back_whole()
    {
        var state = new CountyState
        {
            Cells = { ["mediation.disputes_received"] = new AggregateCell { Sum = 12.5m, Reporters = 3, WeightSum = 1.25m } },
            UnitVersions = { ["u1"] = 4 },
            Revision = 7,
            UpdatedAt = At,
            Phase = RoundPhase.Open,
            Status = CountyStatus.Submitted,
            Version = 3,
            Deadline = At.AddDays(30),
            ReturnReason = "请补充“述法”材料",
            SchemeId = "default@1",
            Units = ["u1", "u2"],
            RequiredUnitCodes = ["mediation.disputes_received"],
            UnitStoredAt = { ["u1"] = At },
            UnitMissing = { ["u2"] = 5 },
            Adjustments = [new AdjustmentRecord("a1", "org", -1.5, "核查", null, "考核办", At)],
            AuditCount = 2,
            AuditHash = "abc",
            NextAdjustment = 2,
            PendingAudit = [new AuditRecord(1, "0", "{}", "h1")],
            RecentRequests = [Guid.Parse("6f0d5d0e-2b8a-4c1e-9d5b-0a1b2c3d4e5f")],
        };

        AssertSameFormat(state);
    }

    [Fact]
    public void A_unit_state_is_stored_as_before_and_read_back_whole()
    {
        var state = new UnitState
        {
            Version = 2,
            Values = { ["legalaid.cases"] = 15 },
            Notes = { ["legalaid.cases"] = "含认罪认罚" },
            ConfirmedVersion = 1,
            Unconfirmed = [new VersionValues(2, new Dictionary<string, double> { ["legalaid.cases"] = 15 })],
            Receipts = [new ReceiptRecord { Id = Guid.Parse("0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9"), Hash = "x", Version = 2, Accepted = 1, StoredAt = At }],
            LastStoredAt = At,
            LastActor = "甲县司法局",
            LastReason = null,
        };

        AssertSameFormat(state);
    }

    private static void AssertSameFormat<T>(T state)
    {
        var before = JsonSerializer.Serialize(state, Reflection);
        var stored = Storage.Serialize(state).ToString();
        Assert.Equal(before, stored);
        var read = Storage.Deserialize<T>(BinaryData.FromString(before));
        Assert.Equal(before, JsonSerializer.Serialize(read, Reflection));
    }
}
