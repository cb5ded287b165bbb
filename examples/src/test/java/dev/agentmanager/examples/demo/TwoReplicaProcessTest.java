package dev.agentmanager.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentmanager.examples.AgentClient;
import dev.agentmanager.examples.demo.Api.AgentView;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Two orchestrator replicas as two JVM processes ({@link ReplicaMain}) on one database and one CA directory,
 * agents talking real mutual TLS to them with the real {@link AgentClient}: enrol on one and heartbeat to the
 * other, renew across replicas, a revocation on one refused in the other's next handshake, and a replica killed
 * with {@code kill -9} in the middle of heartbeats while the other goes on serving every agent. On H2 in server
 * mode (the server in this JVM), PostgreSQL and MariaDB.
 */
@Timeout(120)
class TwoReplicaProcessTest {
    private static final List<Api.CapabilityView> DOCKER = List.of(new Api.CapabilityView("docker", "24.0"));
    private static final Duration PROPAGATION = Duration.ofMillis(500);
    /** Room for one fresh handshake (key files read, TLS set up) on a busy machine. */
    private static final Duration MARGIN = Duration.ofMillis(500);
    /**
     * A replica's buffered heartbeats reach the database within a flush interval plus the flush's duration
     * (JdbcAgentStore): a crashed replica may lose heartbeats it acknowledged that recently, no older ones.
     */
    private static final Duration HEARTBEAT_WINDOW = DemoOrchestrator.HEARTBEAT_FLUSH_INTERVAL.plusMillis(400);

    @TempDir
    Path dir;

    private String operatorKey;
    private HttpClient operator;

    @ParameterizedTest(name = "{0}")
    @EnumSource(SharedDatabase.Kind.class)
    void agentsMoveBetweenReplicasAndSurviveTheOtherBeingKilled(SharedDatabase.Kind kind) throws Exception {
        operatorKey = "operator-" + Long.toHexString(System.nanoTime());
        Path keyFile = Files.writeString(dir.resolve("operator.key"), operatorKey);
        try (SharedDatabase database = SharedDatabase.open(kind, dir.resolve("h2"))) {
            List<String> shared = List.of(
                    "--jdbc-url", database.url,
                    "--table-prefix", database.tablePrefix,
                    "--ca-dir", dir.resolve("ca").toString(),
                    "--operator-key-file", keyFile.toString(),
                    "--propagation-ms", String.valueOf(PROPAGATION.toMillis()));
            int[] ports = freePorts();
            List<String> onPorts = new ArrayList<>(shared);
            onPorts.addAll(
                    List.of("--enrollment-port", String.valueOf(ports[0]), "--agent-port", String.valueOf(ports[1])));
            try (ReplicaProcess a = new ReplicaProcess("A", shared);
                    ReplicaProcess b = new ReplicaProcess("B", onPorts)) {
                assertThat(b.enrollmentUrl.getPort()).isEqualTo(ports[0]);
                assertThat(b.agentUrl.getPort()).isEqualTo(ports[1]);
                operator = JsonHttp.client(
                        JsonHttp.trusting(Files.readString(dir.resolve("ca").resolve("ca-chain.pem"))));
                String web = enrolOnAHeartbeatOnBRenewOnB(a, b);
                revokeOnBRefusedByA(kind, a, b, web);
                killAWhileAgentsHeartbeat(kind, a, b);
            }
        }
    }

    /** Steps 1 and 2: returns the agent's id. */
    private String enrolOnAHeartbeatOnBRenewOnB(ReplicaProcess a, ReplicaProcess b) throws IOException {
        AgentClient web = enrol(a, "web");
        web.talkTo(b.agentUrl);
        assertThat(web.heartbeat().reply().status())
                .as("enrolled on A, heartbeat to B")
                .isEqualTo("ACTIVE");

        String first = web.certificateSerial();
        web.renew(); // through B
        web.talkTo(a.agentUrl);
        assertThat(web.heartbeat().reply().status())
                .as("renewed on B, heartbeat with the new certificate to A")
                .isEqualTo("ACTIVE");
        assertThat(view(b, "web").certificateSerial())
                .isEqualTo(view(a, "web").certificateSerial())
                .isEqualTo(web.certificateSerial())
                .isNotEqualTo(first);
        return web.agentId();
    }

