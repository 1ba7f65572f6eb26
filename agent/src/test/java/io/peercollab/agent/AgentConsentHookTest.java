// SPDX-License-Identifier: Apache-2.0
package io.peercollab.agent;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import io.peercollab.CollaborationSession;
import io.peercollab.Invitation;
import io.peercollab.InvitationState;
import io.peercollab.PeerApplication;
import io.peercollab.PeerScope;
import io.peercollab.identity.PeerName;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The console prompt asks one question per invitation, accepts only a yes, and prints nothing that rewrites a
 * terminal.
 */
class AgentConsentHookTest {

	private static final Duration WAIT = Duration.ofSeconds(10);
	private static final PeerApplication GAME = new PeerApplication(UUID.randomUUID(), "Game", null, PeerScope.ALL,
			"/opt/game/bin/game", List.of("--fixed"));

	/** An invitation as the agent holds it: only what the prompt reads. */
	private record Pending(String nickname, String message, InvitationState state) implements Invitation {
		@Override
		public UUID id() {
			return UUID.randomUUID();
		}

		@Override
		public PeerName sender() {
			return PeerName.unsecured("inviter");
		}

		@Override
		public String senderNickname() {
			return nickname;
		}

		@Override
		public boolean fromContact() {
			return false;
		}

		@Override
		public PeerApplication application() {
			return GAME;
		}

		@Override
		public byte[] data() {
			return new byte[0];
		}

		@Override
		public Instant expiresAt() {
			return Instant.now().plusSeconds(60);
		}

		@Override
		public Mono<CollaborationSession> accept(String message, Integer extendedCode) {
			return Mono.error(new UnsupportedOperationException("the prompt only asks"));
		}

		@Override
		public Mono<Void> decline(String message, Integer extendedCode) {
			return Mono.error(new UnsupportedOperationException("the prompt only asks"));
		}

		@Override
		public Mono<InvitationState> outcome() {
			return Mono.never();
		}
	}

	@Test
	void aYesAcceptsAndAnythingElseOrTheEndOfInputDeclines() {
		ByteArrayOutputStream printed = new ByteArrayOutputStream();
		ConsentHook hook = ConsentHook.prompt(new BufferedReader(new StringReader("y\n YES \nno\n\n")),
				new PrintStream(printed, true, StandardCharsets.UTF_8));
		Invitation inv = new Pending("Bob", "a round?", InvitationState.PENDING);
		for (boolean expected : new boolean[] { true, true, false, false, false }) {
			StepVerifier.create(hook.ask(inv)).expectNext(expected).verifyComplete();
		}
		String text = printed.toString(StandardCharsets.UTF_8);
		assertThat(text).contains("Bob (" + PeerName.unsecured("inviter")
				+ ") invites you into 'Game': 'a round?'. Start /opt/game/bin/game? [y/N]");
		assertThat(text.split("\\[y/N\\]", -1)).as("one question per invitation").hasSize(6);
	}

	@Test
	void whatCameFromTheNetworkCannotRewriteTheTerminal() {
		ByteArrayOutputStream printed = new ByteArrayOutputStream();
		ConsentHook hook = ConsentHook.prompt(new BufferedReader(new StringReader("n\n")),
				new PrintStream(printed, true, StandardCharsets.UTF_8));
		StepVerifier.create(hook.ask(new Pending("Eve\u001b[2J\u202e", "line\nbreak\u001b]0;title\u0007",
				InvitationState.PENDING))).expectNext(false).verifyComplete();
		String text = printed.toString(StandardCharsets.UTF_8);
		assertThat(text).doesNotContain("\u001b", "\u202e", "\u0007", "line\nbreak");
		assertThat(text).contains("Eve?[2J?");
	}

	@Test
	void anInvitationThatEndedWhileTheQuestionWaitedIsNotAccepted() {
		ByteArrayOutputStream printed = new ByteArrayOutputStream();
		ConsentHook hook = ConsentHook.prompt(new BufferedReader(new StringReader("y\n")),
				new PrintStream(printed, true, StandardCharsets.UTF_8));
		StepVerifier.create(hook.ask(new Pending("Bob", "", InvitationState.WITHDRAWN))).expectNext(false)
				.verifyComplete();
		assertThat(printed.toString(StandardCharsets.UTF_8)).contains("ended meanwhile (WITHDRAWN)");
	}
}
