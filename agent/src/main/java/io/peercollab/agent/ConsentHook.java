// SPDX-License-Identifier: Apache-2.0
package io.peercollab.agent;

import io.peercollab.Invitation;
import reactor.core.publisher.Mono;

/**
 * Asks the person whether to accept an invitation into a registered application that no attached application is
 * waiting for: on {@code true} the agent accepts it and launches the application's registered command; on
 * {@code false} (or empty, or an error) it declines. A console prompt, a desktop notification, or a policy.
 */
@FunctionalInterface
public interface ConsentHook {

	/** Accepts every such invitation: for tests and for a user who said so. */
	ConsentHook ACCEPT = invitation -> Mono.just(true);

	/** Declines every such invitation: the default, so that nothing is launched without a hook that asks. */
	ConsentHook DECLINE = invitation -> Mono.just(false);

	/**
	 * @param invitation the invitation, still pending; its {@link Invitation#application()} carries the registered
	 * launch command
	 * @return whether to accept and launch
	 */
	Mono<Boolean> ask(Invitation invitation);
}
