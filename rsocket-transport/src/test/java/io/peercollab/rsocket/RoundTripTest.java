// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.UUID;

import io.peercollab.ApplicationChange;
import io.peercollab.ChangeType;
import io.peercollab.InvitationStatus;
import io.peercollab.ObjectChange;
import io.peercollab.PeerEvent;
import io.peercollab.PresenceChange;
import io.peercollab.TcpAddress;
import io.peercollab.identity.KeyType;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.spi.InviteReply;
import io.peercollab.spi.InviteRequest;
import io.peercollab.spi.PeerConnection;
import io.peercollab.spi.SessionFrame;
import io.peercollab.spi.SessionOpen;
import io.peercollab.spi.TransportBinding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every route, end to end over TLS, with EC P-256 and with Ed25519 identities on both sides.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RoundTripTest {

	/** One server, client and connection per key type, shared by the tests of that key type. */
	private record Fixture(PeerIdentity serverIdentity, PeerIdentity clientIdentity, RecordingHandler handler,
			TransportBinding server, TransportBinding client, PeerConnection connection) {
	}

	private final Map<KeyType, Fixture> fixtures = new EnumMap<>(KeyType.class);

	private TransportBinding server;
	private RecordingHandler handler;
	private PeerIdentity serverIdentity;
	private PeerIdentity clientIdentity;
	private PeerConnection connection;

	private void start(KeyType keyType) {
		Fixture f = fixtures.computeIfAbsent(keyType, k -> {
			PeerIdentity bob = TestPeers.identity("bob", k);
			PeerIdentity alice = TestPeers.identity("alice", k);
			RecordingHandler h = new RecordingHandler();
			TransportBinding s = TestPeers.bind(TestPeers.loopback(), bob, h);
			TransportBinding c = TestPeers.bind(TestPeers.loopback(), alice, new RecordingHandler());
			long start = System.nanoTime();
			PeerConnection conn = TestPeers.connect(c, s, bob);
			System.out.printf("first connect (%s): %.1f ms%n", k, (System.nanoTime() - start) / 1e6);
			return new Fixture(bob, alice, h, s, c, conn);
		});
		f.handler().reset();
		serverIdentity = f.serverIdentity();
		clientIdentity = f.clientIdentity();
		handler = f.handler();
		server = f.server();
		connection = f.connection();
	}

	@AfterAll
	void stop() {
		fixtures.values().forEach(f -> TestPeers.dispose(f.client(), f.server()));
	}

	@ParameterizedTest
	@EnumSource(KeyType.class)
	void connectionProvesTheExpectedNameAndAddress(KeyType keyType) {
		start(keyType);
		assertThat(connection.remote()).isEqualTo(serverIdentity.name());
		assertThat(connection.remoteAddress()).isEqualTo(server.address());
		assertThat(((TcpAddress) server.address()).socketAddress().getAddress().getHostAddress()).isEqualTo("127.0.0.1");
	}

	@ParameterizedTest
	@EnumSource(KeyType.class)
	void invitationTravelsWithoutLaunchDetailsAndTheReplyComesBack(KeyType keyType) {
		start(keyType);
		InviteRequest request = new InviteRequest(UUID.randomUUID(), UUID.randomUUID(), "Alice",
				RecordingHandler.WHITEBOARD, "join me?", "hello".getBytes(StandardCharsets.UTF_8),
				Duration.ofSeconds(30));

		StepVerifier.create(connection.invite(request))
				.expectNext(new InviteReply(InvitationStatus.ACCEPTED, "welcome, Alice"))
				.verifyComplete();

		InviteRequest received = (InviteRequest) handler.calls.get(0).argument();
		assertThat(received.invitationId()).isEqualTo(request.invitationId());
		assertThat(received.sessionId()).isEqualTo(request.sessionId());
		assertThat(received.senderNickname()).isEqualTo("Alice");
		assertThat(received.message()).isEqualTo("join me?");
		assertThat(received.data()).isEqualTo("hello".getBytes(StandardCharsets.UTF_8));
		assertThat(received.expiry()).isEqualTo(Duration.ofSeconds(30));
		assertThat(received.application()).isEqualTo(RecordingHandler.WHITEBOARD.withoutLaunchDetails());
		assertThat(received.application().path()).isEmpty();
		assertThat(received.application().arguments()).isEmpty();
	}

	@ParameterizedTest
	@EnumSource(KeyType.class)
	void presenceAndCardRoundTrip(KeyType keyType) {
		start(keyType);
		StepVerifier.create(connection.presence()).expectNext(RecordingHandler.PRESENCE).verifyComplete();
		StepVerifier.create(connection.card()).expectNext(RecordingHandler.CARD).verifyComplete();
	}

	@ParameterizedTest
	@EnumSource(KeyType.class)
	void applicationsAndObjectsStream(KeyType keyType) {
		start(keyType);
		StepVerifier.create(connection.applications())
				.expectNext(RecordingHandler.WHITEBOARD.withoutLaunchDetails())
				.verifyComplete();
		StepVerifier.create(connection.objects()).expectNext(RecordingHandler.PICTURE).verifyComplete();
	}

	@ParameterizedTest
	@EnumSource(KeyType.class)
	void everyKindOfEventRoundTrips(KeyType keyType) {
		start(keyType);
		Flux<PeerEvent> events = Flux.just(new PresenceChange(ChangeType.ADDED, RecordingHandler.PRESENCE, 8),
				new ApplicationChange(ChangeType.UPDATED, RecordingHandler.WHITEBOARD.withoutLaunchDetails(), 9),
				new ObjectChange(ChangeType.REMOVED, RecordingHandler.PICTURE, 10), new PeerEvent.Synced(10));
		handler.events = after -> events;

		StepVerifier.create(connection.events(7))
				.expectNext(new PresenceChange(ChangeType.ADDED, RecordingHandler.PRESENCE, 8))
				.expectNext(new ApplicationChange(ChangeType.UPDATED,
						RecordingHandler.WHITEBOARD.withoutLaunchDetails(), 9))
				.expectNext(new ObjectChange(ChangeType.REMOVED, RecordingHandler.PICTURE, 10))
				.expectNext(new PeerEvent.Synced(10))
				.verifyComplete();
		assertThat(handler.calls.get(0).argument()).isEqualTo(7L);
	}

	@ParameterizedTest
	@EnumSource(KeyType.class)
	void sessionChannelCarriesTheOpeningAndFramesBothWays(KeyType keyType) {
		start(keyType);
		SessionOpen open = new SessionOpen(UUID.randomUUID(), UUID.randomUUID(), RecordingHandler.WHITEBOARD.id());
		Flux<SessionFrame> outbound = Flux.just(new SessionFrame(null, new byte[] { 1 }),
				new SessionFrame(serverIdentity.name(), new byte[] { 2, 2 }));

		StepVerifier.create(connection.session(open, outbound))
				.assertNext(f -> {
					assertThat(f.origin()).isEqualTo(clientIdentity.name());
					assertThat(f.data()).containsExactly(1);
				})
				.assertNext(f -> assertThat(f.data()).containsExactly(2, 2))
				.verifyComplete();
		assertThat(handler.calls.get(0).argument()).isEqualTo(open);
	}

	@ParameterizedTest
	@EnumSource(KeyType.class)
	void signedOutReachesTheHandler(KeyType keyType) {
		start(keyType);
		StepVerifier.create(connection.signedOut()).verifyComplete();
		StepVerifier.create(handler.signedOut.asFlux().next())
				.expectNext(clientIdentity.name())
				.verifyComplete();
	}

	@ParameterizedTest
	@EnumSource(KeyType.class)
	void handlerSeesTheCallersProvenNameOnEveryRoute(KeyType keyType) {
		start(keyType);
		connection.presence().block(TestPeers.TIMEOUT);
		connection.card().block(TestPeers.TIMEOUT);
		connection.applications().blockLast(TestPeers.TIMEOUT);
		connection.objects().blockLast(TestPeers.TIMEOUT);
		connection.events(-1).blockLast(TestPeers.TIMEOUT);
		connection.signedOut().block(TestPeers.TIMEOUT);
		handler.signedOut.asFlux().blockFirst(TestPeers.TIMEOUT);

		assertThat(handler.calls).hasSize(6)
				.allSatisfy(call -> assertThat(call.caller()).isEqualTo(clientIdentity.name()));
	}
}
