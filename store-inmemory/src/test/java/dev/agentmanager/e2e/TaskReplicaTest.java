package dev.agentmanager.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentmanager.AgentManager;
import dev.agentmanager.TaskSettings;
import dev.agentmanager.event.AgentEvent;
import dev.agentmanager.model.Registration;
import dev.agentmanager.task.AgentTask;
import dev.agentmanager.task.TaskRequest;
import dev.agentmanager.task.TaskSelector;
import dev.agentmanager.task.TaskStatus;
import dev.agentmanager.task.TaskTarget;
import dev.agentmanager.task.TaskTimeouts;
import dev.agentmanager.testkit.RecordingEventListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Two managers on one pair of stores, as two replicas: every task's timeout ends it once, with one event; an agent
 * that found nothing to claim on one replica hears of a task submitted on the other.
 */
class TaskReplicaTest {

    /**
     * The agent claims the only queued task on replica B, then replica A queues another: the queue's counts are what
     * they were before the claim, yet B's long-poll must learn of the new task within the hint refresh.
     */
    @Test
    void aTaskReplacingOneJustClaimedIsHintedOnTheOtherReplica() throws Exception {
        Fleet a = new Fleet();
        AgentManager b = AgentManager.builder()
                .store(a.store)
                .taskStore(a.taskStore)
                .certificateService(a.ca)
                .clock(a.clock)
                .heartbeat(Fleet.INTERVAL, Fleet.TIMEOUT)
                .tasks(TaskSettings.defaults().withHintRefresh(Duration.ofMillis(50)))
                .build();
        b.start();
        try {
            Registration web = a.register("web");
            a.beat(web);
            String id = web.agent().id();
            String thumbprint = web.certificate().thumbprint();
            TaskRequest request = TaskRequest.builder("deploy", TaskTarget.matching(TaskSelector.capability("docker")))
                    .build();
            a.manager.tasks().submit(request);
            assertThat(b.tasks()
                            .awaitWork(id, thumbprint, Duration.ofSeconds(5))
                            .get(10, TimeUnit.SECONDS))
                    .as("B reads the queue")
                    .isTrue();
            assertThat(b.tasks().claim(id, thumbprint, 2)).hasSize(1); // fewer than asked: nothing more, for now

            a.manager.tasks().submit(request);

            assertThat(b.tasks()
                            .awaitWork(id, thumbprint, Duration.ofSeconds(5))
                            .get(10, TimeUnit.SECONDS))
                    .as("the new task is hinted, though the counts did not change")
                    .isTrue();
            assertThat(b.tasks().claim(id, thumbprint, 2)).hasSize(1);
        } finally {
            b.close();
        }
    }

    @Test
    void twoReplicasSweepingAtOnceEndEveryDueTaskExactlyOnce() throws Exception {
        Fleet a = new Fleet();
        RecordingEventListener bEvents = new RecordingEventListener();
        AgentManager b = AgentManager.builder()
                .store(a.store)
                .taskStore(a.taskStore)
                .certificateService(a.ca)
                .clock(a.clock)
                .heartbeat(Fleet.INTERVAL, Fleet.TIMEOUT)
                .listener(bEvents)
                .build();
        a.monitor().runOnce();
        b.timeoutMonitor().runOnce();
        Registration web = a.register("web");
        a.beat(web);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            AgentTask task = (i % 2 == 0 ? a.manager : b)
                    .tasks()
                    .submit(TaskRequest.builder("deploy", TaskTarget.matching(TaskSelector.capability("nothing")))
                            .timeouts(TaskTimeouts.defaults().withScheduleToStart(Duration.ofSeconds(30)))
                            .build());
            ids.add(task.id());
        }
        for (int s = 0; s < 31; s++) {
            a.clock.advance(Duration.ofSeconds(1));
            if (s % 30 == 29) {
                a.beat(web);
            }
            CyclicBarrier together = new CyclicBarrier(2);
            Thread other = new Thread(() -> {
                try {
                    together.await();
                    b.timeoutMonitor().runOnce();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            other.start();
            together.await();
            a.monitor().runOnce();
            other.join();
        }
        assertThat(ids)
                .allSatisfy(id -> assertThat(
                                a.manager.tasks().find(id).orElseThrow().status())
                        .isEqualTo(TaskStatus.TIMED_OUT));
        int finished = a.events.count(AgentEvent.TaskFinished.class) + bEvents.count(AgentEvent.TaskFinished.class);
        assertThat(finished).isEqualTo(ids.size());
    }
}
