package dev.agentmanager.benchmarks;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * The agents' and the submitter's side of the replicas' HTTP API ({@link ChaosReplica}): a call goes to a random
 * serving replica and is repeated, to another random one, while no replica answers (killed, not yet restarted, the
 * connection dropped) or one answers 503, as a real client behind a load balancer would retry. A call may ask the
 * replica to drop its reply after applying it; the retry then carries the same request again.
 */
final class ChaosClient {
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private final HttpClient http;
    private final ChaosReplicas replicas;
    private final ChaosLedger ledger;
    private final long giveUpNanos;

    /** A replica's answer: HTTP status and body. */
    record Reply(int status, String body) {
        boolean ok() {
            return status == 200;
        }
    }

    ChaosClient(ChaosReplicas replicas, ChaosLedger ledger, ExecutorService executor, Duration giveUpAfter) {
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2))
                .executor(executor)
                .build();
        this.replicas = replicas;
        this.ledger = ledger;
        this.giveUpNanos = giveUpAfter.toNanos();
    }

    /**
     * Sends {@code form} to {@code path}, asking the first replica to drop its reply when {@code drop}, and retries
     * until a replica answers anything but 503.
     *
     * @return the answer, or null if none came within the give-up time
     */
    @Nullable
    Reply call(String kind, String path, String form, boolean drop) {
        long deadline = System.nanoTime() + giveUpNanos;
        boolean dropping = drop;
        for (int attempt = 0; ; attempt++) {
            if (Thread.currentThread().isInterrupted()) {
                return null; // the run is over
            }
            if (attempt > 0) {
                ledger.add("retries", 1);
                LockSupport.parkNanos(
                        Duration.ofMillis(ThreadLocalRandom.current().nextInt(20, 100))
                                .toNanos());
                if (System.nanoTime() > deadline) {
                    ledger.add("calls.abandoned." + kind, 1);
                    return null;
                }
            }
            int port = replicas.randomPort();
            if (port == 0) {
                continue; // none serves right now
            }
            Reply reply = send(port, path, dropping ? form + "&drop=1" : form);
            if (dropping) {
                dropping = false;
                if (reply == null) {
                    ledger.add("dropped." + kind, 1);
                    continue; // the reply was dropped: the same request again
                }
            }
            if (reply != null && reply.status() != 503) {
                return reply;
            }
            if (reply != null) {
                ledger.add("unavailable." + kind, 1);
            }
        }
    }

    /**
     * Sends {@code form} once to a random serving replica (a heartbeat is not repeated: the next one follows at
     * the interval), asking it to drop its reply when {@code drop}.
     *
     * @return the answer, or null if none came
     */
    @Nullable
    Reply once(String kind, String path, String form, boolean drop) {
        int port = replicas.randomPort();
        if (port == 0) {
            return null;
        }
        Reply reply = send(port, path, drop ? form + "&drop=1" : form);
        if (drop && reply == null) {
            ledger.add("dropped." + kind, 1);
        }
        return reply;
    }

    /** One request; null if the connection failed or closed without an answer. */
    @Nullable
    Reply send(int port, String path, String form) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form, StandardCharsets.UTF_8))
                .build();
        try {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Reply(r.statusCode(), r.body());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
