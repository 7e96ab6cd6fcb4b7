using System.Security.Cryptography;
using Assessment.Contracts.V1;
using Google.Protobuf;
using Grpc.Core;

namespace Assessment.Integration.Tests.Infrastructure;

/// <summary>Uploads and downloads of 佐证材料 as a client writes them: a header, then chunks at their offsets.</summary>
public static class EvidenceUpload
{
    public static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public static EvidenceUploadHeader Header(string name, byte[] bytes, int year, string indicator = "legalaid.cases") => new()
    {
        UploadId = Guid.NewGuid().ToString(), Year = year, Indicator = indicator, FileName = name, Size = bytes.Length, Sha256 = Sha(bytes),
    };

    /// <summary>The header and the whole file in chunks; the attached file.</summary>
    public static async Task<EvidenceFile> SendAsync(ServerProcess server, CallOptions options, EvidenceUploadHeader header, byte[] bytes, int chunk = 256 * 1024)
    {
        using var call = new EvidenceService.EvidenceServiceClient(server.Channel).UploadEvidence(options);
        await call.RequestStream.WriteAsync(new UploadEvidenceRequest { Header = header });
        for (var offset = 0; offset < bytes.Length; offset += chunk)
        {
            await call.RequestStream.WriteAsync(new UploadEvidenceRequest
            {
                Chunk = new EvidenceChunk { Offset = offset, Data = ByteString.CopyFrom(bytes, offset, Math.Min(chunk, bytes.Length - offset)) },
            });
        }

        await call.RequestStream.CompleteAsync();
        return (await call.ResponseAsync).File ?? throw new InvalidOperationException("The upload ended without a file.");
    }

    public static async Task<byte[]> DownloadAsync(ServerProcess server, CallOptions options, string id)
    {
        using var call = new EvidenceService.EvidenceServiceClient(server.Channel).DownloadEvidence(new DownloadEvidenceRequest { Id = id }, options);
        using var bytes = new MemoryStream();
        await foreach (var chunk in call.ResponseStream.ReadAllAsync())
        {
            chunk.Data.WriteTo(bytes);
        }

        return bytes.ToArray();
    }
}
