package dev.agentmanager.benchmarks;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.agentmanager.AgentManager;
import dev.agentmanager.TaskSettings;
import dev.agentmanager.exception.AgentNotFoundException;
import dev.agentmanager.exception.CertificateMismatchException;
import dev.agentmanager.exception.InvalidRequestException;
import dev.agentmanager.exception.StaleHeartbeatException;
import dev.agentmanager.exception.TaskFencedException;
import dev.agentmanager.exception.TaskNotFoundException;
import dev.agentmanager.model.Heartbeat;
import dev.agentmanager.model.HeartbeatResponse;
import dev.agentmanager.store.jdbc.JdbcAgentStore;
import dev.agentmanager.task.AgentTask;
import dev.agentmanager.task.AgentTasks;
import dev.agentmanager.task.RetryPolicy;
import dev.agentmanager.task.TaskAssignment;
import dev.agentmanager.task.TaskControl;
import dev.agentmanager.task.TaskLease;
import dev.agentmanager.task.TaskPayload;
import dev.agentmanager.task.TaskReport;
import dev.agentmanager.task.TaskRequest;
import dev.agentmanager.task.TaskSelector;
import dev.agentmanager.task.TaskStop;
import dev.agentmanager.task.TaskTarget;
import dev.agentmanager.task.TaskTimeouts;
import dev.agentmanager.testkit.FakeCertificateService;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * One replica of the chaos run ({@link ChaosRun}), in a JVM of its own: an {@link AgentManager} with tasks on its
 * own {@link JdbcAgentStore} and pool (the run's database and table prefix), its timeout monitor and task sweeper
 * running, behind a tiny HTTP API on the JDK's {@code com.sun.net.httpserver}.
 *
 * <p>A benchmark harness on localhost, not a server to copy: plain HTTP without TLS, and the agent's identity is
 * the id and certificate thumbprint it sends in the request (a real host takes the thumbprint from the TLS layer).
 * Every call is a POST with a form-encoded body and answers plain text:
 *
 * <ul>
 *   <li>{@code /heartbeat} agent, thumb, epoch, seq, held ({@code task:attempt,...}): {@code status=..},
 *       {@code waiting=..}, {@code stop=task:attempt:REASON,...};
 *   <li>{@code /claim} agent, thumb, max: one line {@code task attempt} per assignment;
 *   <li>{@code /report} agent, thumb, task, attempt, kind ({@code started|progress|succeeded|failed}):
 *       {@code status=..}; 409 when fenced;
 *   <li>{@code /submit} first, count: tasks {@code first .. first+count-1}, one id per line (see {@link #request}).
 * </ul>
 *
 * With {@code drop=1} the replica applies the request and then closes the connection without a response: the
 * reply is lost after the change was made, as a network failure would lose it. Errors the caller may retry
 * (database, conflicts) answer 503; a refusal of the library answers 4xx with its message.
 *
 * <p>Prints {@code READY <port>} once it serves. It exits when its standard input closes, so that it never
 * outlives the driver. Arguments: JDBC URL, table prefix, request threads.
 */
public final class ChaosReplica {
    static final String READY = "READY ";
    /** Heartbeat interval and timeout the replicas tell agents and judge them by. */
    static final Duration HEARTBEAT_INTERVAL = Duration.ofSeconds(2);

    static final Duration HEARTBEAT_TIMEOUT = Duration.ofSeconds(8);
    /** Short enough that attempts whose claim reply was lost are queued again within the run. */
    static final TaskTimeouts TIMEOUTS =
            new TaskTimeouts(Duration.ofHours(1), Duration.ofMinutes(2), Duration.ofSeconds(8));

    static final Duration LOST_AFTER = Duration.ofSeconds(4);
    static final int CAPACITY = 4;
    static final int MAX_ATTEMPTS = 3;

    private final AgentManager manager;
    private final AgentTasks tasks;

    private ChaosReplica(AgentManager manager) {
        this.manager = manager;
        this.tasks = manager.tasks();
    }

    public static void main(String[] args) throws Exception {
        Fleet.quietLogging();
        String url = args[0];
        String prefix = args[1];
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 6;
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setMaximumPoolSize(threads + 3); // and the monitor, the heartbeat flusher, the revocation feed
        config.setConnectionTimeout(5_000);
        HikariDataSource pool = new HikariDataSource(config);
        JdbcAgentStore store = JdbcAgentStore.builder(pool).tablePrefix(prefix).build();
        AgentManager manager = AgentManager.builder()
                .store(store)
                .taskStore(store.taskStore())
                .certificateService(new FakeCertificateService(Clock.systemUTC()))
                .heartbeat(HEARTBEAT_INTERVAL, HEARTBEAT_TIMEOUT)
                .sweepInterval(Duration.ofMillis(500))
                .tasks(TaskSettings.defaults()
                        .withTimeouts(TIMEOUTS)
                        .withAgentCapacity(CAPACITY)
                        .withLostAfter(LOST_AFTER))
                .build();
        manager.start();
        ChaosReplica replica = new ChaosReplica(manager);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
        server.createContext("/heartbeat", e -> replica.serve(e, replica::heartbeat));
        server.createContext("/claim", e -> replica.serve(e, replica::claim));
        server.createContext("/report", e -> replica.serve(e, replica::report));
        server.createContext("/submit", e -> replica.serve(e, replica::submit));
        server.setExecutor(Executors.newFixedThreadPool(threads));
        server.start();
        System.out.println(READY + server.getAddress().getPort());
        System.out.flush();
        // the driver holds our stdin: when it ends, so do we
        InputStream in = System.in;
        while (in.read() >= 0) {
            // nothing is sent
        }
        Runtime.getRuntime().halt(0);
    }

    /** What a call answers: an HTTP status and a text body. */
    record Answer(int status, String body) {}

    @FunctionalInterface
    private interface Handler {
        Answer handle(Map<String, String> form);
    }

    private void serve(HttpExchange exchange, Handler handler) throws IOException {
        try (exchange) {
            Map<String, String> form = form(exchange.getRequestBody().readAllBytes());
            Answer answer;
            try {
                answer = handler.handle(form);
            } catch (TaskFencedException e) {
                answer = new Answer(409, e.getMessage());
            } catch (TaskNotFoundException | AgentNotFoundException e) {
                answer = new Answer(404, e.getMessage());
            } catch (StaleHeartbeatException e) {
                answer = new Answer(409, e.getMessage());
            } catch (InvalidRequestException | CertificateMismatchException e) {
                answer = new Answer(400, e.getClass().getSimpleName() + ": " + e.getMessage());
            } catch (RuntimeException e) { // the database, a conflict: the caller retries
                answer = new Answer(503, e.getClass().getSimpleName() + ": " + e.getMessage());
            }
            if ("1".equals(form.get("drop"))) {
                return; // applied, and the reply is lost: closing without response headers drops the connection
            }
            byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            exchange.sendResponseHeaders(answer.status(), body.length == 0 ? -1 : body.length);
            if (body.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        }
    }

    static Map<String, String> form(byte[] body) {
        Map<String, String> form = new HashMap<>();
        String text = new String(body, StandardCharsets.UTF_8);
        if (text.isEmpty()) {
            return form;
        }
        for (String pair : text.split("&")) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            form.put(URLDecoder.decode(key, StandardCharsets.UTF_8), URLDecoder.decode(value, StandardCharsets.UTF_8));
        }
        return form;
    }

    private Answer heartbeat(Map<String, String> f) {
        List<TaskLease> held = new ArrayList<>();
        String list = f.getOrDefault("held", "");
        if (!list.isEmpty()) {
            for (String lease : list.split(",")) {
                int colon = lease.lastIndexOf(':');
                held.add(new TaskLease(lease.substring(0, colon), Integer.parseInt(lease.substring(colon + 1))));
            }
        }
        HeartbeatResponse r = manager.heartbeatProcessor()
                .process(Heartbeat.builder(f.get("agent"), f.get("thumb"))
                        .bootEpoch(Long.parseLong(f.get("epoch")))
                        .sequence(Long.parseLong(f.get("seq")))
                        .heldTasks(held)
                        .build());
        StringBuilder stop = new StringBuilder();
        for (TaskStop s : r.tasks().stop()) {
            stop.append(stop.length() == 0 ? "" : ",")
                    .append(s.lease().taskId())
                    .append(':')
                    .append(s.lease().attempt())
                    .append(':')
                    .append(s.reason());
        }
        return new Answer(200, "status=" + r.status() + "\nwaiting=" + r.tasks().waiting() + "\nstop=" + stop + "\n");
    }

    private Answer claim(Map<String, String> f) {
        StringBuilder out = new StringBuilder();
        for (TaskAssignment a : tasks.claim(f.get("agent"), f.get("thumb"), Integer.parseInt(f.get("max")))) {
            out.append(a.lease().taskId())
                    .append(' ')
                    .append(a.lease().attempt())
                    .append('\n');
        }
        return new Answer(200, out.toString());
    }

    private Answer report(Map<String, String> f) {
        TaskLease lease = new TaskLease(f.get("task"), Integer.parseInt(f.get("attempt")));
        TaskReport report = switch (f.get("kind")) {
            case "started" -> new TaskReport.Started(lease);
            case "progress" -> new TaskReport.Progress(lease, 50, "halfway");
            case "succeeded" -> new TaskReport.Succeeded(lease, TaskPayload.ofJson("{\"ok\":true}"));
            case "failed" -> new TaskReport.Failed(lease, "simulated failure");
            default -> throw new InvalidRequestException("kind", f.get("kind"));
        };
        TaskControl control = tasks.report(f.get("agent"), f.get("thumb"), report);
        return new Answer(200, "status=" + control.status() + "\n");
    }

    private Answer submit(Map<String, String> f) {
        long first = Long.parseLong(f.get("first"));
        int count = Integer.parseInt(f.get("count"));
        StringBuilder out = new StringBuilder();
        for (long n = first; n < first + count; n++) {
            AgentTask task = tasks.submit(request(n));
            out.append(task.id()).append('\n');
        }
        return new Answer(200, out.toString());
    }

    /**
     * Task {@code n} of the run: any agent with {@code docker}, keyed {@code task-n} (so that a submission
     * repeated after its reply was lost returns the same task), idempotent for even {@code n} (up to
     * {@value #MAX_ATTEMPTS} started attempts), not for odd.
     */
    static TaskRequest request(long n) {
        return TaskRequest.builder("deploy", TaskTarget.matching(TaskSelector.capability("docker")))
                .json("{\"n\":" + n + "}")
                .idempotencyKey(key(n))
                .retry(new RetryPolicy(MAX_ATTEMPTS, n % 2 == 0))
                .build();
    }

    static String key(long n) {
        return "task-" + n;
    }
}
