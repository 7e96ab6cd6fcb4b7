using System.Security.Cryptography;
using System.Text;

namespace Assessment.Server.Security;

/// <summary>Bearer API keys: <c>ak_</c> + 32 random bytes in base32. Only the SHA-256 of a key is ever stored.</summary>
public static class ApiKeys
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";
    private static readonly System.Buffers.SearchValues<char> AlphabetValues = System.Buffers.SearchValues.Create(Alphabet);

    public static string NewKey()
    {
        var bytes = RandomNumberGenerator.GetBytes(32);
        var sb = new StringBuilder("ak_", 3 + 52);
        int buffer = 0, bits = 0;
        foreach (var b in bytes)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                sb.Append(Alphabet[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }
        }

        if (bits > 0)
        {
            sb.Append(Alphabet[(buffer << (5 - bits)) & 31]);
        }

        return sb.ToString();
    }

    /// <summary>The credential grain's key for an API key.</summary>
    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>Cheap shape check before any lookup: keeps junk headers away from the grains.</summary>
    public static bool LooksValid(string key) => key.Length is > 3 and <= 64 && key.StartsWith("ak_", StringComparison.Ordinal) && key.AsSpan(3).IndexOfAnyExcept(AlphabetValues) < 0;
}
