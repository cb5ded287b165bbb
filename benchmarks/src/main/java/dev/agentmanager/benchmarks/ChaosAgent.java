package dev.agentmanager.benchmarks;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One simulated agent of a chaos run, stepped on a shared scheduler: each step makes at most one call (the heartbeat
 * when due, else the report of a held task when due, else a claim when it has room and work may wait: its last
 * claim got all it asked for, or a heartbeat said tasks wait, or ten seconds passed), then
 * schedules the next step. It runs each task it claims as a real agent would (Started, one Progress, then Succeeded
 * or, now and then, Failed, a few hundred milliseconds apart), repeats a report whose reply was lost, drops a task
 * when a replica fences its report or its heartbeat says to stop it, and tells every heartbeat what it holds.
 *
 * <p>Faults: a call may ask the replica to drop its reply ({@code dropRate}); {@link #restart()} makes it restart
 * at its next step: a new boot epoch, sequence from 0, and the tasks it held forgotten (never reported again).
 */
final class ChaosAgent {
    private static final long INTERVAL_NANOS = ChaosReplica.HEARTBEAT_INTERVAL.toNanos();
    /** Without a hint, an agent whose last claim came back short claims again after this long. */
    private static final long IDLE_CLAIM_NANOS = TimeUnit.SECONDS.toNanos(10);

    private static final long RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** The share of tasks that report Failed instead of Succeeded. */
    private static final double FAIL_RATE = 0.01;

    private final Fleet.Member member;
    private final String identity;
    private final ChaosClient client;
    private final ChaosLedger ledger;
    private final double dropRate;
    private final AtomicBoolean restart = new AtomicBoolean();
    private final List<Held> held = new ArrayList<>();
    private long epoch = 1;
    private long sequence;
    private long nextBeat = System.nanoTime();
    private long nextClaim = System.nanoTime();
    private volatile boolean dropNextClaim;
    private volatile boolean stopped;

    /** A task attempt the agent holds: where it is in its run, and when its next report is due. */
    private static final class Held {
        final String taskId;
        final int attempt;
        final boolean fail;
        int stage; // 0 report Started, 1 Progress, 2 the outcome
        long due;

        Held(String taskId, int attempt, boolean fail, long due) {
            this.taskId = taskId;
            this.attempt = attempt;
            this.fail = fail;
            this.due = due;
        }

        String lease() {
            return taskId + ":" + attempt;
        }
    }

    ChaosAgent(Fleet.Member member, ChaosClient client, ChaosLedger ledger, double dropRate) {
        this.member = member;
        this.identity = "agent=" + enc(member.id()) + "&thumb=" + enc(member.thumbprint());
        this.client = client;
        this.ledger = ledger;
        this.dropRate = dropRate;
    }

    /** Starts stepping on {@code scheduler} until {@link #stop()}. */
    void start(ScheduledExecutorService scheduler) {
        schedule(scheduler, ThreadLocalRandom.current().nextLong(INTERVAL_NANOS));
    }

    private void schedule(ScheduledExecutorService scheduler, long delayNanos) {
        if (stopped) {
            return;
        }
        scheduler.schedule(
                () -> {
                    long next;
                    try {
                        next = step();
                    } catch (RuntimeException e) {
                        ledger.add("agent.errors", 1);
                        System.out.println("agent " + member.id() + ": " + e);
                        next = INTERVAL_NANOS;
                    }
                    schedule(scheduler, next);
                },
                delayNanos,
                TimeUnit.NANOSECONDS);
    }

    void stop() {
        stopped = true;
    }

    /** Makes the agent restart at its next step. */
    void restart() {
        restart.set(true);
    }

    /** Makes the agent's next claim ask for its reply to be dropped. */
    void dropNextClaim() {
        dropNextClaim = true;
    }

    /** One call at most; returns the delay until the next step. */
    private long step() {
        long now = System.nanoTime();
        if (restart.getAndSet(false)) {
            ledger.add("agent.restarts", 1);
            ledger.add("agent.restarts.abandoned", held.size());
            held.clear();
            epoch++;
            sequence = 0;
            nextBeat = now; // a booting agent heartbeats first
            nextClaim = now;
        }
        if (now >= nextBeat) {
            heartbeat(now);
        } else {
            Held due = null;
            for (Held h : held) {
                if (h.due <= now && (due == null || h.due < due.due)) {
                    due = h;
                }
            }
            if (due != null) {
                report(due);
            } else if (held.size() < ChaosReplica.CAPACITY && now >= nextClaim) {
                claim(now);
            }
        }
        long wake = Math.min(nextBeat, held.size() < ChaosReplica.CAPACITY ? nextClaim : Long.MAX_VALUE);
        for (Held h : held) {
            wake = Math.min(wake, h.due);
        }
        return Math.max(TimeUnit.MILLISECONDS.toNanos(2), wake - System.nanoTime());
    }

    private void heartbeat(long now) {
        nextBeat = now + INTERVAL_NANOS;
        StringBuilder leases = new StringBuilder();
        for (Held h : held) {
            leases.append(leases.length() == 0 ? "" : ",").append(h.lease());
        }
        String form = identity + "&epoch=" + epoch + "&seq=" + (sequence++) + "&held=" + enc(leases.toString());
        ChaosClient.Reply reply = client.once("heartbeat", "/heartbeat", form, drop());
        ledger.add("heartbeats", 1);
        if (reply == null || !reply.ok()) {
            ledger.add(reply == null ? "heartbeats.failed" : "heartbeats.refused", 1);
            return; // a real agent beats again at its next interval, with the next sequence number
        }
        for (String line : reply.body().split("\n")) {
            if (line.startsWith("waiting=") && !line.equals("waiting=0")) {
                nextClaim = now;
            } else if (line.startsWith("stop=") && line.length() > "stop=".length()) {
                for (String stop : line.substring("stop=".length()).split(",")) {
                    String lease = stop.substring(0, stop.lastIndexOf(':'));
                    if (held.removeIf(h -> h.lease().equals(lease))) {
                        ledger.add("stopped.by.heartbeat", 1);
                    }
                }
            }
        }
    }

    private void claim(long now) {
        int max = ChaosReplica.CAPACITY - held.size();
        boolean drop = dropNextClaim || drop();
        dropNextClaim = false;
        ChaosClient.Reply reply = client.call("claim", "/claim", identity + "&max=" + max, drop);
        if (reply == null || !reply.ok()) {
            unexpected("claim", reply);
            nextClaim = now + RETRY_NANOS;
            return;
        }
        int got = 0;
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (String line : reply.body().split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            String[] f = line.split(" ");
            int attempt = Integer.parseInt(f[1]);
            got++;
            if (ledger.claimed(f[0], attempt, member.id(), epoch)) {
                held.add(new Held(f[0], attempt, random.nextDouble() < FAIL_RATE, now + millis(5, 50)));
            }
        }
        ledger.add(got == 0 ? "claim.calls.empty" : "claim.calls.some", 1);
        // short of what it asked for: wait for a heartbeat's hint that work waits (push hints, pull claims)
        nextClaim = got < max ? now + IDLE_CLAIM_NANOS : now;
    }

    private void report(Held h) {
        String kind = switch (h.stage) {
            case 0 -> "started";
            case 1 -> "progress";
            default -> h.fail ? "failed" : "succeeded";
        };
        String form = identity + "&task=" + enc(h.taskId) + "&attempt=" + h.attempt + "&kind=" + kind;
        ChaosClient.Reply reply = client.call("report", "/report", form, drop());
        ledger.add("reports", 1);
        if (reply == null) {
            h.due = System.nanoTime() + RETRY_NANOS; // no replica answered for long: try again later
            return;
        }
        if (reply.status() == 409) {
            ledger.add("reports.fenced", 1);
            held.remove(h); // the attempt is over: stop the work
            return;
        }
        if (!reply.ok()) {
            unexpected("report", reply);
            held.remove(h);
            return;
        }
        if (h.stage == 2) {
            held.remove(h);
            if (reply.body().startsWith("status=SUCCEEDED")) {
                ledger.succeeded(h.taskId, h.attempt);
            }
            ledger.add(h.fail ? "reports.failed" : "reports.succeeded", 1);
            return;
        }
        h.stage++;
        h.due = System.nanoTime() + millis(100, 400);
    }

    private void unexpected(String what, ChaosClient.Reply reply) {
        if (reply == null) {
            return; // counted by the client
        }
        ledger.add("errors", 1);
        System.out.println("unexpected " + what + " answer " + reply.status() + ": "
                + reply.body().strip());
    }

    private boolean drop() {
        return dropRate > 0 && ThreadLocalRandom.current().nextDouble() < dropRate;
    }

    private static long millis(int from, int to) {
        return TimeUnit.MILLISECONDS.toNanos(ThreadLocalRandom.current().nextInt(from, to));
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
