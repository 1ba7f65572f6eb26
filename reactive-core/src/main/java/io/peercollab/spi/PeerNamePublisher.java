package io.peercollab.spi;

import java.time.Duration;
import java.util.List;

import io.peercollab.PeerEndPoint;
import io.peercollab.identity.PeerIdentity;
import reactor.core.publisher.Mono;

/**
 * Makes this endpoint's addresses findable by its identity, for contacts that are not near. The library calls it
 * when the endpoint signs in to {@code INTERNET}, at once when the advertised addresses change, every
 * {@code republishInterval} while signed in (well before {@link #recordLifetime()} runs out), and with an empty
 * list when the endpoint signs out of {@code INTERNET}.
 */
public interface PeerNamePublisher {

	/**
	 * Publishes where the identity can be reached, replacing what it published before.
	 *
	 * @param identity the identity whose key signs the record
	 * @param endPoints the advertised addresses; empty: signed out, not reachable
	 * @return completes once the record is stored, fails with a
	 * {@link io.peercollab.PeerCollabException} that says why it could not be
	 */
	Mono<Void> publish(PeerIdentity identity, List<PeerEndPoint> endPoints);

	/** @return how long a published record lives if it is not published again */
	Duration recordLifetime();
}
