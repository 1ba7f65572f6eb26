// SPDX-License-Identifier: Apache-2.0
/**
 * The in-memory transport: endpoints of one JVM whose {@link io.peercollab.local.InMemoryPeerTransport}s belong to one
 * in-memory network reach each other without sockets, TLS or ports, with the identity checks a real transport makes.
 * Supported API, for users' tests and simulations (as {@code rsocket-transport-local} is for RSocket).
 */
@NullMarked
package io.peercollab.local;

import org.jspecify.annotations.NullMarked;
