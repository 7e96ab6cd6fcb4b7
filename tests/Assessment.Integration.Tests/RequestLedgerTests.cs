using System.Security.Claims;
using Assessment.Grains.Abstractions;
using Assessment.Integration.Tests.Infrastructure;
using Assessment.Server.Hosting;
using Assessment.Server.Security;
using Assessment.Server.Services;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Assessment.Integration.Tests;

/// <summary>
/// The request ledger's in-doubt paths against a real PostgreSQL: a first call whose answer could not be kept, one that
/// failed in passing after (or before) its effect, one whose silo died mid-call, and silos whose clock disagrees with
/// the database's. Generated over every way a write can be re-read (its target read again, a target that answers a
/// repeat, nothing to read): the write takes effect once, a retry gets the write's answer, and nothing runs blindly again.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class RequestLedgerTests(PlatformFixture platform) : IAsyncLifetime
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(3);
    private static readonly ClaimsPrincipal User = new(new ClaimsIdentity([new Claim(Caller.CredentialClaim, "ledger-test")]));
    private readonly List<NpgsqlDataSource> _sources = [];
    private string _connection = "";

    public enum Failure { AnswerNotKept, PassingFailureAfterEffect, PassingFailureBeforeEffect, SiloDiedAfterEffect, SiloDiedBeforeEffect }

    public enum Resolution { ReadTarget, RepeatIsRead, Unresolvable }

    public async Task InitializeAsync()
    {
        _connection = await platform.Postgres.CreateDatabaseAsync();
        await SchemaMigrator.MigrateAsync(Source(_connection));
    }

    public Task DisposeAsync()
    {
        foreach (var source in _sources)
        {
            source.Dispose();
        }

        return Task.CompletedTask;
    }

    private NpgsqlDataSource Source(string connection)
    {
        var source = NpgsqlDataSource.Create(connection);
        _sources.Add(source);
        return source;
    }

    /// <summary>A silo's ledger: its own connection pool on the shared database, short waits for the test.</summary>
    private RequestLedger Silo(string? connection = null) =>
        new(Source((connection ?? _connection) + ";Options=-c lock_timeout=100"), NullLogger<RequestLedger>.Instance) { Settle = Settle, InFlightWait = TimeSpan.FromMilliseconds(300) };

    /// <summary>
    /// What a write acts on, like a round that opens once: applying it twice is an error (a retry that ran blindly would
    /// get "already open"), and it remembers the request ids it applied (for targets that answer a repeat).
    /// </summary>
    private sealed class Target
    {
        private readonly HashSet<string> _ids = [];

        public int Effects { get; private set; }

        public Int32Value? Read() => Effects > 0 ? new Int32Value { Value = Effects } : null;

        public Int32Value Apply(string id, Resolution resolution)
        {
            if (resolution == Resolution.RepeatIsRead && _ids.Contains(id))
            {
                return new Int32Value { Value = Effects };
            }

            if (Effects > 0)
            {
                throw new PreconditionException("ALREADY_OPEN", "已开启。");
            }

            _ids.Add(id);
            Effects++;
            return new Int32Value { Value = Effects };
        }
    }

    private static InDoubt<Int32Value> Policy(Resolution resolution, Target target) => resolution switch
    {
        Resolution.ReadTarget => InDoubt<Int32Value>.ReadTarget(() => Task.FromResult(target.Read())),
        Resolution.RepeatIsRead => InDoubt<Int32Value>.RepeatIsRead,
        _ => InDoubt<Int32Value>.Unresolvable,
    };

    public static TheoryData<Failure, Resolution> Cases()
    {
        var data = new TheoryData<Failure, Resolution>();
        foreach (var failure in System.Enum.GetValues<Failure>())
        {
            foreach (var resolution in System.Enum.GetValues<Resolution>())
            {
                data.Add(failure, resolution);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_first_call_in_doubt_is_resolved_from_its_target_and_never_runs_blindly_again(Failure failure, Resolution resolution)
    {
        var target = new Target();
        var id = Guid.NewGuid().ToString("D");
        var request = new StringValue { Value = $"{failure}/{resolution}" };
        var first = Silo();
        var retrying = Silo(); // the retry reaches another silo
        var effectBefore = failure is Failure.AnswerNotKept or Failure.PassingFailureAfterEffect or Failure.SiloDiedAfterEffect;

        // The first call.
        NpgsqlConnection? blocker = null;
        var hang = new TaskCompletionSource<Int32Value>(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstCall = first.RunAsync(User, "test/Open", id, request, Policy(resolution, target), async () =>
        {
            switch (failure)
            {
                case Failure.AnswerNotKept:
                    // The ledger's table is locked away from this silo until after the call: its answer cannot be kept.
                    blocker = new NpgsqlConnection(_connection);
                    await blocker.OpenAsync();
                    await new NpgsqlCommand("BEGIN; LOCK TABLE request_ledger IN ACCESS EXCLUSIVE MODE", blocker).ExecuteNonQueryAsync();
                    return target.Apply(id, resolution);
                case Failure.PassingFailureAfterEffect:
                    target.Apply(id, resolution);
                    throw new RpcException(new Status(StatusCode.Unavailable, "cluster timed out after the grain had applied it"));
                case Failure.PassingFailureBeforeEffect:
                    throw new RpcException(new Status(StatusCode.Unavailable, "cluster unreachable"));
                case Failure.SiloDiedAfterEffect:
                    target.Apply(id, resolution);
                    return await hang.Task; // never answers
                default:
                    return await hang.Task;
            }
        }, CancellationToken.None);

        if (failure is Failure.SiloDiedAfterEffect or Failure.SiloDiedBeforeEffect)
        {
            await Task.Delay(200); // the claim is taken and the call hangs
        }
        else if (failure == Failure.AnswerNotKept)
        {
            Assert.Equal(1, (await firstCall).Value); // the caller has its answer: the effect happened
            await blocker!.DisposeAsync(); // the lock goes with the connection
        }
        else
        {
            Assert.Equal(StatusCode.Unavailable, (await Assert.ThrowsAsync<RpcException>(() => firstCall)).StatusCode);
        }

        Assert.Equal(effectBefore ? 1 : 0, target.Effects);
        var retry = () => retrying.RunAsync(User, "test/Open", id, request, Policy(resolution, target), () => Task.FromResult(target.Apply(id, resolution)), CancellationToken.None);

        // A retry before the first call has settled: the write's answer when its target already shows it (or answers a
        // repeat), else "try again" — never a second run, never a refusal kept as the answer.
        var inDoubtAlready = failure is Failure.PassingFailureAfterEffect or Failure.PassingFailureBeforeEffect;
        var answeredEarly = inDoubtAlready && (resolution == Resolution.RepeatIsRead || (resolution == Resolution.ReadTarget && effectBefore));
        if (answeredEarly)
        {
            Assert.Equal(1, (await retry()).Value);
            Assert.Equal(1, target.Effects);
        }
        else
        {
            await Assert.ThrowsAsync<UnavailableException>(retry);
            Assert.Equal(effectBefore ? 1 : 0, target.Effects);
        }

        // Once settled, every way ends with the effect once and the write's answer, except a write nothing can re-read.
        await Task.Delay(Settle);
        if (resolution == Resolution.Unresolvable)
        {
            var refused = await Assert.ThrowsAsync<PreconditionException>(retry);
            Assert.Equal("REQUEST_IN_DOUBT", refused.Reason);
            Assert.Contains("新的 request_id", refused.Message, StringComparison.Ordinal);
            Assert.Equal(effectBefore ? 1 : 0, target.Effects);
            return;
        }

        Assert.Equal(1, (await retry()).Value);
        Assert.Equal(1, target.Effects);

        // And the answer is kept: a later retry replays it from the ledger without reading or running anything.
        var replay = await retrying.RunAsync(User, "test/Open", id, request, InDoubt<Int32Value>.Unresolvable,
            () => throw new InvalidOperationException("must not run"), CancellationToken.None);
        Assert.Equal(1, replay.Value);
    }

    [Fact]
    public async Task A_silo_whose_clock_runs_ahead_of_the_database_never_takes_over_a_call_still_running()
    {
        // The database's clock ten minutes behind this process's (as if the app servers' clocks ran ahead): only the
        // database's time decides whether a claim is settled, so a running call is never taken over and run twice.
        await using (var setup = Source(_connection).CreateCommand(
            "CREATE SCHEMA IF NOT EXISTS skew; CREATE OR REPLACE FUNCTION skew.now() RETURNS timestamptz LANGUAGE sql STABLE AS $$ SELECT pg_catalog.now() - interval '10 minutes' $$"))
        {
            await setup.ExecuteNonQueryAsync();
        }

        var skewed = new NpgsqlConnectionStringBuilder(_connection) { SearchPath = "skew,pg_catalog,public" }.ConnectionString;
        var target = new Target();
        var id = Guid.NewGuid().ToString("D");
        var request = new StringValue { Value = "skew" };
        var hang = new TaskCompletionSource<Int32Value>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = Silo(skewed).RunAsync(User, "test/Open", id, request, InDoubt<Int32Value>.ReadTarget(() => Task.FromResult(target.Read())), () => hang.Task, CancellationToken.None);
        await Task.Delay(200);

        var other = Silo(skewed);
        var busy = await Assert.ThrowsAsync<UnavailableException>(() => other.RunAsync(User, "test/Open", id, request,
            InDoubt<Int32Value>.ReadTarget(() => Task.FromResult(target.Read())), () => Task.FromResult(target.Apply(id, Resolution.ReadTarget)), CancellationToken.None));
        Assert.Contains("正在处理中", busy.Message, StringComparison.Ordinal);
        Assert.Equal(0, target.Effects);

        hang.SetResult(target.Apply(id, Resolution.ReadTarget));
        await Task.Delay(200);
        var answer = await other.RunAsync(User, "test/Open", id, request, InDoubt<Int32Value>.Unresolvable, () => throw new InvalidOperationException("must not run"), CancellationToken.None);
        Assert.Equal((1, 1), (answer.Value, target.Effects));
    }

    [Fact]
    public async Task A_first_call_that_finishes_after_a_retry_took_over_cannot_overwrite_the_retrys_answer()
    {
        // The first call hangs past its settle time; a retry finds nothing at the target, takes over and runs. When the
        // first call then ends (here with a refusal), its answer is not kept: the retry's is the write's answer.
        var target = new Target();
        var id = Guid.NewGuid().ToString("D");
        var request = new StringValue { Value = "late" };
        var hang = new TaskCompletionSource<Int32Value>(TaskCreationOptions.RunContinuationsAsynchronously);
        var read = InDoubt<Int32Value>.ReadTarget(() => Task.FromResult(target.Read()));
        var first = Silo().RunAsync(User, "test/Open", id, request, read, () => hang.Task, CancellationToken.None);
        await Task.Delay(200);
        await Task.Delay(Settle);

        var retry = await Silo().RunAsync(User, "test/Open", id, request, read, () => Task.FromResult(target.Apply(id, Resolution.ReadTarget)), CancellationToken.None);
        Assert.Equal((1, 1), (retry.Value, target.Effects));

        hang.SetException(new PreconditionException("ALREADY_OPEN", "已开启。"));
        await Assert.ThrowsAsync<RpcException>(() => first);
        var replay = await Silo().RunAsync(User, "test/Open", id, request, InDoubt<Int32Value>.Unresolvable,
            () => throw new InvalidOperationException("must not run"), CancellationToken.None);
        Assert.Equal(1, replay.Value);
    }
}
