/**
 * The JDBC agent store: {@link dev.agentmanager.store.jdbc.JdbcAgentStore} on any {@link javax.sql.DataSource},
 * for H2, PostgreSQL and MariaDB, with versioned schema scripts under {@code db/agentmanager/<database>/}.
 */
@NullMarked
package dev.agentmanager.store.jdbc;

import org.jspecify.annotations.NullMarked;
