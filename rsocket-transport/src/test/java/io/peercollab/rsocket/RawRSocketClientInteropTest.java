// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.peercollab.InvitationStatus;
import io.peercollab.identity.KeyType;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.spi.InviteReply;
import io.peercollab.spi.InviteRequest;
import io.peercollab.spi.TransportBinding;
import io.rsocket.Payload;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * PROTOCOL.md is enough to talk to a PeerCollab peer: a client made of stock rsocket-java, Netty TLS and a plain
 * Jackson CBOR mapper ({@link RawClient}; none of PeerCollab's classes, only {@link PeerIdentity} to make its
 * certificate) pins the server by the documented name rule, invites it and reads the reply.
 */
class RawRSocketClientInteropTest {

	private TransportBinding server;

	@AfterEach
	void stop() {
		TestPeers.dispose(server);
	}

	@Test
	void theNameRuleHoldsForClassifiersThatX500WouldEscape() throws Exception {
		PeerIdentity bob = TestPeers.identity("bob+laptop,2", KeyType.ED25519);
		PeerIdentity alice = TestPeers.identity("o'neil=\\\"x\\\"", KeyType.EC_P256);
		RecordingHandler handler = new RecordingHandler();
		server = TestPeers.bind(TestPeers.loopback(), bob, handler);

		try (RawClient raw = RawClient.connect(server.address(), alice.privateKey(), alice.certificate())
				.block(TestPeers.TIMEOUT)) {
			assertThat(bob.name().classifier()).isEqualTo("bob+laptop,2");
			assertThat(raw.serverName()).isEqualTo(bob.name().toString());
			raw.rsocket.requestResponse(RawClient.payload("peercollab.v1.presence", Map.of()))
					.map(RawClient::map).block(TestPeers.TIMEOUT);
		}
		assertThat(handler.calls.get(0).caller()).isEqualTo(alice.name());
		assertThat(alice.name().classifier()).isEqualTo("o'neil=\\\"x\\\"");
	}

	@ParameterizedTest
	@EnumSource(KeyType.class)
	void aStockRSocketClientInvitesAndReadsTheReply(KeyType keyType) throws Exception {
		PeerIdentity bob = TestPeers.identity("bob", keyType);
		PeerIdentity alice = TestPeers.identity("alice", keyType);
		RecordingHandler handler = new RecordingHandler();
		handler.invite = r -> Mono.just(new InviteReply(InvitationStatus.ACCEPTED, "see you on the board"));
		server = TestPeers.bind(TestPeers.loopback(), bob, handler);

		try (RawClient raw = RawClient.connect(server.address(), alice.privateKey(), alice.certificate())
				.block(TestPeers.TIMEOUT)) {
			assertThat(raw.serverName()).isEqualTo(bob.name().toString());

			UUID invitationId = UUID.randomUUID();
			UUID sessionId = UUID.randomUUID();
			UUID applicationId = UUID.randomUUID();
			Map<String, Object> invitation = new HashMap<>();
			invitation.put("invitationId", invitationId.toString());
			invitation.put("sessionId", sessionId.toString());
			invitation.put("senderNickname", "Alice");
			invitation.put("application", Map.of("id", applicationId.toString(), "description", "Whiteboard",
					"data", new byte[] { 7 }, "scope", "NEAR_ME"));
			invitation.put("message", "join me?");
			invitation.put("data", new byte[] { 1, 2, 3 });
			invitation.put("expiryMillis", 30_000L);

			Map<String, Object> reply = raw.rsocket.requestResponse(RawClient.payload("peercollab.v1.invite",
					invitation)).map(RawClient::map).block(TestPeers.TIMEOUT);

			assertThat(reply).containsEntry("status", "ACCEPTED").containsEntry("message", "see you on the board");
			InviteRequest received = (InviteRequest) handler.calls.get(0).argument();
			assertThat(handler.calls.get(0).caller()).isEqualTo(alice.name());
			assertThat(received.invitationId()).isEqualTo(invitationId);
			assertThat(received.sessionId()).isEqualTo(sessionId);
			assertThat(received.application().id()).isEqualTo(applicationId);
			assertThat(received.application().data()).containsExactly(7);
			assertThat(received.data()).containsExactly(1, 2, 3);
			assertThat(received.expiry()).isEqualTo(Duration.ofSeconds(30));

			Flux<Payload> channel = Flux.just(
					RawClient.payload("peercollab.v1.session", Map.of("invitationId", invitationId.toString(),
							"sessionId", sessionId.toString(), "applicationId", applicationId.toString())),
					RawClient.withoutMetadata(RawClient.CBOR.writeValueAsBytes(Map.of("data", new byte[] { 42 }))));
			StepVerifier.create(raw.rsocket.requestChannel(channel).map(RawClient::map))
					.assertNext(frame -> {
						assertThat(frame).containsEntry("origin", alice.name().toString());
						assertThat((byte[]) frame.get("data")).containsExactly(42);
					})
					.verifyComplete();

			List<Map<String, Object>> events = raw.rsocket.requestStream(RawClient.payload("peercollab.v1.events",
					Map.of("afterVersion", 4))).map(RawClient::map).collectList().block(TestPeers.TIMEOUT);
			assertThat(events).hasSize(2);
			assertThat(events.get(0)).containsEntry("kind", "presence").containsEntry("type", "ADDED")
					.containsEntry("version", 5)
					.containsEntry("presence", Map.of("status", "BUSY", "text", "in a meeting"));
			assertThat(events.get(1)).containsOnly(Map.entry("kind", "synced"), Map.entry("version", 5));
		}
	}
}
