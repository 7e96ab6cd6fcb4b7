using System.Net;
using Assessment.Domain.Keys;

namespace Assessment.Domain.Tests;

public class WebhookAddressTests
{
    [Theory]
    [InlineData("https://oapi.dingtalk.com/robot/send?access_token=abc")]
    [InlineData("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc")]
    [InlineData("https://10.20.30.40/hook")] // a government intranet endpoint is a legitimate target
    public void Public_and_intranet_https_endpoints_are_accepted(string url) => Assert.Null(WebhookAddress.Problem(url, allowLoopback: false));

    [Theory]
    [InlineData("http://oapi.dingtalk.com/robot/send")]
    [InlineData("ftp://example.org/x")]
    [InlineData("https://user:secret@example.org/hook")]
    [InlineData("https://169.254.169.254/latest/meta-data/")]
    [InlineData("https://100.100.100.200/latest/meta-data/")]
    [InlineData("https://metadata.google.internal/computeMetadata/v1/")]
    [InlineData("https://metadata.tencentyun.com/latest/")]
    [InlineData("https://[fe80::1]/hook")]
    [InlineData("https://0.0.0.0/hook")]
    [InlineData("https://224.0.0.1/hook")]
    [InlineData("https://127.0.0.1/hook")]
    [InlineData("not a url")]
    [InlineData("")]
    public void Internal_metadata_cleartext_and_malformed_addresses_are_refused(string url) => Assert.NotNull(WebhookAddress.Problem(url, allowLoopback: false));

    [Fact]
    public void Cleartext_to_loopback_only_where_the_operator_allows_it()
    {
        Assert.Null(WebhookAddress.Problem("http://127.0.0.1:8080/hook", allowLoopback: true));
        Assert.NotNull(WebhookAddress.Problem("http://127.0.0.1:8080/hook", allowLoopback: false));
        Assert.NotNull(WebhookAddress.Problem("http://example.org/hook", allowLoopback: true));
    }

    [Theory]
    [InlineData("169.254.169.254", true)]
    [InlineData("::ffff:169.254.169.254", true)]
    [InlineData("127.0.0.1", true)]
    [InlineData("8.8.8.8", false)]
    [InlineData("2001:db8::1", false)]
    public void Resolved_addresses_are_checked_at_connect_time(string address, bool forbidden) =>
        Assert.Equal(forbidden, WebhookAddress.IsForbidden(IPAddress.Parse(address), allowLoopback: false));
}
