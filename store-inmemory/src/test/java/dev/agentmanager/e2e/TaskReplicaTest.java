package dev.agentmanager.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentmanager.AgentManager;
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
import org.junit.jupiter.api.Test;

/** Two managers on one pair of stores, as two replicas: every task's timeout ends it once, with one event. */
class TaskReplicaTest {

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
