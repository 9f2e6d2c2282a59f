using System.Net.Http.Headers;
using System.Text;
using Dapper;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace OpsBoard.Data.Notifications;

public sealed record OutboxRun(int Sent, int Failed, int Pending);

/// <summary>
/// Sends due outbox rows to the webhook at least once. Rows are claimed with <c>FOR UPDATE SKIP LOCKED</c>, so two nodes
/// never send the same row at the same time; a row is marked sent only after the gateway answered 2xx, so a crash or a
/// database outage between the call and the mark sends it again — with the same <c>Idempotency-Key</c>, which a gateway
/// that honours it turns into one message. A failure (an error status, a refused connection, no answer within the
/// timeout) is retried with exponential backoff.
/// </summary>
public sealed class OutboxSender(NpgsqlDataSource dataSource, IOptions<OpsBoardOptions> options, TimeProvider time, ILogger<OutboxSender> logger)
    : IDisposable
{
    public const string IdempotencyHeader = "Idempotency-Key";

    public const int BatchSize = 20;

    readonly HttpClient http = new() { Timeout = Timeout.InfiniteTimeSpan };

    sealed record Due(long Id, Guid IdempotencyKey, string Kind, string? Phone, string Payload, int Attempts);

    public async Task<OutboxRun> RunAsync(CancellationToken cancellationToken = default)
    {
        var o = options.Value;
        if (string.IsNullOrWhiteSpace(o.NotificationWebhook))
        {
            return new OutboxRun(0, 0, await PendingAsync(cancellationToken));
        }

        int sent = 0, failed = 0;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            var now = time.GetUtcNow();
            var due = await connection.QueryAsync<Due>("""
                SELECT id, idempotency_key AS IdempotencyKey, kind, phone, payload::text AS Payload, attempts
                FROM notification_outbox
                WHERE sent_at IS NULL AND next_attempt_at <= @now
                ORDER BY next_attempt_at, id
                LIMIT @BatchSize
                FOR UPDATE SKIP LOCKED
                """, new { now = now.UtcDateTime, BatchSize }, transaction);
            foreach (var row in due)
            {
                var error = await PostAsync(o, row, cancellationToken);
                now = time.GetUtcNow();
                if (error is null)
                {
                    sent++;
                    await connection.ExecuteAsync(
                        "UPDATE notification_outbox SET sent_at = @now, attempts = attempts + 1, last_error = NULL WHERE id = @Id",
                        new { now = now.UtcDateTime, row.Id }, transaction);
                }
                else
                {
                    failed++;
                    var next = now + Backoff(o, row.Attempts + 1);
                    logger.LogWarning("Notification {Id} attempt {Attempt} failed: {Error}; next try at {Next:O}", row.Id, row.Attempts + 1, error, next);
                    await connection.ExecuteAsync("""
                        UPDATE notification_outbox
                        SET attempts = attempts + 1, next_attempt_at = @next, last_error = @error
                        WHERE id = @Id
                        """, new { next = next.UtcDateTime, error = error.Length > 500 ? error[..500] : error, row.Id }, transaction);
                }
            }

            await transaction.CommitAsync(cancellationToken);
        }

        return new OutboxRun(sent, failed, await PendingAsync(cancellationToken));
    }

    /// <summary>The wait after the n-th failure: the first retry delay, doubled each time, capped.</summary>
    public static TimeSpan Backoff(OpsBoardOptions o, int failures)
    {
        var seconds = o.NotificationRetrySeconds * Math.Pow(2, Math.Min(failures - 1, 20));
        return TimeSpan.FromSeconds(Math.Min(seconds, o.NotificationRetryMaxSeconds));
    }

    async Task<string?> PostAsync(OpsBoardOptions o, Due row, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(o.NotificationTimeoutSeconds));
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, o.NotificationWebhook);
            request.Headers.TryAddWithoutValidation(IdempotencyHeader, row.IdempotencyKey.ToString());
            var body = $$"""{"id":"{{row.IdempotencyKey}}","kind":"{{row.Kind}}","phone":{{(row.Phone is null ? "null" : System.Text.Json.JsonSerializer.Serialize(row.Phone))}},"payload":{{row.Payload}}}""";
            request.Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
            using var response = await http.SendAsync(request, timeout.Token);
            return response.IsSuccessStatusCode ? null : $"HTTP {(int)response.StatusCode}";
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"no answer within {o.NotificationTimeoutSeconds} s";
        }
        catch (HttpRequestException e)
        {
            return e.Message;
        }
    }

    async Task<int> PendingAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM notification_outbox WHERE sent_at IS NULL");
    }

    public void Dispose() => http.Dispose();
}
