using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Konscious.Security.Cryptography;

namespace Assessment.Server.Security.Accounts;

/// <summary>
/// Argon2id password hashes in the PHC string format (<c>$argon2id$v=19$m=…,t=…,p=…$salt$hash</c>), with OWASP's
/// minimum settings (19 MiB, 2 passes, 1 lane). Hashing is memory-hard on purpose, so at most two run at once: a flood
/// of sign-ins queues instead of taking every core and all memory.
/// </summary>
public sealed class PasswordHashing : IDisposable
{
    private const int MemoryKiB = 19 * 1024, Passes = 2, Lanes = 1, SaltBytes = 16, HashBytes = 32;

    private readonly SemaphoreSlim _slots = new(2, 2);

    public async Task<string> HashAsync(string password, CancellationToken cancellationToken = default)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = await ComputeAsync(password, salt, MemoryKiB, Passes, Lanes, HashBytes, cancellationToken);
        return string.Create(CultureInfo.InvariantCulture,
            $"$argon2id$v=19$m={MemoryKiB},t={Passes},p={Lanes}${Convert.ToBase64String(salt).TrimEnd('=')}${Convert.ToBase64String(hash).TrimEnd('=')}");
    }

    /// <summary>Whether <paramref name="password"/> matches <paramref name="stored"/>; false for a malformed or out-of-bounds record.</summary>
    public async Task<bool> VerifyAsync(string password, string? stored, CancellationToken cancellationToken = default)
    {
        if (Parse(stored) is not var (memory, passes, lanes, salt, expected))
        {
            // Still spend the time of a real check, so an unknown login answers as slowly as a wrong password.
            await ComputeAsync(password, new byte[SaltBytes], MemoryKiB, Passes, Lanes, HashBytes, cancellationToken);
            return false;
        }

        var actual = await ComputeAsync(password, salt, memory, passes, lanes, expected.Length, cancellationToken);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    public void Dispose() => _slots.Dispose();

    private static (int Memory, int Passes, int Lanes, byte[] Salt, byte[] Hash)? Parse(string? stored)
    {
        var parts = stored?.Split('$');
        if (parts is not [ "", "argon2id", "v=19", var settings, var salt, var hash ])
        {
            return null;
        }

        var values = settings.Split(',').Select(s => s.Split('=')).Where(kv => kv.Length == 2)
            .ToDictionary(kv => kv[0], kv => int.TryParse(kv[1], NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : -1, StringComparer.Ordinal);
        // Bounds, so a tampered row cannot make one check take minutes or gigabytes.
        if (!values.TryGetValue("m", out var m) || m is < 8 * 1024 or > 256 * 1024
            || !values.TryGetValue("t", out var t) || t is < 1 or > 10
            || !values.TryGetValue("p", out var p) || p is < 1 or > 4
            || Base64(salt) is not { Length: >= 8 } saltBytes || Base64(hash) is not { Length: >= 16 and <= 64 } hashBytes)
        {
            return null;
        }

        return (m, t, p, saltBytes, hashBytes);
    }

    private static byte[]? Base64(string text)
    {
        var padded = text + new string('=', (4 - text.Length % 4) % 4);
        var buffer = new byte[padded.Length];
        return Convert.TryFromBase64String(padded, buffer, out var written) ? buffer[..written] : null;
    }

    private async Task<byte[]> ComputeAsync(string password, byte[] salt, int memory, int passes, int lanes, int length, CancellationToken cancellationToken)
    {
        // A queue that never empties would stall every sign-in: past ten seconds the caller is told the system is busy.
        if (!await _slots.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken))
        {
            throw new TimeoutException("password hashing is saturated");
        }

        try
        {
            return await Task.Run(() =>
            {
                using var argon = new Argon2id(Encoding.UTF8.GetBytes(password)) { Salt = salt, MemorySize = memory, Iterations = passes, DegreeOfParallelism = lanes };
                return argon.GetBytes(length);
            }, cancellationToken);
        }
        finally
        {
            _slots.Release();
        }
    }
}
