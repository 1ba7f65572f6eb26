package io.peercollab.discovery;

import reactor.core.publisher.Mono;

/**
 * How an endpoint announces itself to people near me and finds them. A configuration: each sign-in to
 * {@code NEAR_ME} {@link #start starts} a {@link DiscoverySession}, and signing out closes it.
 */
public interface Discovery {

	/**
	 * Announces this endpoint and starts browsing for others.
	 *
	 * @param self what to announce
	 * @return the running session, once the announcement is registered
	 */
	Mono<DiscoverySession> start(Announcement self);
}
