// SPDX-License-Identifier: Apache-2.0
package io.peercollab.spi;


import io.peercollab.PeerAddress;
import io.peercollab.PeerApplication;
import io.peercollab.PeerEvent;
import io.peercollab.PeerObject;
import io.peercollab.PresenceInfo;
import io.peercollab.identity.PeerName;
import org.reactivestreams.Publisher;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A mutually authenticated connection to one remote endpoint, shared by every interaction with it. Each method sends
 * one request to the remote {@link PeerRequestHandler}'s method of the same name. When the connection is lost,
 * pending and later requests fail with {@link io.peercollab.PeerUnreachableException}.
 */
public interface PeerConnection extends Disposable {

	/** @return the remote endpoint's name, proven by its key */
	PeerName remote();

	/** @return the remote endpoint's address */
	PeerAddress remoteAddress();

	/**
	 * @return an id of the remote endpoint's running instance, the same on every address it listens at, so that a
	 * caller that reached one process at several addresses (its card's, a NAT's) can tell; by default the remote
	 * address, for transports that cannot tell
	 */
	default String remoteInstance() {
		return remoteAddress().toString();
	}

	/** @see PeerRequestHandler#invite */
	Mono<InviteReply> invite(InviteRequest request);

	/** @see PeerRequestHandler#presence */
	Mono<PresenceInfo> presence();

	/** @see PeerRequestHandler#applications */
	Flux<PeerApplication> applications();

	/** @see PeerRequestHandler#objects */
	Flux<PeerObject> objects();

	/** @see PeerRequestHandler#card */
	Mono<String> card();

	/** @see PeerRequestHandler#events */
	Flux<PeerEvent> events(long afterVersion);

	/**
	 * Opens a session channel to the remote endpoint.
	 *
	 * @param outbound the frames to send
	 * @return the frames the remote endpoint sends
	 * @see PeerRequestHandler#session
	 */
	Flux<SessionFrame> session(SessionOpen open, Publisher<SessionFrame> outbound);

	/** @see PeerRequestHandler#signedOut */
	Mono<Void> signedOut();

	/** @return completes when the connection closes, for whatever reason */
	Mono<Void> onClose();
}
