// SPDX-License-Identifier: Apache-2.0
package io.peercollab.spi;

import io.peercollab.PeerAddress;
import io.peercollab.PeerApplication;
import io.peercollab.PeerEvent;
import io.peercollab.PeerObject;
import io.peercollab.PresenceInfo;
import io.peercollab.identity.PeerName;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Serves what remote peers ask of this endpoint. Implemented by the library's engine, called by the transport with
 * the caller's name as proven by the connection's authentication. Each method mirrors one of
 * {@link PeerConnection}'s; errors are signalled as {@link io.peercollab.PeerCollabException} subtypes, which the
 * transport carries back to the caller.
 */
public interface PeerRequestHandler {

	/** Serves an invitation; cancelling the returned {@code Mono} means the sender withdrew it. */
	Mono<InviteReply> invite(PeerName caller, InviteRequest request);

	/**
	 * Serves an invitation that came over a connection from {@code from}: transports call this one. The default
	 * forgets the address.
	 *
	 * @param from the remote address of the connection, as the transport saw it, or {@code null} if it has none
	 */
	default Mono<InviteReply> invite(PeerName caller, @Nullable PeerAddress from, InviteRequest request) {
		return invite(caller, request);
	}

	/** @return this endpoint's presence as the caller may see it */
	Mono<PresenceInfo> presence(PeerName caller);

	/** @return the applications the caller may see, without launch details */
	Flux<PeerApplication> applications(PeerName caller);

	/** @return the objects the caller may see */
	Flux<PeerObject> objects(PeerName caller);

	/**
	 * @return this endpoint's contact card (XML) as the caller may see it: never an error for who the caller is; a
	 * caller shown nothing beyond the TLS handshake gets a card with the name and certificate only
	 */
	Mono<String> card(PeerName caller);

	/**
	 * @param afterVersion the last version the caller saw, or {@code -1}
	 * @return what the caller may see, as in {@link io.peercollab.Peer#events()}: the current state (or what changed
	 * since {@code afterVersion}), {@code Synced}, then the changes
	 */
	Flux<PeerEvent> events(PeerName caller, long afterVersion);

	/**
	 * Serves a session channel the caller (the session's host) opens after its invitation was accepted.
	 *
	 * @param inbound the frames the host sends
	 * @return the frames this endpoint sends to the host
	 */
	Flux<SessionFrame> session(PeerName caller, SessionOpen open, Flux<SessionFrame> inbound);

	/** The caller tells it is signing out. */
	Mono<Void> signedOut(PeerName caller);
}