    /** Step 3: every attempt is a new client with a new SSL context, so a full handshake, never a resumed one. */
    private void revokeOnBRefusedByA(SharedDatabase.Kind kind, ReplicaProcess a, ReplicaProcess b, String id)
            throws Exception {
        long asked = System.nanoTime();
        JsonHttp.post(
                operator,
                b.enrollmentUrl.resolve("/v1/agents/" + id + "/revoke"),
                operatorKey,
                Map.of(),
                AgentView.class);
        long returned = System.nanoTime();
        int accepted = 0;
        int attempts = 0;
        long refusedAfter = -1;
        while (refusedAfter < 0
                && System.nanoTime() - returned <= PROPAGATION.plus(MARGIN).toNanos()) {
            attempts++;
            try {
                AgentClient.load(dir.resolve("web")).heartbeat(); // to A: the endpoint it talked to last
                accepted++;
            } catch (JsonHttp.Refused afterTheHandshake) {
                accepted++; // the handshake passed; only the heartbeat was refused
            } catch (IOException refusedInTheHandshake) {
                refusedAfter = System.nanoTime() - returned;
            }
            if (refusedAfter < 0) {
                Thread.sleep(20);
            }
        }
        System.out.printf(
                Locale.ROOT,
                "[%s] revoke on B took %.1f ms (bound %d ms); A refused a fresh handshake %.1f ms after it returned,"
                        + " at attempt %d%n",
                kind,
                (returned - asked) / 1e6,
                PROPAGATION.toMillis(),
                refusedAfter / 1e6,
                attempts);
        assertThat(accepted)
                .as("handshakes A accepted after revoke returned on B")
                .isZero();
        assertThat(refusedAfter)
                .as("refused within the bound plus margin")
                .isBetween(0L, PROPAGATION.plus(MARGIN).toNanos());
        awaitRefusalPrinted(a, id);
    }

    /**
     * Step 4: agents enrolled, renewed and one revoked through A; A killed while they heartbeat and renew;
     * B serves every agent, and every change A acknowledged is there.
     */
    private void killAWhileAgentsHeartbeat(SharedDatabase.Kind kind, ReplicaProcess a, ReplicaProcess b)
            throws Exception {
        List<AgentClient> fleet = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            fleet.add(enrol(a, "node-" + i)); // registered by A; registration names A's agent endpoint
        }
        AgentClient gone = enrol(a, "gone");
        gone.heartbeat();
        JsonHttp.post(
                operator,
                a.enrollmentUrl.resolve("/v1/agents/" + gone.agentId() + "/revoke"),
                operatorKey,
                Map.of(),
                AgentView.class);

        List<Beating> beating = fleet.stream().map(Beating::new).toList();
        beating.forEach(Beating::start);
        Instant until = Instant.now().plusSeconds(10);
        while (beating.stream().anyMatch(x -> x.renewals.get() < 1 || x.acked.size() < 12)
                && Instant.now().isBefore(until)) {
            Thread.sleep(20);
        }
        long killed = System.nanoTime();
        Instant killedAt = Instant.now();
        a.killHard();
        for (Beating x : beating) {
            x.stopAndJoin();
        }

        long oldestLostMillis = 0; // how long before the kill A acknowledged the oldest heartbeat it lost
        int lost = 0;
        long firstAcceptedMillis = -1;
        for (int i = 0; i < fleet.size(); i++) {
            AgentClient agent = fleet.get(i);
            Beating record = beating.get(i);
            assertThat(record.unexpected.get())
                    .as("refused by A before the kill")
                    .isNull();
            AgentView seen = view(b, "node-" + i); // before it talks to B: what A left in the store
            assertThat(seen.status()).isEqualTo("ACTIVE");
            assertThat(seen.certificatesIssued()).isGreaterThanOrEqualTo(1 + record.renewals.get());
            if (record.promotionAcknowledged()) {
                assertThat(seen.certificateSerial())
                        .as("node-%d's renewed certificate, made current by a heartbeat A acknowledged", i)
                        .isEqualTo(agent.certificateSerial());
            }
            Instant stored = Instant.parse(seen.lastHeartbeatAt());
            for (Beating.Ack ack : record.acked) {
                if (ack.sent().isAfter(stored)) { // acknowledged by A, not in the store
                    lost++;
                    oldestLostMillis = Math.max(
                            oldestLostMillis,
                            Duration.between(ack.acked(), killedAt).toMillis());
                }
            }

            agent.talkTo(b.agentUrl);
            assertThat(agent.heartbeat().reply().status())
                    .as("node-%d's heartbeat to B", i)
                    .isEqualTo("ACTIVE");
            if (firstAcceptedMillis < 0) {
                firstAcceptedMillis = (System.nanoTime() - killed) / 1_000_000;
            }
            AgentView after = view(b, "node-" + i);
            assertThat(after.status()).isEqualTo("ACTIVE");
            assertThat(after.certificateSerial()).isEqualTo(agent.certificateSerial());
        }
        assertThat(view(b, "gone").status()).as("revoked on A before the kill").isEqualTo("REVOKED");
        gone.talkTo(b.agentUrl);
        AgentClient goneAgain = AgentClient.load(dir.resolve("gone"));
        assertThatThrownBy(goneAgain::heartbeat)
                .as("B refuses the handshake of the agent A revoked")
                .isInstanceOf(IOException.class)
                .isNotInstanceOf(JsonHttp.Refused.class);
        fleet.get(0).renew(); // B goes on renewing and enrolling too
        assertThat(fleet.get(0).heartbeat().reply().status()).isEqualTo("ACTIVE");
        AgentClient late = enrol(b, "late");
        assertThat(late.heartbeat().reply().status()).isEqualTo("ACTIVE");

