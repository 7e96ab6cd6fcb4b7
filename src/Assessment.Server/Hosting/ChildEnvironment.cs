using System.Collections;
using System.Diagnostics;

namespace Assessment.Server.Hosting;

/// <summary>
/// What a child process of the server (the report reader, Chromium) may see of its environment: the few variables a
/// program needs to run and render, never the server's configuration (the database connection string, keys, OTLP
/// headers) that the server itself takes from its environment.
/// </summary>
public static class ChildEnvironment
{
    private static readonly string[] Kept = ["PATH", "HOME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "DOTNET_ROOT", "DOTNET_ROOT_X64", "FONTCONFIG_PATH", "FONTCONFIG_FILE"];

    private static bool Keeps(string name) => Array.Exists(Kept, k => string.Equals(k, name, StringComparison.Ordinal))
        || name.StartsWith("LC_", StringComparison.Ordinal) || name.StartsWith("XDG_", StringComparison.Ordinal);

    /// <summary>Empties the start info's environment down to the kept variables.</summary>
    public static ProcessStartInfo Restrict(ProcessStartInfo start)
    {
        foreach (var name in start.Environment.Keys.Where(k => !Keeps(k)).ToList())
        {
            start.Environment.Remove(name);
        }

        return start;
    }

    /// <summary>
    /// For launchers that only add to the inherited environment (PuppeteerSharp): every variable of this process that is
    /// not kept, set to empty.
    /// </summary>
    public static Dictionary<string, string> Blanked()
    {
        var blanked = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            if (entry.Key is string name && !Keeps(name))
            {
                blanked[name] = "";
            }
        }

        return blanked;
    }
}
