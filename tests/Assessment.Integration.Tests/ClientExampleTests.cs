using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Assessment.Contracts.V1;
using Assessment.Integration.Tests.Infrastructure;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Reflection.V1Alpha;
using static Assessment.Integration.Tests.Infrastructure.ServerProcess;

namespace Assessment.Integration.Tests;

/// <summary>
/// docs/clients.md as a county system's developer would use it: its curl, Python and Node examples run as written
/// against the live server (each stores legalaid.cases = 12 with its own note, read back over gRPC), and its grpcurl
/// lines are taken apart by bash exactly as the shell would pass them, resolved through the server's reflection and
/// sent with the JSON they carry. Documentation that drifts from the API fails here.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed partial class ClientExampleTests(PlatformFixture platform)
{
    private const string Unit = "beta/u1";

    [GeneratedRegex(@"```(?<lang>sh|python|js)\n(?<body>.*?)```", RegexOptions.Singleline)]
    private static partial Regex Block();

    private static string Example(string lang, string contains) =>
        Block().Matches(File.ReadAllText(RepositoryFile("docs", "clients.md")))
            .Select(m => (Lang: m.Groups["lang"].Value, Body: m.Groups["body"].Value))
            .Single(b => b.Lang == lang && b.Body.Contains(contains, StringComparison.Ordinal)).Body;

    [Theory]
    [InlineData("sh", "curl --fail-with-body", "example.sh", "curl 示例")]
    [InlineData("python", "urllib", "example.py", "Python 示例")]
    [InlineData("js", "fetch(", "submit.mjs", "Node 示例")]
    public async Task Each_json_example_of_the_client_guide_runs_as_written(string lang, string marker, string file, string note)
    {
        var work = Directory.CreateDirectory(PostgresFixture.ScratchPath($"client-{Guid.NewGuid():N}")).FullName;
        await File.WriteAllTextAsync(Path.Combine(work, file), Example(lang, marker));
        var (program, args) = lang switch
        {
            "sh" => ("bash", new[] { "-euo", "pipefail", file }),
            "python" => ("python3", new[] { file }),
            _ => ("node", new[] { file }),
        };
        var (exit, output) = await RunAsync(work, program, args);
        Assert.True(exit == 0, $"{program} {file} exited {exit}:\n{output}");
        if (lang != "sh")
        {
            Assert.Contains("legalaid.cases = 12", output, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains("\"rows\"", await File.ReadAllTextAsync(Path.Combine(work, "form.json")), StringComparison.Ordinal);
        }

        var mine = await new SubmissionService.SubmissionServiceClient(platform.Server.Channel)
            .GetMySubmissionsAsync(new GetMySubmissionsRequest { Year = 2024 }, As(platform.Keys[Unit]));
        var value = mine.Values.Single(v => v.Code == "legalaid.cases");
        Assert.Equal(12, value.Value);
        Assert.Equal(note, value.Note);
    }

    [Fact]
    public async Task The_grpcurl_lines_resolve_by_reflection_and_succeed_with_their_json()
    {
        // bash expands and splits each line; a grpcurl function stands in for the binary and prints its arguments.
        var work = Directory.CreateDirectory(PostgresFixture.ScratchPath($"grpcurl-{Guid.NewGuid():N}")).FullName;
        await File.WriteAllTextAsync(Path.Combine(work, "lines.sh"), "grpcurl() { printf '%s\\0' \"$@\"; printf '\\n\\0'; }\n" + Example("sh", "grpcurl "));
        var (exit, output) = await RunAsync(work, "bash", ["-euo", "pipefail", "lines.sh"]);
        Assert.True(exit == 0, output);
        var invocations = output.Split("\n\0", StringSplitOptions.RemoveEmptyEntries).Select(i => i.Split('\0', StringSplitOptions.RemoveEmptyEntries)).ToList();
        Assert.True(invocations.Count >= 3, output);

        var channel = platform.Server.Channel;
        foreach (var args in invocations)
        {
            var (headers, data, rest) = (new Metadata(), "{}", new List<string>());
            for (var i = 0; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case "-plaintext":
                        break;
                    case "-H":
                        var header = args[++i];
                        headers.Add(header[..header.IndexOf(':', StringComparison.Ordinal)].Trim(), header[(header.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim());
                        break;
                    case "-d":
                        data = args[++i];
                        break;
                    default:
                        rest.Add(args[i]);
                        break;
                }
            }

            Assert.Equal($"127.0.0.1:{platform.Server.Config.GrpcPort}", rest[0]);
            if (rest[1] == "list")
            {
                Assert.Contains("assessment.v1.SubmissionService", await ListServicesAsync(channel));
                continue;
            }

            // What grpcurl does: the method's descriptor from reflection, the JSON parsed as its input, one unary call.
            var (service, methodName) = (rest[1][..rest[1].LastIndexOf('/')], rest[1][(rest[1].LastIndexOf('/') + 1)..]);
            var file = await FileContainingAsync(channel, service);
            var method = file.Service.Single(s => $"{file.Package}.{s.Name}" == service).Method.Single(m => m.Name == methodName);
            var input = Descriptors.Single(d => "." + d.FullName == method.InputType);
            var output2 = Descriptors.Single(d => "." + d.FullName == method.OutputType);
            var request = JsonParser.Default.Parse(data, input);
            var call = new Method<IMessage, IMessage>(MethodType.Unary, service, methodName,
                Marshallers.Create<IMessage>(m => m.ToByteArray(), b => input.Parser.ParseFrom(b)),
                Marshallers.Create<IMessage>(m => m.ToByteArray(), b => output2.Parser.ParseFrom(b)));
            var answer = await channel.Raw.CreateCallInvoker().AsyncUnaryCall(call, null, new CallOptions(headers, DateTime.UtcNow.AddSeconds(30)), request);
            Assert.NotNull(answer);
        }
    }

    private static readonly MessageDescriptor[] Descriptors =
        new[] { SubmissionService.Descriptor, AssessmentService.Descriptor, BulletinService.Descriptor, AccountService.Descriptor, CatalogService.Descriptor }
            .SelectMany(s => s.Methods).SelectMany(m => new[] { m.InputType, m.OutputType }).Distinct().ToArray();

    private static async Task<HashSet<string>> ListServicesAsync(CallInvoker channel)
    {
        using var call = new ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        await call.ResponseStream.MoveNext(CancellationToken.None);
        return call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToHashSet();
    }

    private static async Task<FileDescriptorProto> FileContainingAsync(CallInvoker channel, string symbol)
    {
        using var call = new ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { FileContainingSymbol = symbol });
        await call.RequestStream.CompleteAsync();
        await call.ResponseStream.MoveNext(CancellationToken.None);
        return call.ResponseStream.Current.FileDescriptorResponse.FileDescriptorProto
            .Select(b => FileDescriptorProto.Parser.ParseFrom(b))
            .First(f => f.Service.Any(s => $"{f.Package}.{s.Name}" == symbol));
    }

    private async Task<(int Exit, string Output)> RunAsync(string directory, string program, string[] args)
    {
        var start = new ProcessStartInfo(program, args)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
        };
        start.Environment["ASSESS_JSON"] = $"http://127.0.0.1:{platform.Server.Config.WebPort}";
        start.Environment["ASSESS_GRPC"] = $"127.0.0.1:{platform.Server.Config.GrpcPort}";
        start.Environment["ASSESS_KEY"] = platform.Keys[Unit];
        start.Environment["PYTHONIOENCODING"] = "utf-8";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
