using System.Net;
using System.Net.Sockets;

namespace Assessment.Domain.Keys;

/// <summary>
/// What the operator allows webhooks to reach besides the public internet: plain http to loopback (development and
/// tests) and named internal networks (a government intranet endpoint, e.g. <c>10.20.0.0/16</c>).
/// </summary>
public sealed record WebhookRules(bool AllowLoopback = false, IReadOnlyList<IPNetwork>? InternalNetworks = null)
{
    public static WebhookRules Public { get; } = new();

    /// <summary>The rules from configuration; a network that does not parse is reported, never ignored.</summary>
    public static WebhookRules From(bool allowLoopback, IEnumerable<string>? networks)
    {
        var parsed = new List<IPNetwork>();
        foreach (var text in networks ?? [])
        {
            parsed.Add(IPNetwork.TryParse(text.Trim(), out var network)
                ? network
                : throw new FormatException($"'{text}' is not a network in CIDR notation (e.g. 10.20.0.0/16)"));
        }

        return new WebhookRules(allowLoopback, parsed);
    }

    /// <summary>Whether an internal address is inside a network the operator named.</summary>
    public bool Allows(IPAddress address) => InternalNetworks?.Any(n => n.Contains(address)) == true;
}

/// <summary>
/// Where a tenant's notifications may be posted (a 政务钉钉/企业微信 robot, the tenant's own endpoint): https only, no
/// credentials or control characters in the address, and never an address or name of the platform's own networks —
/// loopback, link-local and cloud metadata, private (RFC 1918), shared (CGNAT), IPv6 unique-local, NAT64 and 6to4,
/// names under <c>localhost</c>, <c>.local</c>, <c>.internal</c> or a cluster's <c>.svc</c> — except the internal networks
/// the operator allows. Checked when the address is set (with every address its name resolves to then) and again on
/// every connection, since a name may resolve elsewhere later.
/// </summary>
public static class WebhookAddress
{
    public const int MaxLength = 500;

    private static readonly string[] MetadataHosts = ["metadata", "metadata.google.internal", "metadata.tencentyun.com", "instance-data"];

    // Names that only ever mean this host or the platform's own networks (RFC 6761 localhost, mDNS, cluster DNS).
    private static readonly string[] InternalSuffixes = [".localhost", ".local", ".internal", ".svc", ".cluster.local", ".localdomain", ".home.arpa", ".lan", ".intranet"];

    private static readonly IPNetwork[] InternalRanges =
    [
        IPNetwork.Parse("10.0.0.0/8"),        // RFC 1918
        IPNetwork.Parse("172.16.0.0/12"),     // RFC 1918
        IPNetwork.Parse("192.168.0.0/16"),    // RFC 1918
        IPNetwork.Parse("100.64.0.0/10"),     // shared address space (CGNAT), incl. 100.100.100.200 metadata
        IPNetwork.Parse("169.254.0.0/16"),    // link-local, incl. 169.254.169.254 metadata
        IPNetwork.Parse("192.0.0.0/24"),      // IETF protocol assignments
        IPNetwork.Parse("198.18.0.0/15"),     // benchmarking
        IPNetwork.Parse("0.0.0.0/8"),         // "this network"
        IPNetwork.Parse("224.0.0.0/3"),       // multicast and reserved, up to broadcast
        IPNetwork.Parse("fc00::/7"),          // unique local
        IPNetwork.Parse("fe80::/10"),         // link-local
        IPNetwork.Parse("fec0::/10"),         // site-local (deprecated)
        IPNetwork.Parse("ff00::/8"),          // multicast
        IPNetwork.Parse("64:ff9b::/96"),      // NAT64, reaches IPv4 behind the gateway
        IPNetwork.Parse("64:ff9b:1::/48"),    // local-use NAT64
        IPNetwork.Parse("2002::/16"),         // 6to4, embeds an IPv4 address
        IPNetwork.Parse("::/96"),             // IPv4-compatible (deprecated), unspecified
        IPNetwork.Parse("100::/64"),          // discard-only
    ];

