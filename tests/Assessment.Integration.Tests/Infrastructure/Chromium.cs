using System.Diagnostics;

namespace Assessment.Integration.Tests.Infrastructure;

/// <summary>Debian's headless Chromium (/usr/bin/chromium), printing HTML to PDF as a county's office would.</summary>
public static class Chromium
{
    public const string Executable = "/usr/bin/chromium";

    public static async Task<byte[]> PrintAsync(string html)
    {
        var dir = Directory.CreateTempSubdirectory("chromium-").FullName;
        try
        {
            var page = Path.Combine(dir, "page.html");
            var pdf = Path.Combine(dir, "page.pdf");
            await File.WriteAllTextAsync(page, html);
            var start = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true };
            // No network and no background services: this machine's loopback-only network refuses them anyway.
            foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", $"--user-data-dir={Path.Combine(dir, "profile")}",
                $"--print-to-pdf={pdf}", "--no-pdf-header-footer", new Uri(page).AbsoluteUri })
            {
                start.ArgumentList.Add(a);
            }

            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(timeout.Token);
            return File.Exists(pdf) ? await File.ReadAllBytesAsync(pdf) : throw new InvalidOperationException($"chromium printed nothing: {await output}{await error}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
