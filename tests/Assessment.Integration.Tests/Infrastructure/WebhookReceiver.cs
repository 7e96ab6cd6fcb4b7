using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace Assessment.Integration.Tests.Infrastructure;

/// <summary>
/// A webhook receiver on a free loopback port (the test server allows loopback webhooks): records every request's
/// Standard Webhooks headers and body, and answers 500 to the first <c>failFirst</c> requests, 200 after.
/// </summary>
public sealed class WebhookReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private int _failFirst;

    public WebhookReceiver(int failFirst)
    {
        _failFirst = failFirst;
        Port = ServerProcess.FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _ = Task.Run(LoopAsync);
    }

    public int Port { get; }

    public ConcurrentQueue<(string Id, string Timestamp, string Signature, string Body, int Answer)> Received { get; } = new();

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var answer = Interlocked.Decrement(ref _failFirst) >= 0 ? 500 : 200;
            Received.Enqueue((context.Request.Headers["webhook-id"] ?? "", context.Request.Headers["webhook-timestamp"] ?? "", context.Request.Headers["webhook-signature"] ?? "", body, answer));
            context.Response.StatusCode = answer;
            context.Response.Close();
        }
    }

    public void Dispose() => _listener.Close();
}
