package dev.agentmanager.examples.demo;

import dev.agentmanager.examples.AgentClient;
import dev.agentmanager.examples.demo.Api.AgentView;
import dev.agentmanager.examples.demo.Api.CapabilityView;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The demo's scripted story, played against a real {@link DemoOrchestrator} by real agents over HTTPS and
 * mutual TLS, in real time. Every expectation is polled against the operator's view of the fleet with a
 * deadline; the first one not met ends the story as failed.
 */
public final class DemoStory implements AutoCloseable {
    /** The longest any expectation may take before the story fails. */
    static final Duration PATIENCE = Duration.ofSeconds(15);

    /** The fleet: name and capabilities. */
    static final Map<String, List<CapabilityView>> FLEET = cast();

    /**
     * How the story went.
     *
     * @param checks the expectations that were met, in order
     * @param failure the expectation that was not met, or {@code null} when all were
     * @param finalFleet the fleet table's rows at the end
     */
    public record Result(List<String> checks, @Nullable String failure, List<AgentView> finalFleet) {
        public boolean passed() {
            return failure == null;
        }

        /** The final row of an agent, by name. */
        public AgentView agent(String name) {
            return finalFleet.stream()
                    .filter(a -> a.name().equals(name))
                    .findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no agent " + name));
        }
    }

    static final class StoryFailure extends Exception {
        private static final long serialVersionUID = 1L;

        StoryFailure(String message) {
            super(message);
        }
    }

    private final Narration narration;
    private final Path agentsDirectory;
    /** The operator's replica; with several, the first of {@link #replicas}. */
    private final DemoOrchestrator orchestrator;

    private final List<DemoOrchestrator> replicas = new ArrayList<>();
    /** Which replica each agent sends its heartbeats to, by name. */
    private final Map<String, Integer> talksTo = new ConcurrentHashMap<>();

    private final Operator operator;
    private final Map<String, SimulatedAgent> agents = new LinkedHashMap<>();
    private final List<String> checks = new ArrayList<>();
    private final Map<String, String> firstSerials = new ConcurrentHashMap<>();

    private DemoStory(Path directory, DemoOrchestrator.Settings settings, PrintStream out, int replicaCount)
            throws IOException {
        this.narration = new Narration(out);
        this.agentsDirectory = directory.resolve("agents");
        try {
            if (replicaCount == 1) {
                replicas.add(DemoOrchestrator.start(directory, settings, narration.listener()));
            } else {
                DemoOrchestrator.deleteRecursively(directory);
                Files.createDirectories(directory);
                // One H2 file opened by every replica's pool (one JVM), one generated CA directory, one key.
                DemoOrchestrator.Replica shared = DemoOrchestrator.Replica.inDirectory(directory);
                for (int i = 0; i < replicaCount; i++) {
                    replicas.add(DemoOrchestrator.startReplica(shared, settings, narration.listener()));
                }
            }
        } catch (IOException | RuntimeException e) {
            replicas.forEach(DemoOrchestrator::close);
            throw e;
        }
        this.orchestrator = replicas.get(0);
        this.operator = new Operator(orchestrator.trustBundlePem());
    }

    /** Starts the orchestrator, emptying {@code directory} first. */
    public static DemoStory start(Path directory, DemoOrchestrator.Settings settings, PrintStream out)
            throws IOException {
        return start(directory, settings, out, 1);
    }

    /**
     * Starts {@code replicas} orchestrator replicas on one H2 database and one CA in {@code directory} (emptied
     * first). With several, agents enrol through one replica and heartbeat to the next, and the revocation is
     * made on a replica the revoked agent is not talking to.
     */
    public static DemoStory start(Path directory, DemoOrchestrator.Settings settings, PrintStream out, int replicas)
            throws IOException {
        if (replicas < 1) {
            throw new IllegalArgumentException("replicas must be at least 1");
        }
        return new DemoStory(directory, settings, out, replicas);
    }

    public DemoOrchestrator orchestrator() {
        return orchestrator;
    }

