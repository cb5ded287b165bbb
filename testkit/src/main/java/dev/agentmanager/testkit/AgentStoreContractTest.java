package dev.agentmanager.testkit;

import dev.agentmanager.spi.IAgentStore;
import java.time.Clock;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;

/**
 * The contract every {@link IAgentStore} must pass, one nested group per role of the store SPI. Extend it,
 * return a fresh, empty store from {@link #createStore(Clock)}, and run it with your other tests:
 *
 * <pre>{@code
 * class MongoAgentStoreTest extends AgentStoreContractTest {
 *     @Override
 *     protected IAgentStore createStore(Clock clock) {
 *         return new MongoAgentStore(freshDatabase(), clock);
 *     }
 * }
 * }</pre>
 *
 * <p>The groups, each a class of its own that a store author can also run alone (its constructor takes a
 * {@link StoreFactory}): {@link RegistrationTokenStoreContract}, {@link AgentRecordStoreContract} and
 * {@link AllowedCapabilitiesContract},
 * {@link LivenessStoreContract} and {@link OverdueAgentsContract} (the liveness role),
 * {@link CertificateStoreContract}, and {@link RegistrationContract} (the atomic steps that span roles). A
 * store is done when every group passes.
 *
 * <p>Each test gets a new store; override {@link #disposeStore(IAgentStore)} to release what
 * {@code createStore} opened. Every test times out after two minutes, so that a store that deadlocks fails
 * instead of hanging the build.
 */
public abstract class AgentStoreContractTest {

    /** A new, empty store. Called once before every test. */
    protected abstract IAgentStore createStore(Clock clock);

    /** Releases what {@link #createStore} opened. Called after every test; does nothing by default. */
    protected void disposeStore(IAgentStore store) {}

    private StoreFactory factory() {
        return new StoreFactory() {
            @Override
            public IAgentStore create(Clock clock) {
                return createStore(clock);
            }

            @Override
            public void dispose(IAgentStore store) {
                disposeStore(store);
            }
        };
    }

    @Nested
    @DisplayName("RegistrationTokenStore")
    class RegistrationTokenRole extends RegistrationTokenStoreContract {
        RegistrationTokenRole() {
            super(AgentStoreContractTest.this.factory());
        }
    }

    @Nested
    @DisplayName("AgentRecordStore")
    class AgentRecordRole extends AgentRecordStoreContract {
        AgentRecordRole() {
            super(AgentStoreContractTest.this.factory());
        }
    }

    @Nested
    @DisplayName("LivenessStore: heartbeats")
    class LivenessRole extends LivenessStoreContract {
        LivenessRole() {
            super(AgentStoreContractTest.this.factory());
        }
    }

    @Nested
    @DisplayName("LivenessStore: overdue agents")
    class OverdueRole extends OverdueAgentsContract {
        OverdueRole() {
            super(AgentStoreContractTest.this.factory());
        }
    }

    @Nested
    @DisplayName("CertificateStore")
    class CertificateRole extends CertificateStoreContract {
        CertificateRole() {
            super(AgentStoreContractTest.this.factory());
        }
    }

    @Nested
    @DisplayName("AgentRecordStore: allowed capabilities")
    class AllowedCapabilitiesRole extends AllowedCapabilitiesContract {
        AllowedCapabilitiesRole() {
            super(AgentStoreContractTest.this.factory());
        }
    }

    @Nested
    @DisplayName("IAgentStore: registration and re-enrollment")
    class RegistrationRole extends RegistrationContract {
        RegistrationRole() {
            super(AgentStoreContractTest.this.factory());
        }
    }
}
