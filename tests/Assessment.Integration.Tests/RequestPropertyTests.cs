using System.Collections;
using Assessment.Contracts.V1;
using Assessment.Integration.Tests.Infrastructure;
using FsCheck;
using FsCheck.Fluent;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using static Assessment.Integration.Tests.Infrastructure.ServerProcess;

namespace Assessment.Integration.Tests;

/// <summary>
/// Generated requests for every RPC of every service in <c>protos/</c>, sent as each service's intended caller: whatever
/// the fields hold, the answer is a precise status — never INTERNAL, UNKNOWN or a stalled call — and the server is the
/// same process afterwards. Runs on a server of its own, so random writes touch no other test's data.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class RequestPropertyTests(PlatformFixture platform)
{
    private static readonly ServiceDescriptor[] Services =
    [
        SubmissionReflection.Descriptor.Services[0],
        AssessmentReflection.Descriptor.Services[0],
        BulletinReflection.Descriptor.Services[0],
        AdminReflection.Descriptor.Services[0],
        AccountReflection.Descriptor.Services[0],
    ];

    private static readonly MethodDescriptor[] Methods = [.. Services.SelectMany(s => s.Methods)];

    private static readonly string[] Strings =
    [
        "", "alpha", "gamma", "u1", "itest", "other", "legalaid.cases", "mediation.amount_10k_yuan", "org", "satisfaction.survey_score",
        "html", "markdown", "pdf", "unit", "county", "assessor", "leader", "tenant_admin", "operator", "adj-1", "0", "-5", "1000",
        "x\n", "suo\r\n", "../beta", "Alpha", "名称", new string('名', 70), "a" + new string('\u0301', 200), "\u202E反转", "\u0000", "\u0007",
        "{{ 7*7 }}", "<script>alert(1)</script>", "💥", new string('x', 5_000), "code: x\nversion: 1\nname: y\n", "[[[[[[[[",
        Guid.Empty.ToString(), "not-a-uuid", "00000000-0000-0000-0000-00000000000g",
    ];

    private static readonly long[] Integers = [0, 1, -1, 2, 2024, 2025, 2031, 1999, 2101, 100, 1000, int.MaxValue, int.MinValue, 999_999_999];

    private static readonly double[] Doubles =
        [0, -0.0, 1, -1, 0.5, 2.5, 99.5, 100, 101, 123456789012.34, 1e12, 1e300, -1e300, double.NaN, double.PositiveInfinity, double.NegativeInfinity, double.Epsilon];

    private static readonly long[] Seconds = [0, 1_700_000_000, 2_000_000_000, -62_135_596_801, -62_135_596_800, 253_402_300_799, 253_402_300_800, long.MaxValue, long.MinValue];

    private static readonly int[] Nanos = [0, 1, 999_999_999, 1_000_000_000, -1, int.MaxValue, int.MinValue];

    [Fact]
    public async Task No_generated_request_to_any_rpc_is_answered_internal_or_unknown_and_the_process_lives_on()
    {
        await using var server = await StartAsync(new Settings(await platform.Postgres.CreateDatabaseAsync(), PostgresFixture.NewDataDir(), PlatformFixture.SeedFile));
        var keys = server.Keys();
        var callers = new Dictionary<string, string>
        {
            ["SubmissionService"] = keys["alpha/u1"],
            ["AssessmentService"] = keys["assessor"],
            ["BulletinService"] = keys["assessor"],
            ["AdminService"] = server.OperatorKey(),
            ["AccountService"] = keys["alpha/u1"],
        };
        var pid = server.ProcessId;
        var invoker = server.Channel.CreateCallInvoker();
        var failures = new List<string>();
        var answered = new Dictionary<StatusCode, int>();

        var requests = Gen.Choose(0, Methods.Length - 1).SelectMany(m => Gen.Choose(0, int.MaxValue).Select(seed => (Method: m, Seed: seed)));
        Prop.ForAll(requests.ToArbitrary(), r =>
        {
            var method = Methods[r.Method];
            var request = Generate(method.InputType, new Random(r.Seed), depth: 0);
            var code = CallAsync(invoker, method, request, callers[method.Service.Name]).GetAwaiter().GetResult();
            lock (answered)
            {
                answered[code.StatusCode] = answered.GetValueOrDefault(code.StatusCode) + 1;
            }

            if (code.StatusCode is StatusCode.Internal or StatusCode.Unknown or StatusCode.DeadlineExceeded)
            {
                lock (failures)
                {
                    failures.Add($"{method.FullName} seed {r.Seed}: {code.StatusCode} {code.Detail}\n  {request}");
                }

                return false;
            }

            return true;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(600).WithQuietOnSuccess(true));

        Assert.True(failures.Count == 0, string.Join('\n', failures.Take(5)));
        Assert.True(server.IsRunning);
        Assert.Equal(pid, server.ProcessId);
        Assert.True(answered.Values.Sum() >= 600 && answered.Keys.Count(c => c != StatusCode.OK) >= 3, string.Join(", ", answered.Select(a => $"{a.Key} {a.Value}")));
    }

    private static async Task<Status> CallAsync(CallInvoker invoker, MethodDescriptor method, IMessage request, string key)
    {
        var input = Marshallers.Create<IMessage>(m => m.ToByteArray(), bytes => method.InputType.Parser.ParseFrom(bytes));
        var output = Marshallers.Create<IMessage>(m => m.ToByteArray(), bytes => method.OutputType.Parser.ParseFrom(bytes));
        // Each RPC called as what it is: a server-streaming one (a bulletin's download) read to its end.
        var kind = method.IsServerStreaming ? MethodType.ServerStreaming : MethodType.Unary;
        var grpcMethod = new Method<IMessage, IMessage>(kind, method.Service.FullName, method.Name, input, output);
        try
        {
            if (kind == MethodType.ServerStreaming)
            {
                using var call = invoker.AsyncServerStreamingCall(grpcMethod, null, As(key, seconds: 30), request);
                while (await call.ResponseStream.MoveNext(CancellationToken.None))
                {
                }
            }
            else
            {
                await invoker.AsyncUnaryCall(grpcMethod, null, As(key, seconds: 30), request).ResponseAsync;
            }

            return Status.DefaultSuccess;
        }
        catch (RpcException ex)
        {
            return ex.Status;
        }
    }

    /// <summary>A message of the given type with each field left out or set from the pools above, nested messages too.</summary>
    private static IMessage Generate(MessageDescriptor type, Random random, int depth)
    {
        var message = (IMessage)Activator.CreateInstance(type.ClrType)!;
        if (type.FullName == Timestamp.Descriptor.FullName)
        {
            return new Timestamp { Seconds = Seconds[random.Next(Seconds.Length)], Nanos = Nanos[random.Next(Nanos.Length)] };
        }

        foreach (var field in type.Fields.InDeclarationOrder())
        {
            if (random.Next(4) == 0 || field.IsMap)
            {
                continue; // absent
            }

            if (field.IsRepeated)
            {
                var list = (IList)field.Accessor.GetValue(message);
                var count = random.Next(10) == 0 ? 60 : random.Next(4);
                for (var i = 0; i < count && (field.FieldType != FieldType.Message || depth < 3); i++)
                {
                    list.Add(Value(field, random, depth));
                }
            }
            else if (field.FieldType != FieldType.Message || depth < 3)
            {
                field.Accessor.SetValue(message, Value(field, random, depth));
            }
        }

        return message;
    }

    private static object Value(FieldDescriptor field, Random random, int depth) => field.FieldType switch
    {
        FieldType.String => Strings[random.Next(Strings.Length)],
        FieldType.Bool => random.Next(2) == 0,
        FieldType.Double => Doubles[random.Next(Doubles.Length)],
        FieldType.Float => (float)Doubles[random.Next(Doubles.Length)],
        FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => unchecked((int)Integers[random.Next(Integers.Length)]),
        FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => Integers[random.Next(Integers.Length)],
        FieldType.UInt32 or FieldType.Fixed32 => unchecked((uint)Integers[random.Next(Integers.Length)]),
        FieldType.UInt64 or FieldType.Fixed64 => unchecked((ulong)Integers[random.Next(Integers.Length)]),
        FieldType.Bytes => ByteString.CopyFrom(new byte[random.Next(64)]),
        FieldType.Enum => random.Next(5) == 0 ? 999 : field.EnumType.Values[random.Next(field.EnumType.Values.Count)].Number,
        FieldType.Message => Generate(field.MessageType, random, depth + 1),
        _ => throw new NotSupportedException(field.FieldType.ToString()),
    };
}