    /** Plays the story to its end, or to the first expectation not met. */
    public Result play() {
        DemoOrchestrator.Settings s = orchestrator.settings();
        Duration startup = narration.elapsed();
        narration.restartClock();
        PrintStream out = narration.out();
        out.printf(
                Locale.ROOT,
                "agentmanager demo: orchestrator up in %s (H2 file + BouncyCastle CA + timeout monitor)%n"
                        + "  enrollment https %s   agents mutual TLS %s%n"
                        + "  heartbeat every %s, inactive after %s, monitor sweep %s, certificates live %s%n",
                Narration.human(startup),
                orchestrator.enrollmentUrl(),
                orchestrator.agentUrl(),
                Narration.human(s.heartbeatInterval()),
                Narration.human(s.heartbeatTimeout()),
                Narration.human(s.sweepInterval()),
                Narration.human(s.certificateLifetime()));
        for (int i = 1; i < replicas.size(); i++) {
            out.printf(
                    "  replica %s on the same database and CA: enrollment %s   agents %s%n",
                    replicaName(i),
                    replicas.get(i).enrollmentUrl(),
                    replicas.get(i).agentUrl());
        }
        String failure = null;
        List<AgentView> fleet = List.of();
        try {
            reuseToken(enroll());
            stopAndComeBack("bravo");
            deactivate("charlie");
            revoke("delta");
            renewal("echo");
            TaskScenes scenes = new TaskScenes(this, orchestrator.settings().heartbeatTimeout());
            scenes.deploy();
            scenes.agentKilledMidTask();
            scenes.cancelRunning();
            table();
            fleet = expect(
                    "the fleet ends as told: alpha, bravo, echo ACTIVE; charlie INACTIVE; delta REVOKED; two tasks done",
                    f -> is(f, "alpha", "ACTIVE", null)
                            && is(f, "bravo", "ACTIVE", null)
                            && is(f, "charlie", "INACTIVE", "OPERATOR")
                            && is(f, "delta", "REVOKED", null)
                            && is(f, "echo", "ACTIVE", null)
                            && f.size() == FLEET.size()
                            && f.stream().mapToInt(AgentView::tasksSucceeded).sum() == 2);
        } catch (StoryFailure e) {
            failure = e.getMessage();
        } catch (IOException | RuntimeException e) {
            failure = "unexpected error: " + e;
        }
        if (fleet.isEmpty()) {
            try {
                fleet = fleet();
            } catch (IOException e) {
                failure = failure != null ? failure : "cannot read the fleet: " + e;
            }
        }
        out.printf("%n== Summary ==%n%s", FleetTable.render(fleet, Instant.now()));
        if (failure == null) {
            out.printf(
                    Locale.ROOT,
                    "  all %d expectations met in %s%n",
                    checks.size(),
                    Narration.human(narration.elapsed()));
        } else {
            out.printf(Locale.ROOT, "  FAILED: %s (%d expectations met before)%n", failure, checks.size());
        }
        return new Result(List.copyOf(checks), failure, fleet);
    }

    // ---- the story -----------------------------------------------------------------------------------------

    /** Returns alpha's token. */
    private Api.TokenCreated enroll() throws IOException, StoryFailure {
        step("Five agents enroll with one-time tokens");
        Map<String, Api.TokenCreated> tokens = new LinkedHashMap<>();
        int k = 0;
        for (Map.Entry<String, List<CapabilityView>> e : FLEET.entrySet()) {
            Api.TokenCreated token = createToken(e.getKey());
            tokens.put(e.getKey(), token);
            say("operator: token " + token.tokenId() + ".**** for " + e.getKey() + " (root pin "
                    + token.trustPin().substring(0, 12) + "...)");
            int enrolsAt = k % replicas.size();
            int beatsTo = (k + 1) % replicas.size();
            talksTo.put(e.getKey(), beatsTo);
            if (replicas.size() > 1) {
                say(e.getKey() + " enrols through replica " + replicaName(enrolsAt) + " and heartbeats to replica "
                        + replicaName(beatsTo));
            }
            agents.put(
                    e.getKey(),
                    SimulatedAgent.enroll(
                            e.getKey(),
                            e.getValue(),
                            replicas.get(enrolsAt).enrollmentUrl(),
                            replicas.size() > 1 ? replicas.get(beatsTo).agentUrl() : null,
                            token,
                            agentsDirectory.resolve(e.getKey()),
                            this::say));
            k++;
        }
        expect(
                "all five agents registered and ACTIVE",
                fleet -> fleet.size() == FLEET.size()
                        && fleet.stream().allMatch(a -> a.status().equals("ACTIVE")));
        fleet().forEach(a -> firstSerials.put(a.name(), a.certificateSerial()));
        table();
        return tokens.get("alpha");
    }

