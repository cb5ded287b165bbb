/**
 * agentmanager test kit: the store contract suite, a controllable clock, a recording event listener and a fake
 * certificate authority, for hosts' and store authors' tests.
 */
module dev.agentmanager.testkit {
    requires transitive dev.agentmanager.core;
    requires transitive org.junit.jupiter.api;
    requires org.assertj.core;
    requires static org.jspecify;

    exports dev.agentmanager.testkit;

    // JUnit instantiates the contract's nested test classes reflectively
    opens dev.agentmanager.testkit to
            org.junit.platform.commons;
}
