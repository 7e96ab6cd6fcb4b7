namespace Assessment.Server.Mail;

/// <summary>Outgoing mail (configuration section <c>Mail</c>). No host: no mail is sent (the rows wait three days, then expire).</summary>
public sealed class MailOptions
{
    public const string Section = "Mail";

    /// <summary>The SMTP relay, e.g. the government mail system's submission host.</summary>
    public string Host { get; set; } = "";

    public int Port { get; set; } = 587;

    /// <summary>none (a relay on a trusted network), starttls (the default) or tls (implicit TLS, usually port 465).</summary>
    public string Security { get; set; } = "starttls";

    public string User { get; set; } = "";

    public string Password { get; set; } = "";

    /// <summary>The sender, e.g. <c>考核平台 &lt;kaohe@example.gov.cn&gt;</c>.</summary>
    public string From { get; set; } = "";

    /// <summary>The workbench's address, for the link in each message (e.g. https://kaohe.example.gov.cn).</summary>
    public string WorkbenchUrl { get; set; } = "";

    public bool Enabled => Host.Length > 0 && From.Length > 0;
}
