// SPDX-License-Identifier: Apache-2.0
package io.peercollab.agent;

import java.io.BufferedReader;
import java.io.PrintStream;

import io.peercollab.Invitation;
import io.peercollab.agent.internal.ConsolePrompt;
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
	 * A console prompt: prints who invites into which application, with its message and the command that would start,
	 * and accepts on a line {@code y} or {@code yes}; anything else, the end of input or an error declines. One
	 * question at a time; what came from the network is quoted ({@link io.peercollab.MessageText#quote}), so that it
	 * cannot rewrite the terminal. An invitation that ended while the question waited is not accepted.
	 *
	 * @param in where the answers are read, a line each (blocking reads happen on a thread that may block)
	 * @param out where the questions are printed
	 * @return the hook
	 */
	static ConsentHook prompt(BufferedReader in, PrintStream out) {
		return new ConsolePrompt(in, out);
	}

	/**
	 * @param invitation the invitation, still pending; its {@link Invitation#application()} carries the registered
	 * launch command
	 * @return whether to accept and launch
	 */
	Mono<Boolean> ask(Invitation invitation);
}
