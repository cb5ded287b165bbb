package dev.agentmanager.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentmanager.AgentManager;
import dev.agentmanager.ca.bouncycastle.BouncyCastleCertificateService;
import dev.agentmanager.ca.bouncycastle.client.AgentKeys;
import dev.agentmanager.model.Heartbeat;
import dev.agentmanager.model.Registration;
import dev.agentmanager.model.RegistrationRequest;
import dev.agentmanager.model.RegistrationTokenRequest;
import dev.agentmanager.spi.IAgentStore;
import dev.agentmanager.store.inmemory.InMemoryAgentStore;
import dev.agentmanager.store.jdbc.JdbcAgentStore;
import dev.agentmanager.testkit.MutableClock;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/** Each check of the health indicator, on a manual clock. */
class AgentManagerHealthIndicatorTest {
    private static final AgentManagerProperties.Health THRESHOLDS =
            new AgentManagerProperties.Health(Duration.ofDays(14), 3, 5);

    private final MutableClock clock = MutableClock.create();
    /** Runs the monitor's first sweep only (at the clock's start); later ones are the test's {@code runOnce}. */
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();

    private final AtomicBoolean storeDown = new AtomicBoolean();
    private AgentManager manager = manager(failingWhenDown(new InMemoryAgentStore()), Duration.ofDays(3650));

    @AfterEach
    void close() {
        manager.close();
        executor.shutdownNow();
    }

    @Test
    void upWhileTheStoreAnswersTheMonitorSweepsAndTheCaIsFarFromExpiry() {
        startMonitor();

        Health health = indicator(null).health();

        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails())
                .containsEntry("store", "reachable")
                .containsEntry("monitor", "sweeping")
                .containsKey("caExpires");
    }

    @Test
    void downWhenTheStoreDoesNotAnswer() {
        startMonitor();
        storeDown.set(true);

        Health health = indicator(null).health();

        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat((String) health.getDetails().get("store")).startsWith("unreachable");
    }

    @Test
    void downWhileTheMonitorIsNotRunning() {
        Health health = indicator(null).health();

        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat(health.getDetails()).containsEntry("monitor", "not running");
    }

    @Test
    void downOnceTheLastSweepIsMoreThanThreeIntervalsOldAndUpAfterTheNextSweep() {
        startMonitor();
        AgentManagerHealthIndicator indicator = indicator(null);

        clock.advance(Duration.ofSeconds(3)); // three sweep intervals of 1 s: still within
        assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);

        clock.advance(Duration.ofMillis(1));
        Health late = indicator.health();
        assertThat(late.getStatus()).isEqualTo(Status.DOWN);
        assertThat((String) late.getDetails().get("monitor")).startsWith("last sweep");

        manager.timeoutMonitor().runOnce();
        assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
    }

    @Test
    void downOnceACaCertificateExpiresWithinTheWarning() {
        manager.close();
        manager = manager(new InMemoryAgentStore(), Duration.ofDays(15));
        startMonitor();
        AgentManagerHealthIndicator indicator = indicator(null);
        assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);

        clock.advance(Duration.ofDays(1).plusMinutes(1));
        manager.timeoutMonitor().runOnce();
        Health health = indicator.health();

        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat((String) health.getDetails().get("ca")).startsWith("expires within");
    }

    @Test
    void downWhileBufferedHeartbeatsWaitOnAFlushMoreThanFiveIntervalsOld() {
        JdbcDataSource dataSource = new JdbcDataSource();
        dataSource.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        try (JdbcAgentStore store = JdbcAgentStore.builder(dataSource)
                .tablePrefix("am_" + UUID.randomUUID().toString().substring(0, 8) + "_")
                .clock(clock)
                .heartbeatFlushInterval(Duration.ofMinutes(1)) // the background flush does not run in this test
                .createSchemaIfMissing()
                .build()) {
            manager.close();
            manager = manager(store, Duration.ofDays(3650));
            startMonitor();
            // sweeps flush the buffer first: this check lets the last sweep age, so that none runs here
            AgentManagerHealthIndicator indicator = new AgentManagerHealthIndicator(
                    manager, store, new AgentManagerProperties.Health(Duration.ofDays(14), 1000, 5), clock);
            Registration agent = register();
            for (long sequence = 1; sequence <= 2; sequence++) { // the first, a new boot epoch, is written at once
                manager.heartbeatProcessor()
                        .process(Heartbeat.of(
                                agent.agent().id(), agent.certificate().thumbprint(), 1, sequence));
            }
            assertThat(store.bufferedHeartbeats()).isEqualTo(1);

            clock.advance(Duration.ofMinutes(5)); // five flush intervals of 1 min: still within
            assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);

            clock.advance(Duration.ofSeconds(1));
            Health lagging = indicator.health();
            assertThat(lagging.getStatus()).isEqualTo(Status.DOWN);
            assertThat((String) lagging.getDetails().get("heartbeatFlush")).startsWith("lagging");

            store.flushHeartbeats();
            Health flushed = indicator.health();
            assertThat(flushed.getStatus()).isEqualTo(Status.UP);
            assertThat(flushed.getDetails()).containsEntry("heartbeatFlush", "keeping up");
        }
    }

    private AgentManagerHealthIndicator indicator(IAgentStore store) {
        return new AgentManagerHealthIndicator(manager, store, THRESHOLDS, clock);
    }

    private void startMonitor() {
        // the scheduled sweeps must not run on their own (they would sweep at whatever the manual clock says):
        // the executor's only thread waits until the test ends, so "running" is all the indicator sees
        executor.submit(() -> {
            try {
                new java.util.concurrent.CountDownLatch(1).await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        manager.timeoutMonitor().start(executor);
        manager.timeoutMonitor().runOnce(); // at the clock's time, like the scheduled first sweep
    }

    private Registration register() {
        String token =
                manager.createToken(RegistrationTokenRequest.oneTime("web-01")).plaintext();
        return manager.register(RegistrationRequest.builder()
                .token(token)
                .csrPem(AgentKeys.csrPem(AgentKeys.generate(), "web-01"))
                .name("web-01")
                .build());
    }

    private AgentManager manager(IAgentStore store, Duration caValidity) {
        return AgentManager.builder()
                .store(store)
                .certificateService(BouncyCastleCertificateService.builder()
                        .clock(clock)
                        .caValidity(caValidity)
                        .build())
                .clock(clock)
                .build();
    }

    /** The store, whose reads of agents fail while {@link #storeDown} is set. */
    private IAgentStore failingWhenDown(IAgentStore store) {
        return (IAgentStore) Proxy.newProxyInstance(
                IAgentStore.class.getClassLoader(), new Class<?>[] {IAgentStore.class}, (proxy, method, args) -> {
                    if (storeDown.get() && method.getName().equals("findAgent")) {
                        throw new IllegalStateException("connection refused");
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
