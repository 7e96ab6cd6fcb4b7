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

    public static TheoryData<string> InternalTargets() => [.. WebhookForms.InternalTargets()];

    [Theory]
    [MemberData(nameof(InternalTargets))]
    public void Every_form_of_an_internal_target_is_refused(string url) => Assert.NotNull(WebhookAddress.Problem(url, Public));

    public static TheoryData<string> MalformedAddresses() => [.. WebhookForms.Malformed()];

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
