using System.Net;
using System.Net.Sockets;

namespace Assessment.Domain.Keys;

/// <summary>
/// Where a tenant's notifications may be posted (a 政务钉钉/企业微信 robot, the tenant's own endpoint): https only, no
/// credentials in the address, and never a link-local, cloud-metadata, unspecified or multicast address, so that a
/// webhook cannot be used to reach the platform's own infrastructure. Plain http is accepted only to loopback, and
/// only where the operator allows it (development and tests). Checked when the address is set and again on every
/// connection (a name may resolve elsewhere later).
/// </summary>
public static class WebhookAddress
{
    public const int MaxLength = 500;

    private static readonly string[] MetadataHosts = ["metadata", "metadata.google.internal", "metadata.tencentyun.com", "instance-data"];

    /// <summary>Why the address is refused, or null when it may be used.</summary>
    public static string? Problem(string? url, bool allowLoopback)
    {
        if (string.IsNullOrWhiteSpace(url) || url.Length > MaxLength || !Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return $"须为完整的 https 地址（不超过 {MaxLength} 个字符）";
        }

        if (uri.UserInfo.Length > 0)
        {
            return "地址中不能包含用户名或密码";
        }

        var loopback = uri.IsLoopback;
        if (uri.Scheme != Uri.UriSchemeHttps && !(uri.Scheme == Uri.UriSchemeHttp && loopback && allowLoopback))
        {
            return "只接受 https 地址";
        }

        if (loopback && !allowLoopback)
        {
            return "不能指向本机地址";
        }

        if (Array.Exists(MetadataHosts, h => string.Equals(uri.IdnHost, h, StringComparison.OrdinalIgnoreCase)))
        {
            return "不能指向云平台元数据服务";
        }

        return IPAddress.TryParse(uri.IdnHost, out var address) && IsForbidden(address, allowLoopback)
            ? "不能指向链路本地、元数据、未指定或组播地址"
            : null;
    }

    /// <summary>True for addresses a webhook must never connect to.</summary>
    public static bool IsForbidden(IPAddress address, bool allowLoopback)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address))
        {
            return !allowLoopback;
        }

        if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.None))
        {
            return true;
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b[0] == 169 && b[1] == 254            // link-local, incl. 169.254.169.254 metadata
                || (b[0] == 100 && b[1] == 100 && b[2] == 100 && b[3] == 200) // Alibaba Cloud metadata
                || b[0] == 0 || b[0] >= 224;              // "this network", multicast, reserved
        }

        return address.IsIPv6LinkLocal || address.IsIPv6Multicast || address.IsIPv6SiteLocal
            || address.Equals(IPAddress.Parse("fd00:ec2::254"));
    }
}
