using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Assessment.Contracts.V1;
using Google.Protobuf;
using Grpc.Core;

namespace Assessment.Cli.Commands;

/// <summary>
/// <c>assess evidence add|list|get|remove</c>: 佐证材料. <c>add</c> names each upload by the file's content, indicator and
/// name, so running it again after an interruption resumes where the server stopped (and a file already attached is
/// answered as it is); it also resumes by itself when the connection drops.
/// </summary>
public static class EvidenceCommands
{
    private const int ChunkBytes = 1024 * 1024;
    private const int Attempts = 5;

    public static Command Create()
    {
        var command = new Command("evidence", "佐证材料：上传（可断点续传）、查看清单、下载、撤下")
        {
            Add(), List(), Get(), Remove(), Package(),
        };
        return command;
    }

    private static Option<int> Year() => new("--year") { Description = "考核年度", Required = true };

    private static Command Add()
    {
        var file = new Argument<FileInfo>("文件") { Description = "要上传的文件：PDF、JPEG/PNG、Word（.docx）、Excel（.xlsx）、OFD 或文本，每个至多 50 MB" };
        var year = Year();
        var indicator = new Option<string>("--indicator") { Description = "该文件佐证的指标代码（见 assess catalog）", Required = true };
        var command = new Command("add", "上传一个佐证材料并附到本单位的指标上；中断后再次运行同一命令即从断点续传") { file, year, indicator };
        command.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(file)!;
            if (!path.Exists)
            {
                throw new UsageException($"找不到文件“{path.FullName}”。");
            }

            var (channel, options) = Connection.Open(parse, ct);
            using (channel)
            {
                var client = new EvidenceService.EvidenceServiceClient(channel);
                var header = new EvidenceUploadHeader
                {
                    Year = parse.GetValue(year),
                    Indicator = parse.GetValue(indicator)!,
                    FileName = path.Name,
                    Size = path.Length,
                    Sha256 = await HashAsync(path, ct),
                };
                // Named by the key too: two units sending the same circulated document name two uploads.
                var key = parse.GetValue(Connection.Key) ?? Environment.GetEnvironmentVariable("ASSESS_KEY") ?? "";
                header.UploadId = UploadId(header, key).ToString();
                var seconds = parse.GetValue(Connection.Timeout);
                var done = await UploadAsync(client, options, seconds, header, path, ct);
                Console.WriteLine($"已上传：{done.FileName}（{Size(done.Size)}，{Kind(done.Type)}），附于指标 {done.IndicatorName}（{done.Indicator}）。");
                Console.WriteLine($"文件编号 {done.Id}，SHA-256 {done.Sha256}");
                if (done.RemovedAt is not null)
                {
                    Console.WriteLine($"注意：该文件此前已于 {BeijingTime.Format(done.RemovedAt)} 撤下（{done.RemovalReason}）；如需重新附上，请改名后再上传。");
                }
            }

            return 0;
        });
        return command;
    }

    /// <summary>Sends what the server lacks; on a dropped connection asks how much it has and goes on from there.</summary>
    private static async Task<EvidenceFile> UploadAsync(EvidenceService.EvidenceServiceClient client, CallOptions options, int seconds, EvidenceUploadHeader header,
        FileInfo path, CancellationToken ct)
    {
        var total = (int)((header.Size + ChunkBytes - 1) / ChunkBytes);
        EvidenceFile? done = null;
        await LongWork.RunAsync(total, $"上传 {path.Name}", async step =>
        {
            var stepped = 0;
            for (var attempt = 1; done is null; attempt++)
            {
                long from;
                try
                {
                    var status = await client.GetUploadAsync(new GetUploadRequest { UploadId = header.UploadId }, options.WithDeadline(DateTime.UtcNow.AddSeconds(seconds)));
                    if (status.File is { } already)
                    {
                        done = already;
                        return;
                    }

                    from = status.StoredBytes;
                }
                catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
                {
                    from = 0;
                }

                for (; stepped < from / ChunkBytes; stepped++)
                {
                    step();
                }

                try
                {
                    // A deadline that grows with the bytes to send: 50 MB at 200 KB/s still arrives.
                    var deadline = DateTime.UtcNow.AddSeconds(seconds + ((header.Size - from) / (200 * 1024)));
                    using var call = client.UploadEvidence(options.WithDeadline(deadline));
                    await call.RequestStream.WriteAsync(new UploadEvidenceRequest { Header = header }, ct);
                    await using (var stream = new FileStream(path.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, ChunkBytes, FileOptions.Asynchronous))
                    {
                        stream.Position = from;
                        var buffer = new byte[ChunkBytes];
                        for (var offset = from; offset < header.Size;)
                        {
                            var read = await stream.ReadAtLeastAsync(buffer, (int)Math.Min(ChunkBytes, header.Size - offset), throwOnEndOfStream: true, ct);
                            await call.RequestStream.WriteAsync(new UploadEvidenceRequest
                            {
                                Chunk = new EvidenceChunk { Offset = offset, Data = ByteString.CopyFrom(buffer, 0, read) },
                            }, ct);
                            offset += read;
                            if (stepped++ < total)
                            {
                                step();
                            }
                        }
                    }

                    await call.RequestStream.CompleteAsync();
                    done = (await call.ResponseAsync).File ?? throw new InvalidOperationException("服务器未确认收到整个文件。");
                }
                catch (RpcException ex) when (attempt < Attempts && (Unanswered.Is(ex) || ex.StatusCode is StatusCode.DeadlineExceeded or StatusCode.Cancelled) && !ct.IsCancellationRequested)
                {
                    // What was stored stays: ask again and go on from there.
                    await Task.Delay(TimeSpan.FromSeconds(attempt), ct);
                }
            }
        });
        return done!;
    }

    private static Command List()
    {
        var year = Year();
        var county = new Option<string?>("--county") { Description = "县（区）代码（考核办查看时必填；单位和县（区）只看本单位/本县）" };
        var indicator = new Option<string?>("--indicator") { Description = "只看该指标的材料" };
        var all = new Option<bool>("--all") { Description = "连同已撤下的材料一起列出" };
        var command = new Command("list", "列出佐证材料清单（文件名、指标、单位、大小、类型、SHA-256、上传人、时间）") { year, county, indicator, all };
        command.SetAction(async (parse, ct) =>
        {
            var (channel, options) = Connection.Open(parse, ct);
            using (channel)
            {
                var client = new EvidenceService.EvidenceServiceClient(channel);
                var table = new TextTable("文件编号", "文件名", "指标", "单位", "大小", "类型", "SHA-256", "上传人", "上传时间", "状态");
                var request = new ListEvidenceRequest { Year = parse.GetValue(year), County = parse.GetValue(county) ?? "", Indicator = parse.GetValue(indicator) ?? "", IncludeRemoved = parse.GetValue(all) };
                var count = 0;
                do
                {
                    var page = await client.ListEvidenceAsync(request, options);
                    foreach (var f in page.Files)
                    {
                        count++;
                        table.Add(f.Id, f.FileName, $"{f.IndicatorName}（{f.Indicator}）", f.Unit == "self" ? "县本级" : f.Unit, Size(f.Size), Kind(f.Type), f.Sha256[..16] + "…",
                            f.AddedBy, BeijingTime.Format(f.AddedAt), f.RemovedAt is null ? "有效" : $"已撤下：{f.RemovalReason}");
                    }

                    request.PageToken = page.NextPageToken;
                }
                while (request.PageToken.Length > 0);

                if (count == 0)
                {
                    Console.WriteLine("没有佐证材料。");
                    return 0;
                }

                Console.WriteLine($"共 {count} 个文件：");
                Console.Write(table);
                Console.WriteLine();
            }

            return 0;
        });
        return command;
    }

    private static Command Get()
    {
        var id = new Argument<string>("文件编号") { Description = "assess evidence list 列出的文件编号" };
        var output = new Option<FileInfo?>("--output", "-o") { Description = "保存为（省略则用原文件名，存于当前目录；已有同名文件时不覆盖）" };
        var command = new Command("get", "下载一个佐证材料（校验 SHA-256）") { id, output };
        command.SetAction(async (parse, ct) =>
        {
            var (channel, options) = Connection.Open(parse, ct);
            using (channel)
            {
                var client = new EvidenceService.EvidenceServiceClient(channel);
                using var call = client.DownloadEvidence(new DownloadEvidenceRequest { Id = parse.GetValue(id)! }, options.WithDeadline(DateTime.MaxValue));
                FileStream? target = null;
                string? path = null;
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                EvidenceFile? file = null;
                try
                {
                    await foreach (var chunk in call.ResponseStream.ReadAllAsync(ct))
                    {
                        if (target is null)
                        {
                            file = chunk.File ?? throw new InvalidOperationException("服务器未说明文件名。");
                            path = parse.GetValue(output)?.FullName ?? Path.Combine(Environment.CurrentDirectory, file.FileName);
                            target = new FileStream(path + ".part", FileMode.Create, FileAccess.Write, FileShare.None, ChunkBytes, FileOptions.Asynchronous);
                        }

                        hash.AppendData(chunk.Data.Span);
                        await target.WriteAsync(chunk.Data.Memory, ct);
                    }
                }
                finally
                {
                    if (target is not null)
                    {
                        await target.DisposeAsync();
                    }
                }

                var sha = Convert.ToHexStringLower(hash.GetHashAndReset());
                if (file is null || path is null || sha != file.Sha256)
                {
                    if (path is not null)
                    {
                        File.Delete(path + ".part");
                    }

                    throw new InvalidInputException("下载的内容与登记的 SHA-256 不符，未保存：请重试。");
                }

                if (File.Exists(path))
                {
                    File.Delete(path + ".part");
                    throw new UsageException($"“{path}”已存在，未覆盖：请用 --output 指定另一个文件名。");
                }

                File.Move(path + ".part", path);
                Console.WriteLine($"已下载：{path}（{Size(file.Size)}，SHA-256 校验一致）");
            }

            return 0;
        });
        return command;
    }

    private static Command Remove()
    {
        var id = new Argument<string>("文件编号") { Description = "assess evidence list 列出的文件编号" };
        var reason = new Option<string>("--reason") { Description = "撤下原因（记入审计记录）", Required = true };
        var command = new Command("remove", "撤下本单位的一个佐证材料（记录撤下人、时间和原因，文件本身保留）") { id, reason };
        command.SetAction(async (parse, ct) =>
        {
            var (channel, options) = Connection.Open(parse, ct);
            using (channel)
            {
                var removed = await new EvidenceService.EvidenceServiceClient(channel).RemoveEvidenceAsync(
                    new RemoveEvidenceRequest { Id = parse.GetValue(id)!, Reason = parse.GetValue(reason)! }, options);
                Console.WriteLine($"已撤下：{removed.FileName}（{BeijingTime.Format(removed.RemovedAt)}，{removed.RemovedBy}，原因：{removed.RemovalReason}）");
            }

            return 0;
        });
        return command;
    }

    private static Command Package()
    {
        var year = Year();
        var county = new Option<string?>("--county") { Description = "县（区）代码（考核办必填；县（区）省略即本县）" };
        var output = new Option<FileInfo?>("--output", "-o") { Description = "保存为（省略则为“佐证材料-县（区）代码-年度.zip”，存于当前目录；已有同名文件时不覆盖）" };
        var command = new Command("package", "下载一个县（区）的全部佐证材料（实地核查用）：按一级指标和指标分文件夹，附 index.xlsx 清单（含 SHA-256）") { year, county, output };
        command.SetAction(async (parse, ct) =>
        {
            var (channel, options) = Connection.Open(parse, ct);
            using (channel)
            {
                var y = parse.GetValue(year);
                var c = parse.GetValue(county) ?? "";
                var path = parse.GetValue(output)?.FullName
                    ?? Path.Combine(Environment.CurrentDirectory, string.Create(CultureInfo.InvariantCulture, $"佐证材料-{(c.Length > 0 ? c : "本县")}-{y}.zip"));
                if (File.Exists(path))
                {
                    throw new UsageException($"“{path}”已存在，未覆盖：请用 --output 指定另一个文件名。");
                }

                long bytes = 0;
                using var call = new EvidenceService.EvidenceServiceClient(channel).PackageEvidence(new PackageEvidenceRequest { Year = y, County = c }, options.WithDeadline(DateTime.MaxValue));
                await using (var target = new FileStream(path + ".part", FileMode.Create, FileAccess.Write, FileShare.None, ChunkBytes, FileOptions.Asynchronous))
                {
                    try
                    {
                        await foreach (var chunk in call.ResponseStream.ReadAllAsync(ct))
                        {
                            await target.WriteAsync(chunk.Data.Memory, ct);
                            bytes += chunk.Data.Length;
                        }
                    }
                    catch
                    {
                        await target.DisposeAsync();
                        File.Delete(path + ".part");
                        throw;
                    }
                }

                File.Move(path + ".part", path);
                Console.WriteLine($"已下载：{path}（{Size(bytes)}；清单见包内 index.xlsx）");
            }

            return 0;
        });
        return command;
    }

    /// <summary>
    /// The same file, indicator, year, name and key always make the same upload id: running add again resumes it. The
    /// key enters as its hash, so the id says nothing of it and another key's holder cannot compute it.
    /// </summary>
    private static Guid UploadId(EvidenceUploadHeader h, string key)
    {
        var owner = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key.Trim())));
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes($"assess-evidence\n{owner}\n{h.Year}\n{h.Indicator}\n{h.FileName}\n{h.Size}\n{h.Sha256}"))[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x50); // version 5 (name-based, SHA)
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC 4122 variant
        return new Guid(bytes, bigEndian: true);
    }

    private static async Task<string> HashAsync(FileInfo path, CancellationToken ct)
    {
        await using var stream = new FileStream(path.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, ChunkBytes, FileOptions.Asynchronous);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct));
    }

    private static string Size(long bytes) => bytes switch
    {
        < 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes} 字节"),
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.#} KB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:0.#} MB"),
    };

    private static string Kind(string type) => type switch
    {
        "pdf" => "PDF",
        "jpeg" => "JPEG 图片",
        "png" => "PNG 图片",
        "docx" => "Word",
        "xlsx" => "Excel",
        "ofd" => "OFD",
        "text" => "文本",
        _ => type,
    };
}
