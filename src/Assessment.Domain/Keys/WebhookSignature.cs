using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Assessment.Domain.Keys;

/// <summary>
/// Signing as the Standard Webhooks specification has it: a secret <c>whsec_&lt;base64&gt;</c>, and on each request the
/// headers <c>webhook-id</c>, <c>webhook-timestamp</c> (Unix seconds) and <c>webhook-signature</c> = <c>v1,</c> +
/// Base64(HMAC-SHA256(key, id + "." + timestamp + "." + body)), where the key is the secret's decoded bytes. Receivers
/// verify with any Standard Webhooks library, or these few lines.
/// </summary>
public static class WebhookSignature
{
    public const string SecretPrefix = "whsec_";

    public static string NewSecret() => SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));

    public static string Sign(string secret, string id, DateTimeOffset timestamp, string body)
    {
        var key = Convert.FromBase64String(secret.StartsWith(SecretPrefix, StringComparison.Ordinal) ? secret[SecretPrefix.Length..] : secret);
        var content = Encoding.UTF8.GetBytes($"{id}.{timestamp.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}.{body}");
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, content));
    }
}
