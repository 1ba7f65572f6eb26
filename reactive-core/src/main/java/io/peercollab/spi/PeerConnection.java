// SPDX-License-Identifier: Apache-2.0
package io.peercollab.spi;


import io.peercollab.ConnectionPath;
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

	/**
	 * How this connection travels now: {@link ConnectionPath#DIRECT}, {@link ConnectionPath#MAPPED},
	 * {@link ConnectionPath#HOLE_PUNCHED}, {@link ConnectionPath#RELAYED}, or a path of the transport's own. The engine
	 * shows it on {@link io.peercollab.Peer#path()} as it is, without looking inside. The default is
	 * {@link ConnectionPath#DIRECT}, for transports that only ever connect straight to the address they dial, such as
	 * the in-memory one.
	 *
	 * @return the path now; never {@link ConnectionPath#NOT_CONNECTED}
	 */
	default ConnectionPath path() {
		return ConnectionPath.DIRECT;
	}

	/**
	 * The path of this connection and its changes while it lives: a transport that moves a live connection to another
	 * path (a relayed connection upgraded to a hole-punched one) emits the new path. Emits the current path first,
	 * then each change; completes when the connection closes. Only the latest path matters: a subscriber that does
	 * not keep up may miss intermediate ones, never the latest. The default emits {@link #path()} once and completes
	 * when the connection closes.
	 *
	 * @return the paths of this connection
	 */
	default Flux<ConnectionPath> pathChanges() {
		return Flux.concat(Mono.fromSupplier(this::path),
				onClose().onErrorResume(e -> Mono.empty()).then(Mono.<ConnectionPath>empty()));
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
