using OtpNet;
using QRCoder;

namespace Assessment.Server.Security.Accounts;

/// <summary>
/// Time-based one-time passwords (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps), as every authenticator app makes
/// them. A code of the previous, current or next step is accepted (clocks drift), and never one of a step at or before
/// the last accepted one, so a code seen over a shoulder cannot be used again.
/// </summary>
public static class TotpCodes
{
    public static string NewSecret() => Base32Encoding.ToString(KeyGeneration.GenerateRandomKey(20));

    /// <summary>The step the code matched, or null. <paramref name="lastStep"/> is the last accepted step of this secret.</summary>
    public static long? Match(string secret, string? code, long lastStep, DateTime utcNow)
    {
        code = code?.Replace(" ", "", StringComparison.Ordinal).Trim();
        if (code is not { Length: 6 } || !code.All(char.IsAsciiDigit))
        {
            return null;
        }

        var totp = new Totp(Base32Encoding.ToBytes(secret), step: 30, mode: OtpHashMode.Sha1, totpSize: 6);
        return totp.VerifyTotp(utcNow, code, out var step, new VerificationWindow(previous: 1, future: 1)) && step > lastStep ? step : null;
    }

    /// <summary>What an authenticator app scans: <c>otpauth://totp/…</c> naming the platform's tenant and the login.</summary>
    public static string Uri(string secret, string issuer, string login) =>
        $"otpauth://totp/{System.Uri.EscapeDataString(issuer)}:{System.Uri.EscapeDataString(login)}?secret={secret}&issuer={System.Uri.EscapeDataString(issuer)}&algorithm=SHA1&digits=6&period=30";

    /// <summary>The URI as a PNG QR code, for an <c>img</c> with a data: URI (the pages' policy allows those and nothing else).</summary>
    public static byte[] QrPng(string uri)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(uri, QRCodeGenerator.ECCLevel.M);
        return new PngByteQRCode(data).GetGraphic(5);
    }
}
