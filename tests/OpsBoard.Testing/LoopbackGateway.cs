using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace OpsBoard.Testing;

/// <summary>
/// An SMS / 政务微信 gateway on loopback, as the county would plug one in (<c>OpsBoard:NotificationWebhook</c>). It answers
/// 500 to the first <c>failFirst</c> calls (or, with <c>hang</c>, keeps them waiting 3 s first), then 200, and remembers
/// every call's <c>Idempotency-Key</c> and body, so a test sees what was delivered and how often.
/// </summary>
public sealed class LoopbackGateway : IDisposable
{
    readonly HttpListener listener = new();
    readonly int failFirst;
    readonly bool hang;
    int calls;

    public LoopbackGateway(int failFirst = 0, bool hang = false)
    {
        this.failFirst = failFirst;
        this.hang = hang;
        using (var socket = new TcpListener(IPAddress.Loopback, 0))
        {
            socket.Start();
            Url = $"http://127.0.0.1:{((IPEndPoint)socket.LocalEndpoint).Port}/gateway/";
        }

        listener.Prefixes.Add(Url);
        listener.Start();
        _ = Task.Run(async () =>
        {
            while (listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync();
                }
                catch (Exception)
                {
                    return;
                }

                // Each call on its own: a hanging answer must not hold back the next call.
                _ = Task.Run(() => AnswerAsync(context));
            }
        });
    }

    async Task AnswerAsync(HttpListenerContext context)
    {
        var n = Interlocked.Increment(ref calls);
        var key = context.Request.Headers["Idempotency-Key"] ?? "";
        using var reader = new StreamReader(context.Request.InputStream);
        Calls.Enqueue((key, await reader.ReadToEndAsync()));
        if (n <= failFirst && hang)
        {
            await Task.Delay(TimeSpan.FromSeconds(3));
        }

        context.Response.StatusCode = n <= failFirst ? 500 : 200;
        if (n > failFirst)
        {
            Delivered.TryAdd(key, 0);
        }

        context.Response.Close();
    }

    public string Url { get; }

    /// <summary>Every call, answered or not: its key and body.</summary>
    public ConcurrentQueue<(string Key, string Body)> Calls { get; } = new();

    /// <summary>The keys of the calls answered 200.</summary>
    public ConcurrentDictionary<string, int> Delivered { get; } = new();

    public void Dispose() => listener.Close();
}
