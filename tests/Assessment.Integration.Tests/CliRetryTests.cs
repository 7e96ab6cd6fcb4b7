using Assessment.Cli;
using Assessment.Contracts.V1;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Assessment.Integration.Tests;

/// <summary>The CLI's channel: every write gets a request_id, and a retry after UNAVAILABLE sends the same one.</summary>
public sealed class CliRetryTests
{
    /// <summary>Answers UNAVAILABLE to the first <c>failures</c> calls, then OK; remembers every request it saw.</summary>
    private sealed class FlakyInvoker(int failures) : CallInvoker
    {
        public List<object> Seen { get; } = [];

        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
        {
            var message = (Google.Protobuf.IMessage)request!;
            Seen.Add(message.Descriptor.Parser.ParseFrom(message.ToByteArray()));
            var response = Seen.Count <= failures
                ? Task.FromException<TResponse>(new RpcException(new Status(StatusCode.Unavailable, "down")))
                : Task.FromResult(Activator.CreateInstance<TResponse>());
            return new AsyncUnaryCall<TResponse>(response, Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => [], () => { });
        }

        public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) => throw new NotSupportedException();

        public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) => throw new NotSupportedException();

        public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) => throw new NotSupportedException();

        public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) => throw new NotSupportedException();
    }

    public static TheoryData<string, bool> Statuses() => new()
    {
        { "unavailable from the server", true },
        { "internal: the client library saw the connection closed (GOAWAY, NO_ERROR)", true },
        { "internal: the client library could not connect", true },
        { "internal from the server", false },
        { "internal: the client library saw a protocol error", false },
        { "deadline exceeded", false },
    };

    [Theory]
    [MemberData(nameof(Statuses))]
    public void Only_a_call_the_server_did_not_answer_counts_as_unanswered(string which, bool unanswered)
    {
        var status = which switch
        {
            "unavailable from the server" => new Status(StatusCode.Unavailable, "服务暂不可用"),
            "internal: the client library saw the connection closed (GOAWAY, NO_ERROR)" => new Status(StatusCode.Internal, "Error starting gRPC call.",
                new HttpRequestException(HttpRequestError.HttpProtocolError, "The HTTP/2 server closed the connection.", new HttpProtocolException(0, "NO_ERROR", null))),
            "internal: the client library could not connect" => new Status(StatusCode.Internal, "Error starting gRPC call.",
                new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused")),
            "internal from the server" => new Status(StatusCode.Internal, "内部错误，已记录。"),
            "internal: the client library saw a protocol error" => new Status(StatusCode.Internal, "Error starting gRPC call.",
                new HttpRequestException(HttpRequestError.HttpProtocolError, "PROTOCOL_ERROR", new HttpProtocolException(1, "PROTOCOL_ERROR", null))),
            _ => new Status(StatusCode.DeadlineExceeded, ""),
        };
        Assert.Equal(unanswered, Unanswered.Is(new RpcException(status)));
    }

    [Fact]
    public async Task A_write_gets_a_request_id_and_every_retry_after_unavailable_sends_the_same_one()
    {
        var flaky = new FlakyInvoker(failures: 2);
        var client = new AssessmentService.AssessmentServiceClient(flaky.Intercept(new RetryWithSameIdInterceptor()));
        await client.AdjustScoreAsync(new AdjustScoreRequest { Year = 2024, County = "gamma", Target = "org", Points = -1, Reason = "核查" });

        var sent = flaky.Seen.Cast<AdjustScoreRequest>().ToList();
        Assert.Equal(3, sent.Count);
        Assert.True(Guid.TryParse(sent[0].RequestId, out _));
        Assert.All(sent, r => Assert.Equal(sent[0].RequestId, r.RequestId));
    }

    [Fact]
    public async Task Reads_are_not_retried_and_a_given_request_id_is_kept()
    {
        var reads = new FlakyInvoker(failures: 1);
        var client = new AssessmentService.AssessmentServiceClient(reads.Intercept(new RetryWithSameIdInterceptor()));
        await Assert.ThrowsAsync<RpcException>(() => client.GetRankingAsync(new GetRankingRequest { Year = 2024 }).ResponseAsync);
        Assert.Single(reads.Seen);

        var writes = new FlakyInvoker(failures: 0);
        var id = Guid.NewGuid().ToString();
        await new AssessmentService.AssessmentServiceClient(writes.Intercept(new RetryWithSameIdInterceptor()))
            .OpenRoundAsync(new RoundTransitionRequest { Year = 2024, RequestId = id });
        Assert.Equal(id, ((RoundTransitionRequest)writes.Seen.Single()).RequestId);
    }
}

/// <summary>CSV as spreadsheets read it: quoted where needed, and never a formula.</summary>
public sealed class CsvExportTests
{
    [Fact]
    public void Fields_with_separators_are_quoted_and_text_that_looks_like_a_formula_stays_text()
    {
        var csv = Assessment.Cli.Commands.ExportCommand.Csv(["县（区）", "总分"],
            [["甲,乙县", 91.5], ["他说\"好\"", 80.0], ["=HYPERLINK(\"http://x\")", -1.0], ["第一行\n第二行", 0.0]]);
        var lines = csv.Split("\r\n");
        Assert.Equal("县（区）,总分", lines[0]);
        Assert.Equal("\"甲,乙县\",91.5", lines[1]);
        Assert.Equal("\"他说\"\"好\"\"\",80", lines[2]);
        Assert.Equal("\"'=HYPERLINK(\"\"http://x\"\")\",-1", lines[3]);
        Assert.StartsWith("\"第一行\n第二行\",0", lines[4], StringComparison.Ordinal);
    }
}
