using System.Globalization;
using System.IO.Compression;
using System.Text;
using Assessment.Domain.Evidence;
using Assessment.Grains;
using Assessment.Grains.Abstractions;
using Assessment.Server.Security;
using Assessment.Workbooks;

namespace Assessment.Server.Evidence;

/// <summary>
/// A county's 佐证材料 as one ZIP for the 实地核查, written as it is read: each file's chunks pass through the archive
/// to the caller's sink one at a time, so the server holds about one chunk whatever the package's size. Files that
/// are compressed already (PDF, images, Office, OFD) are stored, text is deflated.
/// </summary>
public sealed class EvidencePackager(EvidenceDesk desk, IEvidenceStore store, RoundCatalogs catalogs, IClusterClient cluster)
{
    /// <summary>The county a package is of, checked before any byte is sent (a refusal after the first byte could not be told).</summary>
    public async Task<(string County, string Name)> ScopeAsync(Caller caller, int year, string? county)
    {
        var scope = desk.PackageScope(caller, year, county);
        var profile = await cluster.GetGrain<ITenantGrain>(GrainKeys.Tenant(caller.Tenant)).GetProfile();
        return (scope, profile?.County(scope)?.Name ?? throw new NotFoundException("本市名单中没有该县（区）。"));
    }

    /// <summary>Writes the package to <paramref name="sink"/> in pieces of at most <see cref="EvidenceOptions.ChunkBytes"/>.</summary>
    public async Task WriteAsync(Caller caller, int year, string? county, Func<ReadOnlyMemory<byte>, Task> sink, CancellationToken ct)
    {
        var (scope, _) = await ScopeAsync(caller, year, county);
        var catalog = (await catalogs.ForYearOrLatestAsync(caller.Tenant, year)).Catalog;
        var profile = await cluster.GetGrain<ITenantGrain>(GrainKeys.Tenant(caller.Tenant)).GetProfile();
        var countyInfo = profile?.County(scope) ?? throw new NotFoundException("本市名单中没有该县（区）。");
        var roster = countyInfo.Units.ToDictionary(u => u.Id, u => u.Name, StringComparer.Ordinal);
        string UnitName(string unit) => unit == GrainKeys.CountySelf ? "县本级" : roster.GetValueOrDefault(unit, unit);
        var dimensions = catalog.Dimensions.Select((d, i) => (d.Code, Folder: $"{i + 1:00} {Safe(d.Name)}")).ToDictionary(d => d.Code, d => d.Folder, StringComparer.Ordinal);

        var rows = new List<EvidenceIndexRow>();
        var taken = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        await using var output = new SinkStream(sink);
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true, Encoding.UTF8))
        {
            foreach (var file in await desk.ListAllAsync(caller, year, scope, ct))
            {
                var indicator = catalog.TryGet(file.Indicator, out var i) ? i : null;
                var dimension = indicator is not null && dimensions.TryGetValue(indicator.Dimension, out var folder) ? folder : "00 其他";
                var line = Safe(indicator is null ? file.Indicator : $"{indicator.Name}（{file.Indicator}）");
                var path = Unique(taken, $"{dimension}/{line}/{Safe(UnitName(file.Unit))}_{Safe(file.FileName)}");
                var kind = EvidenceKinds.FromId(file.Kind);
                var entry = zip.CreateEntry(path, kind == EvidenceKind.Text ? CompressionLevel.Fastest : CompressionLevel.NoCompression);
                entry.LastWriteTime = file.AttachedAt!.Value.ToOffset(TimeSpan.FromHours(8));
                await using (var content = entry.Open())
                {
                    await foreach (var chunk in store.ReadBlobAsync(caller.Tenant, file.Sha256, ct))
                    {
                        content.Write(chunk.Span);
                        await output.DrainAsync();
                    }
                }

                await output.DrainAsync();
                rows.Add(new EvidenceIndexRow(dimension[3..], indicator?.Name ?? file.Indicator, UnitName(file.Unit), file.FileName, path, file.Size,
                    kind?.Describe() ?? file.Kind, file.Sha256, file.AddedBy, Web.Beijing.Time(file.AttachedAt!.Value)));
            }

            using (var index = new MemoryStream())
            {
                EvidenceIndex.Write($"{profile!.Name}{countyInfo.Name} {year} 年度法治政府建设考核佐证材料清单（共 {rows.Count} 个文件）", rows, index);
                var entry = zip.CreateEntry("index.xlsx", CompressionLevel.NoCompression);
                await using var content = entry.Open();
                content.Write(index.GetBuffer().AsSpan(0, (int)index.Length));
            }

            await output.DrainAsync();
        }

        await output.DrainAsync();
    }

    /// <summary>A name safe as one path segment of a ZIP on any system.</summary>
    private static string Safe(string name)
    {
        var s = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            s.Append(c is '/' or '\\' or ':' or '*' or '?' or '"' or '<' or '>' or '|' || char.IsControl(c) ? '_' : c);
        }

        return s.ToString().Trim(' ', '.') is { Length: > 0 } kept ? kept : "_";
    }

    private static string Unique(HashSet<string> taken, string path)
    {
        if (taken.Add(path))
        {
            return path;
        }

        var dot = path.LastIndexOf('.');
        var (stem, extension) = dot > path.LastIndexOf('/') ? (path[..dot], path[dot..]) : (path, "");
        for (var n = 2; ; n++)
        {
            var next = string.Create(CultureInfo.InvariantCulture, $"{stem}（{n}）{extension}");
            if (taken.Add(next))
            {
                return next;
            }
        }
    }

    /// <summary>
    /// A write-only, forward-only stream the archive writes into synchronously (ZipArchive has no other way); what it
    /// holds is handed to the sink asynchronously at each <see cref="DrainAsync"/>, in pieces of at most a chunk.
    /// </summary>
    private sealed class SinkStream(Func<ReadOnlyMemory<byte>, Task> sink) : Stream
    {
        private readonly MemoryStream _pending = new();
        private long _written;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _written; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _pending.Write(buffer);
            _written += buffer.Length;
        }

        public async Task DrainAsync()
        {
            var held = _pending.GetBuffer().AsMemory(0, (int)_pending.Length);
            for (var at = 0; at < held.Length; at += EvidenceOptions.ChunkBytes)
            {
                await sink(held.Slice(at, Math.Min(EvidenceOptions.ChunkBytes, held.Length - at)));
            }

            _pending.SetLength(0);
            if (_pending.Capacity > 4 * EvidenceOptions.ChunkBytes)
            {
                _pending.Capacity = EvidenceOptions.ChunkBytes;
            }
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override async ValueTask DisposeAsync()
        {
            await DrainAsync();
            await base.DisposeAsync();
        }
    }
}
