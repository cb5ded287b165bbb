package dev.agentmanager;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.event.AgentEvent;
import dev.agentmanager.exception.AgentNotFoundException;
import dev.agentmanager.exception.CertificateMismatchException;
import dev.agentmanager.exception.InvalidRequestException;
import dev.agentmanager.exception.TaskFencedException;
import dev.agentmanager.exception.TaskNotFoundException;
import dev.agentmanager.internal.EventDispatcher;
import dev.agentmanager.internal.Hex;
import dev.agentmanager.internal.RequestValidator;
import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.Capability;
import dev.agentmanager.model.CertificateStatus;
import dev.agentmanager.spi.IAgentStore;
import dev.agentmanager.spi.TaskClaimQuery;
import dev.agentmanager.spi.TaskStore;
import dev.agentmanager.task.AgentTask;
import dev.agentmanager.task.AgentTasks;
import dev.agentmanager.task.TaskAssignment;
import dev.agentmanager.task.TaskAttempt;
import dev.agentmanager.task.TaskExplanation;
import dev.agentmanager.task.TaskLease;
import dev.agentmanager.task.TaskQuery;
import dev.agentmanager.task.TaskRequest;
import dev.agentmanager.task.TaskSelector;
import dev.agentmanager.task.TaskStatus;
import dev.agentmanager.task.TaskTarget;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The orchestrator's side of {@link AgentTasks} and the agents' claims; reports are {@link TaskReports}'. Obtain
 * it from {@link AgentManager#tasks()}.
 */
final class TaskService implements AgentTasks {
    private static final Pattern TYPE = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._/-]*[A-Za-z0-9])?");
    static final int MAX_TYPE_LENGTH = 64;
    static final int MAX_PRIORITY = 1_000;
    static final int MAX_CLAIM = 100;
    private static final int PRUNE_BATCH = 1_000;
    private static final int MAX_PRUNE_BATCHES = 100;
    private static final Duration MAX_AWAIT = Duration.ofMinutes(10);

    private final TaskStore store;
    private final IAgentStore agents;
    private final CertificateValidityCache validity;
    private final Clock clock;
    private final TaskSettings settings;
    private final TaskRules rules;
    private final RequestValidator validator;
    private final EventDispatcher events;
    private final TaskWriter writer;
    private final TaskHints hints;
    private final TaskReports reports;
    private final TaskExplainer explainer;
    private final SecureRandom random;
    private final java.util.concurrent.atomic.AtomicLong idCounter = new java.util.concurrent.atomic.AtomicLong();

    TaskService(
            TaskStore store,
            IAgentStore agents,
            CertificateValidityCache validity,
            Clock clock,
            TaskSettings settings,
            RequestValidator validator,
            EventDispatcher events,
            SecureRandom random) {
        this.store = store;
        this.agents = agents;
        this.validity = validity;
        this.clock = clock;
        this.settings = settings;
        this.rules = new TaskRules(settings);
        this.validator = validator;
        this.events = events;
        this.writer = new TaskWriter(store, events);
        this.hints = new TaskHints(store, settings.hintRefresh());
        this.reports = new TaskReports(store, writer, rules, settings, validator, events);
        this.explainer = new TaskExplainer(store, agents, settings);
        this.random = random;
    }

    TaskRules rules() {
        return rules;
    }

    TaskWriter writer() {
        return writer;
    }

    TaskHints hints() {
        return hints;
    }

    TaskStore store() {
        return store;
    }

    TaskSettings settings() {
        return settings;
    }

    TaskExplainer explainer() {
        return explainer;
    }

    // ---- orchestrator ------------------------------------------------------------------------------

    @Override
    public AgentTask submit(TaskRequest request) {
        requireNonNull(request, "request");
        validate(request);
        Instant now = clock.instant();
        TaskRequest resolved = request.timeouts() == null ? request.withTimeouts(settings.timeouts()) : request;
        AgentTask task = new AgentTask(
                newId(now), resolved, now, null, rules.queued(requireNonNull(resolved.timeouts()), now), 1);
        return insert(task, now);
    }

    private AgentTask insert(AgentTask task, Instant now) {
        AgentTask stored = store.insertTask(task);
        if (!stored.id().equals(task.id())) {
            return stored; // the idempotency key's task
        }
        events.publish(
                new AgentEvent.TaskSubmitted(now, stored.id(), stored.request().type(), describe(stored)));
        hints.submitted(stored);
        return stored;
    }

    static String describe(AgentTask task) {
        return task.request().target() instanceof TaskTarget.OneAgent one
                ? "agent " + one.agentId()
                : ((TaskTarget.AnyAgent) task.request().target()).selector().describe();
    }

    private void validate(TaskRequest r) {
        String type = r.type();
        if (type.length() > MAX_TYPE_LENGTH || !TYPE.matcher(type).matches()) {
            throw new InvalidRequestException(
                    "type", "must be 1 to " + MAX_TYPE_LENGTH + " letters, digits and . _ / - (inside)");
        }
        if (r.payload().size() > settings.maxPayloadBytes()) {
            throw new InvalidRequestException(
                    "payload", r.payload().size() + " bytes, more than " + settings.maxPayloadBytes());
        }
        if (Math.abs(r.priority()) > MAX_PRIORITY) {
            throw new InvalidRequestException("priority", "must be in [-" + MAX_PRIORITY + ", " + MAX_PRIORITY + "]");
        }
        if (r.idempotencyKey() != null) {
            validator.id("idempotencyKey", r.idempotencyKey());
        }
        if (r.concurrencyGroup() != null) {
            validator.key("concurrencyGroup", r.concurrencyGroup());
        }
        if (r.target() instanceof TaskTarget.OneAgent one) {
            validator.id("target.agentId", one.agentId());
        } else {
            TaskSelector selector = ((TaskTarget.AnyAgent) r.target()).selector();
            validator.capabilities(selector.capabilities());
            validator.labels(selector.labels());
        }
    }

    /**
     * Time-ordered: 12 hex digits of epoch milliseconds, 6 of this replica's counter (order within a millisecond),
     * then 14 random ones.
     */
    private String newId(Instant now) {
        byte[] bytes = new byte[7];
        random.nextBytes(bytes);
        long counter = idCounter.getAndIncrement() & 0xFF_FFFFL;
        return String.format(Locale.ROOT, "%012x%06x", now.toEpochMilli(), counter) + Hex.of(bytes);
    }

    @Override
    public AgentTask cancel(String taskId) {
        validator.id("taskId", requireNonNull(taskId, "taskId"));
        Instant now = clock.instant();
        AgentTask after = writer.update(taskId, now, task -> switch (task.status()) {
            case QUEUED -> rules.finish(task, TaskStatus.CANCELLED, null, "cancelled before it was claimed", now);
            case CLAIMED, RUNNING -> rules.requestCancel(task);
            default -> null;
        });
        if (after.status().isHeld() && after.state().cancelRequested()) {
            hints.cancelRequested(requireNonNull(after.state().agentId()), after.lease());
        }
        return after;
    }

    @Override
    public AgentTask rerun(String taskId) {
        AgentTask old = store.findTask(validator.id("taskId", requireNonNull(taskId, "taskId")))
                .orElseThrow(() -> new TaskNotFoundException(taskId));
        if (!old.status().isFinished()) {
            throw new InvalidRequestException("taskId", "task " + taskId + " is " + old.status() + ", not finished");
        }
        TaskRequest r = old.request();
        TaskRequest copy = new TaskRequest(
                r.type(),
                r.payload(),
                r.target(),
                r.priority(),
                null,
                r.retry(),
                r.timeouts(),
                r.concurrencyGroup(),
                r.concurrencyLimit());
        Instant now = clock.instant();
        AgentTask task =
                new AgentTask(newId(now), copy, now, old.id(), rules.queued(requireNonNull(copy.timeouts()), now), 1);
        return insert(task, now);
    }

    @Override
    public Optional<AgentTask> find(String taskId) {
        return store.findTask(validator.id("taskId", requireNonNull(taskId, "taskId")));
    }

    @Override
    public List<AgentTask> find(TaskQuery query) {
        requireNonNull(query, "query");
        if (query.afterId() != null) {
            validator.id("afterId", query.afterId());
        }
        return store.findTasks(query);
    }

    @Override
    public long count(TaskStatus status) {
        return store.countTasks(requireNonNull(status, "status"));
    }

    @Override
    public List<TaskAttempt> attempts(String taskId) {
        return store.findAttempts(validator.id("taskId", requireNonNull(taskId, "taskId")));
    }

    @Override
    public TaskExplanation explain(String taskId) {
        AgentTask task = store.findTask(validator.id("taskId", requireNonNull(taskId, "taskId")))
                .orElseThrow(() -> new TaskNotFoundException(taskId));
        return explainer.explain(task, clock.instant());
    }

    @Override
    public byte[] log(TaskLease lease, long offset, int maxBytes) {
        validator.id("taskId", requireNonNull(lease, "lease").taskId());
        if (offset < 0 || maxBytes < 0) {
            throw new InvalidRequestException("offset", "offset and maxBytes must be >= 0");
        }
        return store.readLog(lease.taskId(), lease.attempt(), offset, Math.min(maxBytes, settings.maxLogBytes()));
    }

    @Override
    public int prune() {
        Instant before = clock.instant().minus(settings.retention());
        int total = 0;
        for (int i = 0; i < MAX_PRUNE_BATCHES; i++) {
            int n = store.deleteFinishedTasks(before, PRUNE_BATCH);
            total += n;
            if (n < PRUNE_BATCH) {
                break;
            }
        }
        return total;
    }

    // ---- agent -------------------------------------------------------------------------------------

    @Override
    public List<TaskAssignment> claim(String agentId, String thumbprint, int max) {
        if (max < 1 || max > MAX_CLAIM) {
            throw new InvalidRequestException("max", "must be in [1, " + MAX_CLAIM + "]");
        }
        // read through: a claim is stamped with the agent's boot epoch, which another replica may have just changed
        Agent agent = authenticate(agentId, thumbprint, true);
        if (agent.status() != AgentStatus.ACTIVE) {
            return List.of(); // pending, missing or drained by an operator: no new work
        }
        Instant now = clock.instant();
        long epoch = agent.liveness().bootEpoch();
        Set<String> names = agent.capabilities().stream()
                .map(Capability::name)
                .filter(agent::allowsCapability)
                .collect(Collectors.toSet());
        Map<String, AgentTask> before = new HashMap<>(); // a store may call the claimer again on a retry
        long generation = hints.generation();
        List<AgentTask> claimed = store.claimTasks(
                new TaskClaimQuery(agentId, names, max, settings.agentCapacity(), settings.claimScanLimit()),
                queued -> {
                    if (!eligible(queued, agent)) {
                        return null;
                    }
                    before.put(queued.id(), queued);
                    return queued.withState(rules.claim(queued, agentId, epoch, now));
                });
        hints.claimed(agentId, claimed.size() < max, generation);
        List<TaskAssignment> assignments = new ArrayList<>(claimed.size());
        for (AgentTask task : claimed) {
            AgentTask queued = before.get(task.id());
            if (queued != null) {
                writer.claimed(queued, task, now);
            }
            assignments.add(new TaskAssignment(
                    task.lease(),
                    task.request().type(),
                    task.request().payload(),
                    task.timeouts().progress(),
                    requireNonNull(task.state().claimedAt())
                            .plus(task.timeouts().startToClose())));
        }
        return assignments;
    }

    /** Whether the agent may run the task: its target, its selector, and the agent's token scope. */
    static boolean eligible(AgentTask task, Agent agent) {
        if (task.request().target() instanceof TaskTarget.OneAgent one) {
            return one.agentId().equals(agent.id());
        }
        TaskSelector selector = ((TaskTarget.AnyAgent) task.request().target()).selector();
        for (Capability c : selector.capabilities()) {
            if (!agent.allowsCapability(c.name())) {
                return false;
            }
        }
        return selector.matches(agent);
    }

    @Override
    public CompletableFuture<Boolean> awaitWork(String agentId, String thumbprint, Duration timeout) {
        requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.compareTo(MAX_AWAIT) > 0) {
            throw new InvalidRequestException("timeout", "must be in [0, " + MAX_AWAIT + "]");
        }
        Agent agent = authenticate(agentId, thumbprint);
        if (agent.status() != AgentStatus.ACTIVE) { // no work for it: answer at the timeout, not at once
            return new CompletableFuture<Boolean>().completeOnTimeout(false, timeout.toNanos(), TimeUnit.NANOSECONDS);
        }
        return hints.await(agent, timeout);
    }

    @Override
    public dev.agentmanager.task.TaskControl report(
            String agentId, String thumbprint, dev.agentmanager.task.TaskReport report) {
        requireNonNull(report, "report");
        Agent agent = authenticate(agentId, thumbprint);
        validator.id("taskId", report.lease().taskId());
        return reports.report(agent, report, clock.instant());
    }

    @Override
    public long appendLog(String agentId, String thumbprint, TaskLease lease, long offset, byte[] chunk) {
        requireNonNull(lease, "lease");
        requireNonNull(chunk, "chunk");
        Agent agent = authenticate(agentId, thumbprint);
        validator.id("taskId", lease.taskId());
        return reports.appendLog(agent, lease, offset, chunk);
    }

    /**
     * An agent-side call's credentials, checked as for a heartbeat, on the agent as the heartbeat reads it (a
     * database store's replica cache, whose window across replicas the store documents): reports are fenced by
     * their attempt, so they do not depend on this read being the latest.
     */
    private Agent authenticate(String agentId, String thumbprint) {
        return authenticate(agentId, thumbprint, false);
    }

    /** With {@code readThrough}, on the agent as stored rather than as the heartbeat's cache holds it. */
    private Agent authenticate(String agentId, String thumbprint, boolean readThrough) {
        validator.id("agentId", requireNonNull(agentId, "agentId"));
        String presented = validator.thumbprint(requireNonNull(thumbprint, "thumbprint"));
        Optional<Agent> found = readThrough ? agents.findAgent(agentId) : agents.findAgentForHeartbeat(agentId);
        Agent agent = AgentManager.requireRenewable(
                found.orElseThrow(() -> new AgentNotFoundException(agentId)), presented, clock.instant());
        CertificateStatus status = validity.checkValidated(presented);
        if (!status.isCurrent()) {
            throw new CertificateMismatchException(
                    agentId, presented, "certificate " + status.name().toLowerCase(Locale.ROOT));
        }
        return agent;
    }

    /** Used by {@link TaskReports} for fencing errors that need the task id only. */
    static TaskFencedException fenced(TaskLease lease, String why) {
        return new TaskFencedException(lease.taskId(), lease.attempt(), why);
    }
}
