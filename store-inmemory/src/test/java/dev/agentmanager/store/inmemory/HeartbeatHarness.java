package dev.agentmanager.store.inmemory;

import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.RegistrationToken;
import dev.agentmanager.model.TokenRedemption;
import dev.agentmanager.model.TokenScope;
import dev.agentmanager.spi.HeartbeatWrite;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * On-demand rough measurement of {@link InMemoryAgentStore#recordHeartbeat} throughput (not a test and not a
 * benchmark: the JMH comparison with Eureka belongs to the benchmarks module). Each thread renews its own
 * slice of the fleet in a loop, with a sweep running every 10 ms of wall time.
 * Arguments: {@code [agents] [threads] [seconds]}, default 100,000, 1, 5.
 */
public final class HeartbeatHarness {

    private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");

    private HeartbeatHarness() {}

    public static void main(String[] args) throws InterruptedException {
        int agents = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        InMemoryAgentStore store = InMemoryAgentStore.builder().expectedAgents(agents).build();
        String[] ids = new String[agents];
        for (int i = 0; i < agents; i++) {
            ids[i] = String.format("agent-%08d", i);
            String serial = Integer.toHexString(0x10000000 + i);
            String thumb = String.format("%064x", i);
            AgentCertificate cert = new AgentCertificate(serial, thumb, ids[i], T0, T0.plus(Duration.ofDays(30)), "",
                    null);
            Agent agent = new Agent(ids[i], ids[i], dev.agentmanager.model.AgentStatus.ACTIVE, null, Set.of(),
                    Set.of(), Map.of(), null, dev.agentmanager.model.AgentHealth.HEALTHY, cert.pin(), null, T0, T0, null, 1,
                    dev.agentmanager.model.AgentLiveness.awaitingFirstHeartbeat(T0.plusSeconds(90)));
            store.insertToken(new RegistrationToken("t" + i, "x", "", T0, T0.plusSeconds(60), TokenScope.UNRESTRICTED,
                    1, List.of(), 0, null));
            store.registerAgent("t" + i, new TokenRedemption(T0, ids[i], "k", null), T0, agent, cert);
        }
        Instant[] received = new Instant[1024];
        Instant[] deadlines = new Instant[1024];
        for (int i = 0; i < received.length; i++) {
            received[i] = T0.plusMillis(i * 30L);
            deadlines[i] = received[i].plusSeconds(90);
        }
        AtomicBoolean stop = new AtomicBoolean();
        LongAdder total = new LongAdder();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int first = t;
            workers.add(new Thread(() -> {
                long seq = 0;
                long count = 0;
                while (!stop.get()) {
                    for (int i = first; i < agents; i += threads) {
                        int k = (int) (seq & 1023);
                        if (store.recordHeartbeat(ids[i], 1, 1, seq, received[k], deadlines[k], null)
                                == HeartbeatWrite.STALE) {
                            throw new IllegalStateException();
                        }
                        count++;
                    }
                    seq++;
                }
                total.add(count);
            }));
        }
        Thread sweeper = new Thread(() -> {
            int n = 0;
            while (!stop.get()) {
                store.findOverdue(T0.plusMillis(n++ * 10L), 10_000);
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        workers.forEach(Thread::start);
        sweeper.start();
        Thread.sleep(seconds * 1000L);
        stop.set(true);
        for (Thread w : workers) {
            w.join();
        }
        sweeper.join();
        double perSecond = total.sum() / (double) seconds;
        System.out.printf("%,d agents, %d thread(s): %,.0f heartbeats/s in total, %,.0f per thread%n", agents, threads,
                perSecond, perSecond / threads);
    }
}
