/**
 * Implementation details. Not exported by the module, not a supported API: anything here can change
 * in any release without notice.
 */
@NullMarked
package dev.agentmanager.internal;

import org.jspecify.annotations.NullMarked;
