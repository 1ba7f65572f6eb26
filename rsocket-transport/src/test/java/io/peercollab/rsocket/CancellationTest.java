// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket;

import java.time.Duration;
import java.util.UUID;

import io.peercollab.PeerApplication;
import io.peercollab.PeerScope;
import io.peercollab.identity.KeyType;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.spi.InviteReply;
import io.peercollab.spi.InviteRequest;
import io.peercollab.spi.PeerConnection;
import io.peercollab.spi.TransportBinding;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

/**
 * Cancelling a request on the client cancels the remote handler's subscription: a withdrawn invitation stops waiting.
 */
class CancellationTest {

	private TransportBinding server;
	private TransportBinding client;

	@AfterEach
	void stop() {
		TestPeers.dispose(client, server);
	}

	@Test
	void cancellingAnInvitationCancelsTheHandlersMono() {
		PeerIdentity bob = TestPeers.identity("bob", KeyType.ED25519);
		Sinks.One<Boolean> subscribed = Sinks.one();
		Sinks.One<Boolean> cancelled = Sinks.one();
		RecordingHandler handler = new RecordingHandler();
		handler.invite = r -> Mono.<InviteReply>never()
				.doOnSubscribe(s -> subscribed.tryEmitValue(true))
				.doOnCancel(() -> cancelled.tryEmitValue(true));
		server = TestPeers.bind(TestPeers.loopback(), bob, handler);
		client = TestPeers.bind(TestPeers.loopback(), TestPeers.identity("alice", KeyType.ED25519),
				new RecordingHandler());
		PeerConnection connection = TestPeers.connect(client, server, bob);

		Disposable invitation = connection.invite(new InviteRequest(UUID.randomUUID(), UUID.randomUUID(), "Alice",
				PeerApplication.of(UUID.randomUUID(), "Chess", PeerScope.NEAR_ME), "a game?", null,
				Duration.ofMinutes(1))).subscribe();
		StepVerifier.create(subscribed.asMono()).expectNext(true).verifyComplete();

		invitation.dispose();

		StepVerifier.create(cancelled.asMono()).expectNext(true).verifyComplete();
	}
}