    private void reuseToken(Api.TokenCreated used) throws IOException, StoryFailure {
        step("A used token is refused");
        say("an impostor presents the token alpha registered with");
        int status = 0;
        try {
            AgentClient.register(
                    orchestrator.enrollmentUrl(),
                    used.token(),
                    used.trustPin(),
                    "impostor",
                    List.of(new CapabilityView("docker", "24.0")),
                    agentsDirectory.resolve("impostor"));
        } catch (JsonHttp.Refused refused) {
            status = refused.status();
            say("impostor: " + refused.getMessage());
        }
        check(
                "the reused token is rejected (401) and no agent is added",
                status == 401 && fleet().size() == FLEET.size());
    }

    private void stopAndComeBack(String name) throws IOException, StoryFailure {
        step(name + " stops heartbeating");
        agents.get(name).stop();
        Instant stopped = Instant.now();
        expect(
                name + " is marked INACTIVE (MISSED_HEARTBEATS) after its timeout",
                fleet -> is(fleet, name, "INACTIVE", "MISSED_HEARTBEATS"));
        say(name + " went inactive " + Narration.human(Duration.between(stopped, Instant.now())) + " after it stopped");
        table();

        restart(name);
        table();
    }

    private void deactivate(String name) throws IOException, StoryFailure {
        step("The operator deactivates " + name);
        AgentView before = operatorPost("/v1/agents/" + agentView(name).id() + "/deactivate");
        Instant at = Instant.now();
        check(name + " is INACTIVE (OPERATOR)", "INACTIVE".equals(before.status()));
        expect(
                name + " keeps heartbeating but stays INACTIVE until reactivated",
                fleet -> is(fleet, name, "INACTIVE", "OPERATOR")
                        && find(fleet, name)
                                .map(a -> a.lastHeartbeatAt() != null
                                        && Instant.parse(a.lastHeartbeatAt()).isAfter(at))
                                .orElse(false));
        table();
    }

    private void revoke(String name) throws IOException, StoryFailure {
        step("The operator revokes " + name);
        int talks = talksTo.getOrDefault(name, 0);
        int on = (talks + 1) % replicas.size(); // not the replica the agent talks to
        if (replicas.size() > 1) {
            say("operator: revoking on replica " + replicaName(on) + "; " + name + " talks to replica "
                    + replicaName(talks));
        }
        operatorPost(replicas.get(on), "/v1/agents/" + agentView(name).id() + "/revoke");
        expect(name + " is REVOKED", fleet -> is(fleet, name, "REVOKED", null));
        String id = agentView(name).id();
        DemoOrchestrator talkedTo = replicas.get(talks);
        expect(name + "'s next TLS handshake is refused", fleet -> refusedHandshake(talkedTo, id) != null);
        DemoOrchestrator.RefusedHandshake refused = Objects.requireNonNull(refusedHandshake(talkedTo, id));
        say("TLS: agent endpoint refused " + name + "'s certificate " + SimulatedAgent.short12(refused.serial()) + ": "
                + refused.reason() + (replicas.size() > 1 ? " (replica " + replicaName(talks) + ")" : ""));
        SimulatedAgent agent = agents.get(name);
        expect(name + " can no longer heartbeat and gives up", fleet -> agent.stopped());
        table();
    }

