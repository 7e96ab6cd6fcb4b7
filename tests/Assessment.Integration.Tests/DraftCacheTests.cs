using Assessment.Bulletins;
using Assessment.Server.Services;

namespace Assessment.Integration.Tests;

/// <summary>The kept drafts: found again only for exactly the input they were rendered from, and bounded.</summary>
public sealed class DraftCacheTests
{
    private static BulletinInput Input() => new("那曲市", "那曲市全面依法治市委员会办公室", "那法办", "各县（区）", 2025, 0, new DateOnly(2026, 3, 2), true, "测试细则",
        ["优秀", "良好"], [new BulletinDimension("org", "组织领导", 40)],
        [new BulletinRow(1, "c0", "城关区", 91.5, "优秀", [38], false, false), new BulletinRow(2, "c1", "安多县", 88, "良好", [35], false, false)],
        Draft: true)
    {
        Timeliness = new BulletinTimeliness(40, 38, 2, 5),
    };

    [Fact]
    public void A_draft_is_found_again_only_for_an_equal_input()
    {
        var cache = new DraftCache();
        var draft = new RenderedBulletin("<html>", "text/html", "00");
        var key = DraftCache.Key(Input());
        cache.Keep("t", 2025, BulletinFormat.Html, key, draft);

        Assert.Same(draft, cache.Find("t", 2025, BulletinFormat.Html, DraftCache.Key(Input())));
        Assert.Null(cache.Find("t", 2025, BulletinFormat.Markdown, key));
        Assert.Null(cache.Find("t", 2024, BulletinFormat.Html, key));
        Assert.Null(cache.Find("u", 2025, BulletinFormat.Html, key));

        // Whatever the render reads changes the key: a total, the timeliness, a setting, the date.
        BulletinInput[] changed =
        [
            Input() with { Rows = [new BulletinRow(1, "c0", "城关区", 91.6, "优秀", [38], false, false), Input().Rows[1]] },
            Input() with { Timeliness = new BulletinTimeliness(40, 39, 2, 5) },
            Input() with { Settings = BulletinSettings.Default with { NextSteps = ["加强督察"] } },
            Input() with { IssuedOn = new DateOnly(2026, 3, 3) },
        ];
        foreach (var input in changed)
        {
            Assert.Null(cache.Find("t", 2025, BulletinFormat.Html, DraftCache.Key(input)));
        }
    }

    [Fact]
    public void The_cache_holds_at_most_its_bound()
    {
        var cache = new DraftCache();
        var key = DraftCache.Key(Input());
        for (var year = 0; year <= DraftCache.MaxEntries; year++)
        {
            cache.Keep("t", 2000 + year, BulletinFormat.Html, key, new RenderedBulletin("", "", ""));
        }

        var kept = Enumerable.Range(0, DraftCache.MaxEntries + 1).Count(y => cache.Find("t", 2000 + y, BulletinFormat.Html, key) is not null);
        Assert.InRange(kept, 1, DraftCache.MaxEntries);
    }
}
