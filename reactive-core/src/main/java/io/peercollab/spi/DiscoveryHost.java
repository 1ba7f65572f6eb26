// SPDX-License-Identifier: Apache-2.0
package io.peercollab.spi;

import reactor.core.publisher.Mono;

/**
 * One endpoint's hold on a {@link Discovery}, from its first sign-in to {@code NEAR_ME} until it closes: what the
 * discovery needs that is slow to start (for mDNS, the jmDNS instances, whose host-name probing takes a while) is
 * opened by the first {@link #start} and kept across sessions, so that signing in again does not pay for it. Sessions
 * are started one at a time: a session's {@link DiscoverySession#close() close} withdraws its announcement and stops
 * its browse, and leaves what the host opened running until {@link #close()}.
 */
public interface DiscoveryHost {

	/**
	 * Announces the endpoint and starts browsing, opening what the host keeps if it is not open yet.
	 *
	 * @param self what to announce
	 * @return the running session, once the announcement is registered; fails with
	 * {@link io.peercollab.NotSignedInException} if the host is closed
	 */
	Mono<DiscoverySession> start(Announcement self);

	/**
	 * Releases what the host keeps (threads, sockets), after withdrawing whatever is still announced through it.
	 * Idempotent; a later {@link #start} fails.
	 *
	 * @return completes when released
	 */
	Mono<Void> close();
}
