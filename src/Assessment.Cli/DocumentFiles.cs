using Assessment.Contracts.V1;
using Grpc.Core;

namespace Assessment.Cli;

/// <summary>Saves a streamed document (通报 or 考核通知) to a file: written beside as <c>.part</c>, moved in place when whole.</summary>
public static class DocumentFiles
{
    /// <summary>Reads the chunks into <paramref name="output"/> (or a file named as the server names it, in the current folder).</summary>
    public static async Task<(BulletinFileInfo Info, string Path)> SaveAsync(AsyncServerStreamingCall<BulletinChunk> call, FileInfo? output, CancellationToken ct)
    {
        BulletinFileInfo? info = null;
        string? path = null;
        FileStream? file = null;
        try
        {
            await foreach (var chunk in call.ResponseStream.ReadAllAsync(ct))
            {
                if (info is null)
                {
                    info = chunk.Info;
                    path = output?.FullName ?? Path.Combine(Environment.CurrentDirectory, SafeName(info.FileName));
                    file = File.Create(path + ".part");
                }

                chunk.Data.WriteTo(file!);
            }
        }
        finally
        {
            file?.Dispose();
        }

        if (info is null || path is null)
        {
            throw new InvalidInputException("服务器没有返回文件。");
        }

        File.Move(path + ".part", path, overwrite: true);
        return (info, path);
    }

    /// <summary>A file name the local file system takes (characters it forbids become '_').</summary>
    public static string SafeName(string name) => string.Concat(name.Select(c => Path.GetInvalidFileNameChars().Contains(c) ? '_' : c));
}
