/**
 * Implementation details of the BouncyCastle certificate authority. Not exported by the module, not a
 * supported API: anything here can change in any release without notice.
 */
@NullMarked
package dev.agentmanager.ca.bouncycastle.internal;

import org.jspecify.annotations.NullMarked;
