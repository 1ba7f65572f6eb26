// SPDX-License-Identifier: Apache-2.0
package io.peercollab.spi;

import io.peercollab.CollaborationObserver;
import io.peercollab.identity.PeerIdentity;
import reactor.core.publisher.Mono;

/**
 * Carries requests between endpoints. A transport is a configuration: {@link #bind} starts one listening endpoint
 * for one identity, and may be called once per {@code PeerCollaboration}.
 *
 * <p>Every implementation guarantees:
 * <ul>
 *   <li>both sides are authenticated by the key of their identity: {@link TransportBinding#connect} fails with
 *   {@link io.peercollab.PeerIdentityMismatchException} unless the remote key hashes to the expected name, and the
 *   handler learns the caller's name from that authentication only;</li>
 *   <li>errors raised by the remote handler arrive as the same {@link io.peercollab.PeerCollabException} subtype;
 *   a lost connection fails what was pending with {@link io.peercollab.PeerUnreachableException};</li>
 *   <li>cancelling a request cancels the remote handler's subscription;</li>
 *   <li>inbound values are checked against their limits before the handler sees them.</li>
 * </ul>
 */
public interface PeerTransport {

	/**
	 * Starts listening.
	 *
	 * @param identity the local identity, presented on every connection
	 * @param handler serves the requests of remote peers
	 * @return the running binding, once it listens
	 */
	Mono<TransportBinding> bind(PeerIdentity identity, PeerRequestHandler handler);

	/**
	 * Starts listening, and tells {@code observer} about this binding's connections
	 * ({@link CollaborationObserver#connectionOpened}, {@link CollaborationObserver#connectionClosed},
	 * {@link CollaborationObserver#connectFailed}). The engine calls this one; refused inbound connections reach the
	 * observer through {@link TransportBinding#diagnostics()}. The observer is already guarded: it does not throw.
	 *
	 * <p>The default ignores the observer and calls {@link #bind(PeerIdentity, PeerRequestHandler)}, for transports
	 * that report no connections.
	 *
	 * @param observer who is told about connections; {@link CollaborationObserver#NOOP} for none
	 * @return the running binding, once it listens
	 */
	default Mono<TransportBinding> bind(PeerIdentity identity, PeerRequestHandler handler,
			CollaborationObserver observer) {
		return bind(identity, handler);
	}
}
