// SPDX-License-Identifier: Apache-2.0
package io.peercollab.spi;

import io.peercollab.Diagnostic;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A running announcement and browse, started by {@link Discovery#start}.
 */
public interface DiscoverySession {

	/**
	 * @return the peers near me, this endpoint excluded, one per announced name: those known now as {@code ADDED}
	 * first, then every change; completes when the session closes. Overflow: each subscriber has its own buffer;
	 * discovery events are few (one per peer and change), so the buffer is unbounded.
	 */
	Flux<DiscoveryEvent> peers();

	/** @return malformed announcements seen and ignored, as they happen */
	Flux<Diagnostic> diagnostics();

	/**
	 * Re-announces this endpoint with another nickname.
	 *
	 * @return completes once the new announcement is registered
	 */
	Mono<Void> updateNickname(String nickname);

	/**
	 * Re-announces this endpoint with another endpoint name. The default announces nothing, for discoveries that do
	 * not carry one.
	 *
	 * @return completes once the new announcement is registered
	 */
	default Mono<Void> updateEndPointName(String endPointName) {
		java.util.Objects.requireNonNull(endPointName, "endPointName");
		return Mono.empty();
	}

	/**
	 * Withdraws the announcement and stops browsing, releasing every thread and socket. Idempotent.
	 *
	 * @return completes when released
	 */
	Mono<Void> close();
}
