// SPDX-License-Identifier: Apache-2.0
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
 * list when the endpoint signs out of {@code INTERNET}. It has one publication at a time in flight per identity, and
 * cancels it when a newer one starts.
 *
 * <p>Contract (the core's test-jar holds {@code PeerNamePublisherContract}, which every implementation runs):
 * <ul>
 * <li><b>Replace, never merge:</b> once {@code publish} has completed, a resolver of the same source finds exactly
 * these addresses for the identity (their {@link PeerEndPoint#name() names} may be lost), never together with
 * those of an earlier publication, however quickly one followed the other. This holds per publisher instance: a
 * publisher may keep, beside them, what other devices of the same identity (the identity file copied) published
 * through their own instances, as {@code MainlineDht} does.</li>
 * <li><b>An empty list withdraws:</b> afterwards resolvers find nothing for the identity. It completes for an
 * identity that never published too.</li>
 * <li><b>Cold:</b> nothing is published before subscription. Cancelling stops what has not been sent and leaves
 * the publisher usable: a later publication replaces whatever a cancelled one may have stored.</li>
 * <li><b>Errors are signals, and say whether to retry</b> (while signed in, the library retries
 * {@link io.peercollab.PeerUnreachableException} with backoff, and nothing else; every failure is reported as a
 * {@code PUBLISH_FAILED} diagnostic):
 * <ul>
 * <li>{@link io.peercollab.PeerUnreachableException}: the source could not be reached, or did not store the record,
 * this time;</li>
 * <li>{@link io.peercollab.PayloadTooLargeException} (a size) or {@link io.peercollab.LimitExceededException} (a
 * count): the addresses do not fit one record; the message names the size or count and the limit; nothing was
 * sent and the previous record stands;</li>
 * <li>{@link io.peercollab.PeerIdentityException}: this publisher cannot publish for this identity at all (the DHT
 * and a key that is not Ed25519);</li>
 * <li>{@link IllegalArgumentException}: an endpoint the source cannot hold, such as an unresolved address (a
 * programming error); nothing was sent.</li>
 * </ul>
 * {@code publish} itself throws only for a {@code null} identity, list or endpoint.</li>
 * </ul>
 */
public interface PeerNamePublisher {

	/**
	 * Publishes where the identity can be reached, replacing what it published before, when subscribed.
	 *
	 * @param identity the identity whose key signs the record
	 * @param endPoints the advertised addresses; empty: signed out, not reachable
	 * @return completes once the record is stored, so that a resolver asked afterwards finds it; fails with one of
	 * the errors listed above
	 * @throws NullPointerException if {@code identity}, {@code endPoints} or one of its elements is {@code null}
	 */
	Mono<Void> publish(PeerIdentity identity, List<PeerEndPoint> endPoints);

	/**
	 * Publishes as {@link #publish(PeerIdentity, List)} for one device of the identity: the library passes the id it
	 * generated once for this endpoint and keeps in its contact store, the same across restarts. A publisher that
	 * keeps the endpoints of several devices of one identity (the identity file copied to each), as
	 * {@code MainlineDht} does, replaces those it published for this id before, even from a process that has since
	 * restarted; the default ignores the id.
	 *
	 * @param identity the identity whose key signs the record
	 * @param endPoints the advertised addresses; empty: signed out, not reachable
	 * @param deviceId this device's id: 1 to 10 characters of {@code [a-z0-9]}
	 * @return as {@link #publish(PeerIdentity, List)}
	 * @throws NullPointerException if an argument or one of the endpoints is {@code null}
	 */
	default Mono<Void> publish(PeerIdentity identity, List<PeerEndPoint> endPoints, String deviceId) {
		java.util.Objects.requireNonNull(deviceId, "deviceId");
		return publish(identity, endPoints);
	}

	/**
	 * @return how long a published record lives if it is not published again; positive, and the same on every call
	 */
	Duration recordLifetime();
}
