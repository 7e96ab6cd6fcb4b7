using System.Text;
using Assessment.Domain.Workflow;

namespace Assessment.Domain.Tests;

/// <summary>Tampering with a chain is found at the exact index: any byte, any deletion, any swap, any truncation.</summary>
public class AuditChainTests
{
    private static List<AuditRecord> Chain(int n)
    {
        var records = new List<AuditRecord>();
        var head = AuditHead.Empty;
        var at = new DateTimeOffset(2025, 1, 1, 8, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < n; i++)
        {
            var record = AuditChain.Next(head, new AuditEvent(at.AddMinutes(i), $"单位{i % 3}", i % 2 == 0 ? "submission" : "adjust",
                "enforce.cases", $"enforce.cases={i}", $"enforce.cases={i + 1}", i % 4 == 0 ? null : "核查发现少报"));
            records.Add(record);
            head = new AuditHead(i + 1, record.Hash);
        }

        return records;
    }

    [Fact]
    public void An_untouched_chain_is_intact_and_matches_its_head()
    {
        var chain = Chain(12);
        var result = AuditChain.Verify(chain, new AuditHead(12, chain[^1].Hash));
        Assert.True(result.Intact);
        Assert.Equal(12, result.Count);
        Assert.Equal("核查发现少报", AuditChain.Parse(chain[3].Body).Reason);
    }

    [Fact]
    public void Changing_any_byte_of_any_entry_is_found_at_that_entry()
    {
        var chain = Chain(8);
        for (var i = 0; i < chain.Count; i++)
        {
            var bytes = Encoding.UTF8.GetBytes(chain[i].Body);
            for (var b = 0; b < bytes.Length; b++)
            {
                var copy = (byte[])bytes.Clone();
                copy[b] ^= 0x01;
                var tampered = chain.ToList();
                tampered[i] = chain[i] with { Body = Encoding.UTF8.GetString(copy) };
                Assert.Equal(i, AuditChain.Verify(tampered).FirstBroken);
            }

            // The stored hashes are part of the entry too.
            var hashes = chain.ToList();
            hashes[i] = chain[i] with { Hash = Flip(chain[i].Hash) };
            Assert.Equal(i, AuditChain.Verify(hashes).FirstBroken);
            var links = chain.ToList();
            links[i] = chain[i] with { PrevHash = Flip(chain[i].PrevHash) };
            Assert.Equal(i, AuditChain.Verify(links).FirstBroken);
        }
    }

    [Fact]
    public void Deleting_an_entry_is_found_at_its_index()
    {
        var chain = Chain(8);
        for (var i = 0; i < chain.Count - 1; i++)
        {
            var deleted = chain.ToList();
            deleted.RemoveAt(i);
            Assert.Equal(i, AuditChain.Verify(deleted).FirstBroken);
            // Renumbering the rest to hide the gap still breaks the link at the same index.
            var renumbered = deleted.Select((r, k) => r with { Index = k }).ToList();
            Assert.Equal(i, AuditChain.Verify(renumbered).FirstBroken);
        }
    }

    [Fact]
    public void Swapping_entries_is_found_at_the_first_of_them()
    {
        var chain = Chain(8);
        for (var i = 0; i < chain.Count - 1; i++)
        {
            for (var j = i + 1; j < chain.Count; j++)
            {
                var swapped = chain.ToList();
                (swapped[i], swapped[j]) = (swapped[j] with { Index = i }, swapped[i] with { Index = j });
                Assert.Equal(i, AuditChain.Verify(swapped).FirstBroken);
                var bodies = chain.ToList();
                (bodies[i], bodies[j]) = (chain[i] with { Body = chain[j].Body }, chain[j] with { Body = chain[i].Body });
                Assert.Equal(i, AuditChain.Verify(bodies).FirstBroken);
            }
        }
    }

    [Fact]
    public void Truncation_is_found_only_against_the_anchored_head()
    {
        var chain = Chain(10);
        var anchor = new AuditHead(10, chain[^1].Hash);
        for (var keep = 0; keep < chain.Count; keep++)
        {
            var truncated = chain.Take(keep).ToList();
            Assert.True(AuditChain.Verify(truncated).Intact);
            var result = AuditChain.Verify(truncated, anchor);
            Assert.Equal(keep, result.FirstBroken);
            Assert.Contains("截断", result.Problem);
        }

        // A rebuilt tail (same length, different last entry) does not match the anchor either.
        var rebuilt = chain.Take(9).ToList();
        rebuilt.Add(AuditChain.Next(new AuditHead(9, chain[8].Hash), new AuditEvent(DateTimeOffset.UnixEpoch, "x", "y", "z", null, null, null)));
        Assert.Equal(9, AuditChain.Verify(rebuilt, anchor).FirstBroken);
    }

    private static string Flip(string hex) => (hex[0] == '0' ? "1" : "0") + hex[1..];
}