    private void renewal(String name) throws IOException, StoryFailure {
        step(name + " renews its certificate when told to");
        say("the server says 'renew' once "
                + (int) Math.round(orchestrator.settings().renewAt() * 100)
                + "% of a certificate's lifetime has passed; every live agent does it on its own");
        String first = firstSerials.get(name);
        expect(
                name + " has renewed and now presents its new certificate",
                fleet -> find(fleet, name)
                        .map(a -> a.certificatesIssued() >= 2
                                && !a.certificateSerial().equals(first)
                                && a.status().equals("ACTIVE"))
                        .orElse(false));
        say(name + ": certificate " + SimulatedAgent.short12(first) + " -> "
                + SimulatedAgent.short12(agentView(name).certificateSerial())
                + "; its heartbeats with the old one are refused from now on");
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    private Api.TokenCreated createToken(String forAgent) throws IOException {
        return operator.createToken(orchestrator, forAgent);
    }

    private AgentView operatorPost(String path) throws IOException {
        return operator.post(orchestrator, path, AgentView.class);
    }

    private AgentView operatorPost(DemoOrchestrator replica, String path) throws IOException {
        return operator.post(replica, path, AgentView.class);
    }

    /** A handshake of this agent that {@code replica} refused, or null. */
    private static DemoOrchestrator.@Nullable RefusedHandshake refusedHandshake(
            DemoOrchestrator replica, String agentId) {
        return replica.refusedHandshakes().stream()
                .filter(r -> agentId.equals(r.agentId()))
                .findFirst()
                .orElse(null);
    }

    private static String replicaName(int index) {
        return String.valueOf((char) ('A' + index));
    }

    /** The fleet as the operator sees it. */
    List<AgentView> fleet() throws IOException {
        return operator.fleet(orchestrator);
    }

    private AgentView agentView(String name) throws IOException {
        return find(fleet(), name).orElseThrow(() -> new IllegalStateException("no agent " + name));
    }

    private static Optional<AgentView> find(List<AgentView> fleet, String name) {
        return fleet.stream().filter(a -> a.name().equals(name)).findFirst();
    }

    private static boolean is(List<AgentView> fleet, String name, String status, @Nullable String reason) {
        return find(fleet, name)
                .map(a -> a.status().equals(status) && Objects.equals(a.inactiveReason(), reason))
                .orElse(false);
    }

    /** Polls the fleet until {@code condition} holds, at most {@link #PATIENCE}; returns the fleet that met it. */
    List<AgentView> expect(String description, Predicate<List<AgentView>> condition) throws IOException, StoryFailure {
        return expectThat(description, this::fleet, condition);
    }

    /** What the operator reads, e.g. {@code GET /v1/tasks/{id}}. */
    @FunctionalInterface
    interface Read<T> {
        T read() throws IOException;
    }

    /** Polls {@code read} until {@code condition} holds, at most {@link #PATIENCE}; returns what met it. */
    <T> T expectThat(String description, Read<T> read, Predicate<T> condition) throws IOException, StoryFailure {
        Instant begin = Instant.now();
        Instant deadline = begin.plus(PATIENCE);
        T value = read.read();
        while (!condition.test(value)) {
            if (Instant.now().isAfter(deadline)) {
                table();
                throw new StoryFailure(description + ": not within " + Narration.human(PATIENCE) + "; last: " + value);
            }
            pause(Duration.ofMillis(50));
            value = read.read();
        }
        checks.add(description);
        say("[ok] " + description + " (" + Narration.human(Duration.between(begin, Instant.now())) + ")");
        return value;
    }

    /** The operator, and the replica it talks to. */
    Operator operator() {
        return operator;
    }

    /** The name of the agent with this id. */
    String nameOf(String agentId) {
        return agents.values().stream()
                .filter(a -> agentId.equals(a.agentId()))
                .map(SimulatedAgent::name)
                .findFirst()
                .orElse(agentId);
    }

    /** Stops an agent like {@code kill -9}: it heartbeats no more, its files stay. */
    void kill(String name) {
        agents.get(name).stop();
    }

    /** Starts a stopped agent again from its files (a new boot epoch) and waits until it is ACTIVE. */
    void restart(String name) throws IOException, StoryFailure {
        step(name + " restarts from its saved key and certificate");
        agents.put(name, agents.get(name).restart());
        expect(name + " is ACTIVE again", fleet -> is(fleet, name, "ACTIVE", null));
    }

    private void check(String description, boolean condition) throws StoryFailure {
        if (!condition) {
            throw new StoryFailure(description);
        }
        checks.add(description);
        say("[ok] " + description);
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }

    void table() throws IOException {
        narration.out().print(FleetTable.render(fleet(), Instant.now()));
    }

    void step(String title) {
        narration.step(title);
    }

    void say(String line) {
        narration.say(line);
    }

    /** Stops the agents and the orchestrator. */
    @Override
    public void close() {
        agents.values().forEach(SimulatedAgent::stop);
        replicas.forEach(DemoOrchestrator::close);
    }

    private static Map<String, List<CapabilityView>> cast() {
        Map<String, List<CapabilityView>> fleet = new LinkedHashMap<>();
        fleet.put("alpha", List.of(new CapabilityView("compose", "2.24"), new CapabilityView("docker", "24.0")));
        fleet.put("bravo", List.of(new CapabilityView("docker", "24.0"), new CapabilityView("ssh", null)));
        fleet.put("charlie", List.of(new CapabilityView("ssh", null)));
        fleet.put("delta", List.of(new CapabilityView("compose", "2.27"), new CapabilityView("docker", "25.0")));
        fleet.put("echo", List.of(new CapabilityView("compose", "2.24"), new CapabilityView("ssh", null)));
        return fleet;
    }
}
