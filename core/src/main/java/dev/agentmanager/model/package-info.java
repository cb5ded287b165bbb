/** Immutable values: agents, heartbeats, tokens, certificates, queries and their results. */
@NullMarked
package dev.agentmanager.model;

import org.jspecify.annotations.NullMarked;