    // Never reachable, whatever the operator allows: link-local (cloud metadata at 169.254.169.254 and fd00:ec2::254's
    // neighbours) and the metadata addresses inside ranges an intranet may legitimately use.
    private static readonly IPNetwork[] NeverAllowed =
    [
        IPNetwork.Parse("169.254.0.0/16"),
        IPNetwork.Parse("fe80::/10"),
        IPNetwork.Parse("100.100.100.200/32"),
        IPNetwork.Parse("fd00:ec2::254/128"),
    ];

    /// <summary>Why the address is refused, or null when it may be used (before any name is resolved).</summary>
    public static string? Problem(string? url, WebhookRules rules)
    {
        if (string.IsNullOrWhiteSpace(url) || url.Length > MaxLength)
        {
            return $"须为完整的 https 地址（不超过 {MaxLength} 个字符）";
        }

        // Checked on the text as sent: the URI parser drops some of these silently, a client library may not.
        if (url.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || c == '\\' || char.IsSurrogate(c) || c is '\u200B' or '\u200E' or '\u200F' or '\uFEFF' || (c >= '\u202A' && c <= '\u202E') || (c >= '\u2066' && c <= '\u2069')))
        {
            return "地址中不能含有空白、控制字符、反斜杠或方向控制字符";
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.HostNameType == UriHostNameType.Unknown || uri.IdnHost.Length == 0)
        {
            return $"须为完整的 https 地址（不超过 {MaxLength} 个字符）";
        }

        if (uri.UserInfo.Length > 0)
        {
            return "地址中不能包含用户名或密码";
        }

        if (uri.Port is <= 0 or > 65535)
        {
            return "端口须在 1–65535 之间";
        }

        var host = uri.IdnHost.TrimEnd('.').ToLowerInvariant();
        var address = IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? literal : null;
        var loopback = address is not null ? IPAddress.IsLoopback(Unmapped(address)) : host == "localhost" || host.EndsWith(".localhost", StringComparison.Ordinal);
        if (uri.Scheme != Uri.UriSchemeHttps && !(uri.Scheme == Uri.UriSchemeHttp && loopback && rules.AllowLoopback))
        {
            return "只接受 https 地址";
        }

        if (loopback)
        {
            return rules.AllowLoopback ? null : "不能指向本机地址";
        }

        if (Array.Exists(MetadataHosts, h => host == h))
        {
            return "不能指向云平台元数据服务";
        }

        if (address is not null)
        {
            return AddressProblem(address, rules);
        }

        if (!host.Contains('.', StringComparison.Ordinal) || Array.Exists(InternalSuffixes, s => host.EndsWith(s, StringComparison.Ordinal)))
        {
            return "不能指向内部主机名（如 localhost、*.local、*.internal、集群内 *.svc 或不带域名的主机）";
        }

        return null;
    }

    /// <summary>Why the addresses a name resolved to are refused (any one forbidden refuses all), or null.</summary>
    public static string? ResolvedProblem(IEnumerable<IPAddress> addresses, WebhookRules rules)
    {
        foreach (var address in addresses)
        {
            if (AddressProblem(address, rules) is { } problem)
            {
                return $"该域名解析到 {address}：{problem}";
            }
        }

        return null;
    }

    /// <summary>True for addresses a webhook must never connect to.</summary>
    public static bool IsForbidden(IPAddress address, WebhookRules rules) => AddressProblem(address, rules) is not null;

    private static string? AddressProblem(IPAddress address, WebhookRules rules)
    {
        address = Unmapped(address);
        if (IPAddress.IsLoopback(address))
        {
            return rules.AllowLoopback ? null : "不能指向本机地址";
        }

        if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.None) || address.Equals(IPAddress.Broadcast))
        {
            return "不能指向未指定或广播地址";
        }

        if (address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            return "不是 IPv4 或 IPv6 地址";
        }

        if (Array.Exists(NeverAllowed, r => r.BaseAddress.AddressFamily == address.AddressFamily && r.Contains(address)))
        {
            return "不能指向链路本地或云平台元数据地址";
        }

        if (Array.Exists(InternalRanges, r => r.BaseAddress.AddressFamily == address.AddressFamily && r.Contains(address)))
        {
            return rules.Allows(address) ? null : "不能指向内网、链路本地、元数据或保留地址（内网地址须由平台运维列入允许的网段）";
        }

        return null;
    }

    private static IPAddress Unmapped(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
