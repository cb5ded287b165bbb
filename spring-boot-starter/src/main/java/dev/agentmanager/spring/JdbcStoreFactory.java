package dev.agentmanager.spring;

import dev.agentmanager.store.jdbc.JdbcAgentStore;
import dev.agentmanager.store.jdbc.JdbcAgentStoreBuilder;
import java.time.Duration;
import javax.sql.DataSource;

/** The JDBC store from {@code agentmanager.store.*}; loaded only when the store is {@code jdbc}. */
final class JdbcStoreFactory {
    private JdbcStoreFactory() {}

    static JdbcAgentStore create(DataSource dataSource, AgentManagerProperties.Store store) {
        JdbcAgentStoreBuilder builder = JdbcAgentStore.builder(dataSource).tablePrefix(store.tablePrefix());
        Duration flush = store.heartbeatFlushInterval();
        if (flush != null) {
            builder.heartbeatFlushInterval(flush);
        }
        if (store.createSchemaIfMissing()) {
            builder.createSchemaIfMissing();
        }
        return builder.build();
    }
}
