// SPDX-License-Identifier: Apache-2.0
/**
 * The PeerCollab peer protocol over RSocket on Reactor Netty TCP with mutually authenticated TLS 1.3 and key pinning.
 * {@link io.peercollab.rsocket.RSocketPeerTransport} is the only type a user touches; the wire format is specified in
 * {@code rsocket-transport/PROTOCOL.md}.
 */
@NullMarked
package io.peercollab.rsocket;

import org.jspecify.annotations.NullMarked;
