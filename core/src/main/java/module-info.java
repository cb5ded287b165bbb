/**
 * agentmanager core: API, store and certificate-authority SPIs, and the engine. No runtime dependencies.
 */
module dev.agentmanager.core {
    requires static org.jspecify;

    exports dev.agentmanager;
    exports dev.agentmanager.spi;
    exports dev.agentmanager.model;
    exports dev.agentmanager.event;
    exports dev.agentmanager.exception;
    exports dev.agentmanager.task;
}
