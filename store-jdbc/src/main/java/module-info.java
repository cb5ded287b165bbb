/**
 * agentmanager JDBC store: {@link dev.agentmanager.spi.IAgentStore} on any {@link javax.sql.DataSource}
 * (H2, PostgreSQL, MariaDB). The versioned schema scripts are opened so that migration tools can read them; their
 * repeatable copies ({@code db/agentmanager-repeatable/...}) lie outside any package and are readable as they are.
 */
module dev.agentmanager.store.jdbc {
    requires transitive dev.agentmanager.core;
    requires transitive java.sql;
    requires com.fasterxml.jackson.databind;
    requires static org.jspecify;

    exports dev.agentmanager.store.jdbc;

    opens db.agentmanager.h2;
    opens db.agentmanager.postgresql;
    opens db.agentmanager.mariadb;
}
