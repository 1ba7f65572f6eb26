package io.peercollab.spi;

import java.net.InetSocketAddress;

import io.peercollab.identity.PeerName;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/**
 * A listening endpoint of a {@link PeerTransport}, and the connections it opens to others. Disposing it closes the
 * listener and every connection.
 */
public interface TransportBinding extends Disposable {

	/** @return the address it listens at (with the real port when bound to port 0) */
	InetSocketAddress address();

	/**
	 * Returns the connection to the endpoint at {@code address}, opening it if none is open. One connection per remote
	 * endpoint is shared by every interaction with it.
	 *
	 * @param expected the name the remote endpoint must prove
	 * @param address where it listens
	 * @return the connection; fails with {@link io.peercollab.PeerIdentityMismatchException} if the endpoint proves
	 * another key, {@link io.peercollab.PeerUnreachableException} if it cannot be reached
	 */
	Mono<PeerConnection> connect(PeerName expected, InetSocketAddress address);

	/** @return completes when the binding is disposed and its resources released */
	Mono<Void> onDispose();

	/**
	 * Closes gracefully: what this endpoint already sent on each connection (answers, notices) reaches the other side
	 * before the connection closes, as far as a bounded wait allows; then disposes. The default disposes at once, for
	 * transports that deliver synchronously.
	 *
	 * @return completes once disposed and released
	 */
	default Mono<Void> close() {
		return Mono.fromRunnable(this::dispose).then(onDispose());
	}
}
