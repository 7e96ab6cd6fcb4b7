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
    public void A_county_state_is_stored_as_before_and_read_back_whole() => AssertSameFormat(FullCountyState());

    [Fact]
    public void A_county_state_written_is_a_copy_of_every_stored_property()
    {
        // What a write stores is a clone of the grain's state: a property the clone leaves out is lost on reactivation
        // (评分人/复核人 marks and the codes needing 复核 once were). Every property is set in the sample, so a new one
        // that is not copied fails here.
        var state = FullCountyState();
        foreach (var property in typeof(CountyState).GetProperties().Where(p => p.GetCustomAttributes(typeof(IdAttribute), false).Length > 0))
        {
            var value = property.GetValue(state);
            var empty = property.GetValue(new CountyState());
            Assert.False(Equals(JsonSerializer.Serialize(value, Reflection), JsonSerializer.Serialize(empty, Reflection)), $"the sample leaves {property.Name} at its default");
        }

        Assert.Equal(JsonSerializer.Serialize(state, Reflection), JsonSerializer.Serialize(state.Clone(), Reflection));
    }

    private static CountyState FullCountyState() =>
        new()
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
            Marks = { ["pufa.site_visit_score"] = new PanelMark(8, "考核组张三（市级考核办）", At, "考核组李四（市级考核办）", At.AddHours(2)) },
            ReviewCodes = ["pufa.site_visit_score"],
            Townships = ["u2"],
            RequiredTownshipCodes = ["mediation.disputes_received"],
            Extension = At.AddDays(40),
            Evidence = new() { ["u1"] = new EvidenceTally(2, 1_048_576) },
            Reviews = new() { ["mediation.disputes_received"] = new MaterialsReview(MaterialsFinding.Incomplete, "缺少调解卷宗目录", "考核组张三（市级考核办）", At) },
        };

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

    [Fact]
    public void A_large_state_is_stored_compressed_and_a_plain_one_is_still_read()
    {
        var state = new UnitState { Version = 3, LastStoredAt = At };
        for (var i = 0; i < 40; i++)
        {
            state.Values[$"decision.normative_code_{i:D2}"] = i * 1.5;
        }

        state.Unconfirmed = [new VersionValues(2, new Dictionary<string, double>(state.Values))];
        var json = JsonSerializer.SerializeToUtf8Bytes(state, Reflection);
        var stored = new JsonGrainStorageSerializer(compress: true).Serialize(state).ToArray();

        Assert.Equal(0, stored[0]);
        Assert.True(stored.Length * 3 < json.Length, $"{json.Length} bytes of JSON stored in {stored.Length}");
        foreach (var reader in new[] { Storage, new JsonGrainStorageSerializer(compress: true) })
        {
            // Either serializer reads either form: rows written before compression, and rows written with it.
            Assert.Equal(json, JsonSerializer.SerializeToUtf8Bytes(reader.Deserialize<UnitState>(new BinaryData(stored)), Reflection));
            Assert.Equal(json, JsonSerializer.SerializeToUtf8Bytes(reader.Deserialize<UnitState>(new BinaryData(json)), Reflection));
        }
    }

    [Fact]
    public void A_small_state_stays_plain_json()
    {
        var state = new UnitState { Version = 1, Values = { ["org.meetings"] = 2 } };

        Assert.Equal(Storage.Serialize(state).ToArray(), new JsonGrainStorageSerializer(compress: true).Serialize(state).ToArray());
    }

    [Fact]
    public void A_compressed_row_that_does_not_expand_to_its_declared_length_is_refused()
    {
        var json = System.Text.Encoding.UTF8.GetBytes("{\"Values\":{" + string.Join(",", Enumerable.Range(0, 60).Select(i => $"\"c{i}\":{i}")) + "}}");
        var packed = StoredPayload.Pack(json);
        Assert.Equal(json, StoredPayload.Unpack(packed).ToArray());

        var truncated = packed[..^4];
        Assert.Throws<InvalidDataException>(() => StoredPayload.Unpack(truncated));
        var longer = (byte[])packed.Clone();
        longer[1]++; // declares one byte more than the stream holds
        Assert.Throws<InvalidDataException>(() => StoredPayload.Unpack(longer));
        var bomb = (byte[])packed.Clone();
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(bomb.AsSpan(1), StoredPayload.MaxJsonBytes + 1);
        Assert.Throws<InvalidDataException>(() => StoredPayload.Unpack(bomb)); // refused before anything is allocated
        Assert.Throws<InvalidDataException>(() => StoredPayload.Unpack(new byte[] { 0, 1 }));
    }

    [Fact]
    public void The_facts_a_county_hands_its_storage_are_never_stored_inside_its_state()
    {
        // The county computes its facts under the year's catalog for the storage's facts column; the state row stays
        // what earlier releases wrote, so a rolling upgrade reads it either way.
        var state = new CountyState { Revision = 3, UpdatedAt = At };
        var plain = Storage.Serialize(state).ToString();
        state.StoredFacts = state.Facts(Assessment.Domain.Catalog.IndicatorCatalog.Default);
        Assert.Equal(plain, Storage.Serialize(state).ToString());
        Assert.DoesNotContain("StoredFacts", plain, StringComparison.Ordinal);
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
