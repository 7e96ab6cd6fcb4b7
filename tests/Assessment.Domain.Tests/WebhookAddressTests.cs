using System.Net;
using Assessment.Domain.Keys;

namespace Assessment.Domain.Tests;

/// <summary>
/// Webhook addresses: public https endpoints pass; every name and form of an internal target is refused, generated
/// over the ways one address can be written (trailing dots, case, ports, paths, IPv4-mapped and bracketed IPv6), and
/// internal ranges pass only through the operator's allow-list.
/// </summary>
public class WebhookAddressTests
{
    private static readonly WebhookRules Public = WebhookRules.Public;

    [Theory]
    [InlineData("https://oapi.dingtalk.com/robot/send?access_token=abc")]
    [InlineData("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc")]
    [InlineData("https://oa.example.gov.cn:8443/hook")]
    [InlineData("https://8.8.8.8/hook")]
    [InlineData("https://[2001:4860:4860::8888]/hook")]
    public void Public_https_endpoints_are_accepted(string url) => Assert.Null(WebhookAddress.Problem(url, Public));

    public static TheoryData<string> InternalTargets()
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
        var data = new TheoryData<string>();
        foreach (var host in hosts)
        {
            foreach (var shape in shapes)
            {
                if (host.StartsWith('[') && shape.Contains("{0}.", StringComparison.Ordinal))
                {
                    continue; // a bracketed address takes no trailing dot
                }

                data.Add(string.Format(System.Globalization.CultureInfo.InvariantCulture, shape, host));
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(InternalTargets))]
    public void Every_form_of_an_internal_target_is_refused(string url) => Assert.NotNull(WebhookAddress.Problem(url, Public));

    public static TheoryData<string> MalformedAddresses()
    {
        var data = new TheoryData<string>
        {
            "http://oapi.dingtalk.com/robot/send", "ftp://example.org/x", "https://user:secret@example.org/hook", "not a url", "", "  ",
            "https://example.org:0/hook", "https://example.org:99999/hook", "https://" + new string('a', 600) + ".cn/",
        };
        // Control and invisible characters anywhere in an otherwise good address.
        foreach (var c in new[] { "\r", "\n", "\r\n", "\0", "\t", " ", "\\", "\u202E", "\u200B", "\uFEFF", "\u2066", "\x7F" })
        {
            data.Add($"https://example.org/ho{c}ok");
            data.Add($"https://exam{c}ple.org/hook");
            data.Add($"https://example.org/hook{c}");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(MalformedAddresses))]
    public void Cleartext_credentials_bad_ports_and_control_characters_are_refused(string url) => Assert.NotNull(WebhookAddress.Problem(url, Public));

    [Fact]
    public void Internal_networks_pass_only_through_the_operator_allow_list()
    {
        var intranet = WebhookRules.From(false, ["10.20.0.0/16", "fd12:3456::/32"]);
        Assert.Null(WebhookAddress.Problem("https://10.20.30.40/hook", intranet));
        Assert.Null(WebhookAddress.Problem("https://[fd12:3456::1]/hook", intranet));
        Assert.NotNull(WebhookAddress.Problem("https://10.21.0.1/hook", intranet));
        Assert.NotNull(WebhookAddress.Problem("https://169.254.169.254/", intranet));
        Assert.NotNull(WebhookAddress.Problem("https://127.0.0.1/hook", intranet));
        Assert.Throws<FormatException>(() => WebhookRules.From(false, ["10.20.0.0/33"]));

        // Allowing a range that holds a metadata service never opens the metadata service.
        var wide = WebhookRules.From(false, ["100.64.0.0/10", "169.254.0.0/16", "fd00::/8", "fe80::/10"]);
        Assert.Null(WebhookAddress.Problem("https://100.64.1.1/hook", wide));
        Assert.Null(WebhookAddress.Problem("https://[fd00::1]/hook", wide));
        foreach (var metadata in new[] { "100.100.100.200", "169.254.169.254", "169.254.1.1", "[fd00:ec2::254]", "[fe80::1]" })
        {
            Assert.NotNull(WebhookAddress.Problem($"https://{metadata}/latest/meta-data/", wide));
        }
    }

    [Fact]
    public void Cleartext_to_loopback_only_where_the_operator_allows_it()
    {
        var development = new WebhookRules(AllowLoopback: true);
        Assert.Null(WebhookAddress.Problem("http://127.0.0.1:8080/hook", development));
        Assert.Null(WebhookAddress.Problem("http://localhost:8080/hook", development));
        Assert.NotNull(WebhookAddress.Problem("http://127.0.0.1:8080/hook", Public));
        Assert.NotNull(WebhookAddress.Problem("http://example.org/hook", development));
        Assert.NotNull(WebhookAddress.Problem("https://10.0.0.1/hook", development));
    }

    [Theory]
    [InlineData("169.254.169.254", true)]
    [InlineData("::ffff:169.254.169.254", true)]
    [InlineData("127.0.0.1", true)]
    [InlineData("10.1.2.3", true)]
    [InlineData("100.64.1.1", true)]
    [InlineData("fd00::1", true)]
    [InlineData("64:ff9b::a00:1", true)]
    [InlineData("8.8.8.8", false)]
    [InlineData("2001:db8::1", false)]
    public void Resolved_addresses_are_checked_when_set_and_at_connect_time(string address, bool forbidden)
    {
        Assert.Equal(forbidden, WebhookAddress.IsForbidden(IPAddress.Parse(address), Public));
        Assert.Equal(forbidden, WebhookAddress.ResolvedProblem([IPAddress.Parse("8.8.4.4"), IPAddress.Parse(address)], Public) is not null);
    }
}
