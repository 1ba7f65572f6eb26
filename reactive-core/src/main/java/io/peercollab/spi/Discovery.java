// SPDX-License-Identifier: Apache-2.0
package io.peercollab.spi;

import java.util.concurrent.atomic.AtomicBoolean;

import io.peercollab.NotSignedInException;
import reactor.core.publisher.Mono;

/**
 * How an endpoint announces itself to people near me and finds them. A configuration, which may be shared by several
 * endpoints: each endpoint takes a {@link #host() host} of its own, and each of its sign-ins to {@code NEAR_ME}
 * starts a {@link DiscoverySession} on that host; signing out closes the session, closing the endpoint closes the
 * host.
 */
public interface Discovery {

	/**
	 * Announces this endpoint and starts browsing for others.
	 *
	 * @param self what to announce
	 * @return the running session, once the announcement is registered
	 */
	Mono<DiscoverySession> start(Announcement self);

	/**
	 * One endpoint's hold on this discovery, across its sign-ins. Opens nothing yet: the first
	 * {@link DiscoveryHost#start} does.
	 *
	 * @return a new host; by default one whose sessions are started by {@link #start} and whose {@code close} does
	 * nothing, for discoveries that keep nothing across sessions
	 */
	default DiscoveryHost host() {
		AtomicBoolean closed = new AtomicBoolean();
		return new DiscoveryHost() {
			@Override
			public Mono<DiscoverySession> start(Announcement self) {
				return Mono.defer(() -> closed.get() ? Mono.error(new NotSignedInException(
						"this discovery host is closed: its endpoint cannot announce itself again"))
						: Discovery.this.start(self));
			}

			@Override
			public Mono<Void> close() {
				return Mono.fromRunnable(() -> closed.set(true));
			}
		};
	}
}
