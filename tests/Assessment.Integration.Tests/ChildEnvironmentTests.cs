using System.Diagnostics;
using Assessment.Server.Hosting;

namespace Assessment.Integration.Tests;

/// <summary>The server's children (report reader, Chromium) see none of its configuration, whatever it is called.</summary>
public sealed class ChildEnvironmentTests
{
    [Fact]
    public void A_child_sees_only_what_a_program_needs_to_run()
    {
        var start = new ProcessStartInfo("true");
        // Generated: configuration the server could take from its environment, in the shapes .NET reads it.
        string[] secrets = ["Database__ConnectionString", "ConnectionStrings__Default", "Tls__KeyFile", "OTEL_EXPORTER_OTLP_HEADERS", "PGPASSWORD", "ASSESS_KEY", "WebKeys__Secret", "AWS_SECRET_ACCESS_KEY"];
        foreach (var name in secrets)
        {
            start.Environment[name] = "secret-" + name;
        }

        start.Environment["PATH"] = "/usr/bin";
        start.Environment["LC_ALL"] = "C.UTF-8";
        ChildEnvironment.Restrict(start);
        Assert.All(secrets, name => Assert.False(start.Environment.ContainsKey(name), name));
        Assert.Equal("/usr/bin", start.Environment["PATH"]);
        Assert.Equal("C.UTF-8", start.Environment["LC_ALL"]);

        Environment.SetEnvironmentVariable("Database__ConnectionString", "Host=secret");
        try
        {
            var blanked = ChildEnvironment.Blanked();
            Assert.Equal("", blanked["Database__ConnectionString"]);
            Assert.False(blanked.ContainsKey("PATH"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("Database__ConnectionString", null);
        }
    }
}
