/**
 * Test support for agentmanager: everything a store implementation or a host application needs to prove
 * its integration without real infrastructure.
 *
 * <ul>
 *   <li>{@link dev.agentmanager.testkit.AgentStoreContractTest}: the abstract JUnit 5 contract suite that
 *       every {@link dev.agentmanager.spi.IAgentStore} extends and passes, one nested group per role of the
 *       store SPI; each group is a class of its own ({@link dev.agentmanager.testkit.StoreContract} and its
 *       subclasses) that also runs alone over a {@link dev.agentmanager.testkit.StoreFactory}.</li>
 *   <li>{@link dev.agentmanager.testkit.TaskStoreContract}: the contract every
 *       {@link dev.agentmanager.spi.TaskStore} passes, with claim and insert races on one and on two store
 *       instances; {@link dev.agentmanager.testkit.TestTasks} builds valid sample tasks.</li>
 *   <li>{@link dev.agentmanager.testkit.MutableClock}: a thread-safe {@link java.time.Clock} that tests move
 *       by hand, so no test ever sleeps for time.</li>
 *   <li>{@link dev.agentmanager.testkit.RecordingEventListener}: collects published events for
 *       assertions.</li>
 *   <li>{@link dev.agentmanager.testkit.FakeCertificateService}: a certificate authority without
 *       cryptography, with failure injection.</li>
 *   <li>{@link dev.agentmanager.testkit.TestAgents}: valid sample tokens, agents and certificates.</li>
 * </ul>
 *
 * <p>Add this artifact in {@code test} scope only.
 */
@NullMarked
package dev.agentmanager.testkit;

import org.jspecify.annotations.NullMarked;
