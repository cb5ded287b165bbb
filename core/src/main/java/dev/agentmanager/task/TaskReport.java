package dev.agentmanager.task;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

/** What an agent reports about an attempt it holds. Sealed: one record per kind. */
public sealed interface TaskReport {

    /** The attempt the report is about. */
    TaskLease lease();

    /** The agent began the work: from now on the attempt may have changed the host. */
    record Started(TaskLease lease) implements TaskReport {
        public Started {
            requireNonNull(lease, "lease");
        }
    }

    /** Still working; {@code percent} 0 to 100 and a short message, each optional. */
    record Progress(
            TaskLease lease,
            @Nullable Integer percent,
            @Nullable String message) implements TaskReport {
        public Progress {
            requireNonNull(lease, "lease");
        }
    }

    /** Done; an optional bounded result. */
    record Succeeded(TaskLease lease, TaskPayload result) implements TaskReport {
        public Succeeded {
            requireNonNull(lease, "lease");
            requireNonNull(result, "result");
        }
    }

    /** Could not do it; a bounded reason. */
    record Failed(TaskLease lease, String reason) implements TaskReport {
        public Failed {
            requireNonNull(lease, "lease");
            requireNonNull(reason, "reason");
        }
    }

    /** The agent stopped the work because the orchestrator asked it to. */
    record Cancelled(TaskLease lease) implements TaskReport {
        public Cancelled {
            requireNonNull(lease, "lease");
        }
    }
}
