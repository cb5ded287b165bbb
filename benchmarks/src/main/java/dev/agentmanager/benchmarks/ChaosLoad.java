package dev.agentmanager.benchmarks;

import dev.agentmanager.spi.TaskStore;
import dev.agentmanager.task.TaskStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a chaos run does beside its agents: submitters queue the tasks through the replicas (a bounded backlog, in
 * batches, a repeated batch safe by its keys), a killer kills a replica with {@code SIGKILL} every
 * {@code killEvery} seconds (the first after half of it) and starts it again 2 to 4 seconds later, and a random
 * agent restarts every quarter of {@code killEvery}.
 */
final class ChaosLoad {
    private static final int SUBMIT_BATCH = 20;
    private static final int SUBMITTERS = 4;

    private final ChaosClient client;
    private final TaskStore store;
    private final ChaosReplicas replicas;
    private final List<ChaosAgent> fleet;
    private final int tasks;
    private final int killEvery;
    private final AtomicLong next = new AtomicLong();
    private final AtomicLong submitted = new AtomicLong();
    private final List<Thread> threads = new ArrayList<>();

    ChaosLoad(
            ChaosClient client,
            TaskStore store,
            ChaosReplicas replicas,
            List<ChaosAgent> fleet,
            int tasks,
            int killEvery) {
        this.client = client;
        this.store = store;
        this.replicas = replicas;
        this.fleet = List.copyOf(fleet);
        this.tasks = tasks;
        this.killEvery = killEvery;
    }

    /** Starts the submitters and the killer on threads of their own, the agent restarts on {@code scheduler}. */
    void start(ScheduledExecutorService scheduler) {
        for (int i = 0; i < SUBMITTERS; i++) {
            threads.add(thread("chaos-submitter-" + i, this::submit));
        }
        threads.add(thread("chaos-killer", this::kill));
        scheduler.scheduleWithFixedDelay(
                () -> fleet.get(ThreadLocalRandom.current().nextInt(fleet.size()))
                        .restart(),
                killEvery * 250L,
                killEvery * 250L,
                TimeUnit.MILLISECONDS);
    }

    /** How many tasks a replica acknowledged. */
    AtomicLong submitted() {
        return submitted;
    }

    void stop() {
        threads.forEach(Thread::interrupt);
    }

    void join() throws InterruptedException {
        for (Thread t : threads) {
            t.join();
        }
    }

    private static Thread thread(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Takes batches in turn while at most a bounded backlog is queued, each until a replica acknowledges it. */
    private void submit() {
        long backlog = Math.max(1_000, 4L * fleet.size() * ChaosReplica.CAPACITY);
        try {
            while (!Thread.currentThread().isInterrupted()) {
                if (store.countTasks(TaskStatus.QUEUED) > backlog) {
                    Thread.sleep(100);
                    continue;
                }
                long first = next.getAndAdd(SUBMIT_BATCH);
                if (first >= tasks) {
                    return;
                }
                int count = (int) Math.min(SUBMIT_BATCH, tasks - first);
                boolean drop = first == 0 || ThreadLocalRandom.current().nextDouble() < ChaosRun.DROP_RATE;
                ChaosClient.Reply reply;
                do { // the same batch until a replica acknowledges it: the keys make a repeat safe
                    reply = client.call("submit", "/submit", "first=" + first + "&count=" + count, drop);
                    drop = false;
                } while ((reply == null || !reply.ok())
                        && !Thread.currentThread().isInterrupted());
                if (reply != null && reply.ok()) {
                    submitted.addAndGet(count);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One replica down at a time: kill, wait 2 to 4 s, start again, wait {@code killEvery}. */
    private void kill() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        ChaosLedger ledger = replicas.ledger();
        try {
            Thread.sleep(killEvery * 500L);
            while (!Thread.currentThread().isInterrupted()) {
                int victim = random.nextInt(replicas.count());
                replicas.kill(victim);
                Thread.sleep(random.nextLong(2_000, 4_000));
                replicas.start(victim);
                ledger.add("replica.restarts", 1);
                Thread.sleep(killEvery * 1_000L);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            System.out.println("chaos: restarting a replica failed: " + e);
            ledger.add("errors", 1);
        }
    }
}
