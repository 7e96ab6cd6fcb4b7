namespace Assessment.Domain.Tests;

/// <summary>
/// Webhook addresses that must be refused, generated: internal targets written several ways, and malformed ones
/// (cleartext credentials, bad ports, control and invisible characters). Shared by the domain tests and the API tests.
/// </summary>
public static class WebhookForms
{
    public static IEnumerable<string> InternalTargets()
    {
        // Hosts that name this machine, the cluster or an internal network, each written several ways.
        string[] hosts =
        [
            "127.0.0.1", "127.1.2.3", "0x7f.0.0.1", "2130706433", "localhost", "LocalHost", "api.localhost", "a.b.localhost",
            "10.20.30.40", "172.16.0.1", "172.31.255.255", "192.168.1.1", "100.64.0.1", "100.100.100.200", "169.254.169.254",
            "0.0.0.0", "224.0.0.1", "255.255.255.255", "198.18.0.1",
            "[::1]", "[::]", "[fe80::1]", "[fd00::1]", "[fc00::abcd]", "[fec0::1]", "[64:ff9b::a00:1]", "[64:ff9b:1::1]", "[2002:a00:1::1]",
            "[::ffff:10.0.0.1]", "[::ffff:127.0.0.1]", "[::ffff:169.254.169.254]",
            "kubernetes", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local", "postgres.platform.svc",
            "printer.local", "metadata.google.internal", "metadata", "db.internal", "router.lan", "nas.home.arpa",
        ];
        string[] shapes = ["https://{0}/hook", "https://{0}./hook", "https://{0}:8443/x?y=1", "https://{0}:443"];
        foreach (var host in hosts)
        {
            foreach (var shape in shapes)
            {
                if (host.StartsWith('[') && shape.Contains("{0}.", StringComparison.Ordinal))
                {
                    continue; // a bracketed address takes no trailing dot
                }

                yield return string.Format(System.Globalization.CultureInfo.InvariantCulture, shape, host);
            }
        }
    }

    public static IEnumerable<string> Malformed()
    {
        string[] plain =
        [
            "http://oapi.dingtalk.com/robot/send", "ftp://example.org/x", "https://user:secret@example.org/hook", "not a url", "", "  ",
            "https://example.org:0/hook", "https://example.org:99999/hook", "https://" + new string('a', 600) + ".cn/",
        ];
        foreach (var url in plain)
        {
            yield return url;
        }

        // Control and invisible characters anywhere in an otherwise good address.
        foreach (var c in new[] { "\r", "\n", "\r\n", "\0", "\t", " ", "\\", "\u202E", "\u200B", "\uFEFF", "\u2066", "\x7F" })
        {
            yield return $"https://example.org/ho{c}ok";
            yield return $"https://exam{c}ple.org/hook";
            yield return $"https://example.org/hook{c}";
        }
    }
}
