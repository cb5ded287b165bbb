/**
 * Implementation details of the JDBC store: SQL text, schema scripts, JSON and row mapping, the database
 * clock and the heartbeat buffer. Not exported; unsupported; may change in any release.
 */
@NullMarked
package dev.agentmanager.store.jdbc.internal;

import org.jspecify.annotations.NullMarked;
