using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace OpsBoard.Testing;

/// <summary>
/// An SMS / 政务微信 gateway on loopback, as the county would plug one in (<c>OpsBoard:NotificationWebhook</c>): answers
/// 200 and remembers every call's <c>Idempotency-Key</c> and body, so a test sees what was delivered and how often.
/// </summary>
public sealed class LoopbackGateway : IDisposable
{
    readonly HttpListener listener = new();

    public LoopbackGateway()
    {
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

                using var reader = new StreamReader(context.Request.InputStream);
                var body = await reader.ReadToEndAsync();
                Calls.Enqueue((context.Request.Headers["Idempotency-Key"] ?? "", body));
                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        });
    }

    public string Url { get; }

    public ConcurrentQueue<(string Key, string Body)> Calls { get; } = new();

    public void Dispose() => listener.Close();
}
