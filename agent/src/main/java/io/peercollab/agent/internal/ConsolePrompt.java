// SPDX-License-Identifier: Apache-2.0
package io.peercollab.agent.internal;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Objects;

import io.peercollab.Invitation;
import io.peercollab.InvitationState;
import io.peercollab.MessageText;
import io.peercollab.agent.ConsentHook;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The console prompt of {@link ConsentHook#prompt}: one question at a time (an answer line always belongs to the
 * question printed just before it), read on a thread that may block; everything from the network quoted through
 * {@link MessageText#quote}, so that an inviter cannot rewrite the terminal.
 */
public final class ConsolePrompt implements ConsentHook {

	private final BufferedReader in;
	private final PrintStream out;
	private final Object oneAtATime = new Object();

	public ConsolePrompt(BufferedReader in, PrintStream out) {
		this.in = Objects.requireNonNull(in, "in");
		this.out = Objects.requireNonNull(out, "out");
	}

	@Override
	public Mono<Boolean> ask(Invitation invitation) {
		return Mono.fromCallable(() -> {
			synchronized (oneAtATime) {
				out.printf("%s (%s) invites you into '%s'%s. Start %s? [y/N] ",
						MessageText.quote(invitation.senderNickname()), invitation.sender(),
						MessageText.quote(invitation.application().description()),
						invitation.message().isEmpty() ? "" : ": '" + MessageText.quote(invitation.message()) + "'",
						MessageText.quote(invitation.application().path()));
				out.flush();
				String line;
				try {
					line = in.readLine();
				}
				catch (IOException e) {
					out.println();
					return false;
				}
				boolean yes = line != null && switch (line.strip().toLowerCase(Locale.ROOT)) {
					case "y", "yes" -> true;
					default -> false;
				};
				if (yes && invitation.state() != InvitationState.PENDING) {
					out.println("that invitation has ended meanwhile (" + invitation.state() + ")");
					return false;
				}
				return yes;
			}
		}).subscribeOn(Schedulers.boundedElastic());
	}
}