        System.out.printf(
                Locale.ROOT,
                "[%s] kill -9 A: %d heartbeats and %d renewals acknowledged by A before it; %d of those heartbeats"
                        + " not in the store, the oldest acknowledged %d ms before the kill (window %d ms);"
                        + " B accepted the first heartbeat %d ms after the kill%n",
                kind,
                beating.stream().mapToInt(x -> x.acked.size()).sum(),
                beating.stream().mapToInt(x -> x.renewals.get()).sum(),
                lost,
                oldestLostMillis,
                HEARTBEAT_WINDOW.toMillis(),
                firstAcceptedMillis);
        assertThat(oldestLostMillis)
                .as("heartbeats acknowledged by A and lost with it")
                .isLessThanOrEqualTo(HEARTBEAT_WINDOW.toMillis());
    }

    /** An agent heartbeating to A every 20 ms and renewing every tenth beat, until A is gone or it is stopped. */
    private static final class Beating {
        /** A heartbeat A acknowledged: when it was sent, when the reply came. */
        record Ack(Instant sent, Instant acked) {}

        final AgentClient agent;
        final List<Ack> acked = new CopyOnWriteArrayList<>();
        final AtomicInteger renewals = new AtomicInteger();
        final AtomicReference<String> unexpected = new AtomicReference<>();
        final AtomicBoolean running = new AtomicBoolean(true);
        final Thread thread;
        private volatile Instant lastRenewal = Instant.MIN;

        Beating(AgentClient agent) {
            this.agent = agent;
            this.thread = new Thread(this::run, "beating-" + agent.agentId());
            this.thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        /** Whether A acknowledged a heartbeat with the certificate of the last renewal A acknowledged. */
        boolean promotionAcknowledged() {
            return !acked.isEmpty() && acked.get(acked.size() - 1).sent().isAfter(lastRenewal);
        }

        private void run() {
            while (running.get()) {
                try {
                    Instant sent = Instant.now();
                    agent.heartbeat();
                    acked.add(new Ack(sent, Instant.now()));
                    if (acked.size() % 10 == 0) {
                        agent.renew();
                        lastRenewal = Instant.now();
                        renewals.incrementAndGet();
                    }
                    Thread.sleep(20);
                } catch (JsonHttp.Refused e) {
                    unexpected.compareAndSet(null, e.getMessage());
                    return;
                } catch (IOException | InterruptedException replicaGoneOrStopped) {
                    return;
                }
            }
        }

        void stopAndJoin() throws InterruptedException {
            running.set(false);
            thread.join(30_000);
        }
    }

    private AgentClient enrol(ReplicaProcess replica, String name) throws IOException {
        Api.TokenCreated token = JsonHttp.post(
                operator,
                replica.enrollmentUrl.resolve("/v1/tokens"),
                operatorKey,
                new Api.TokenRequest("process test " + name, 600),
                Api.TokenCreated.class);
        return AgentClient.register(
                replica.enrollmentUrl, token.token(), token.trustPin(), name, DOCKER, dir.resolve(name));
    }

    private AgentView view(ReplicaProcess replica, String name) throws IOException {
        URI agents = replica.enrollmentUrl.resolve("/v1/agents");
        for (AgentView agent : JsonHttp.get(operator, agents, operatorKey, AgentView[].class)) {
            if (agent.name().equals(name)) {
                return agent;
            }
        }
        throw new AssertionError("no agent " + name + " on replica " + replica.name);
    }

    /** The refusal is A's own (its trust manager printed it), not a connection problem. */
    private static void awaitRefusalPrinted(ReplicaProcess replica, String agentId) throws InterruptedException {
        Instant until = Instant.now().plusSeconds(5);
        while (!replica.refusedHandshakeOf(agentId) && Instant.now().isBefore(until)) {
            Thread.sleep(20);
        }
        assertThat(replica.refusedHandshakeOf(agentId))
                .as("replica %s printed REFUSED for %s:%n%s", replica.name, agentId, replica.output())
                .isTrue();
    }

    private static int[] freePorts() throws IOException {
        try (ServerSocket one = new ServerSocket(0);
                ServerSocket two = new ServerSocket(0)) {
            return new int[] {one.getLocalPort(), two.getLocalPort()};
        }
    }
}
