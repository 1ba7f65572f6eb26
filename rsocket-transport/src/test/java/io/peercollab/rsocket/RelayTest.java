// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;

import io.peercollab.CollaborationContract;
import io.peercollab.CollaborationSession;
import io.peercollab.Invitation;
import io.peercollab.PeerAddress;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerEndPoint;
import io.peercollab.PeerScope;
import io.peercollab.RelayedAddress;
import io.peercollab.SessionMessage;
import io.peercollab.TcpAddress;
import io.peercollab.contact.PeerContact;
import io.peercollab.identity.KeyType;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.internal.nat.CoturnServer;
import io.peercollab.internal.nat.TurnException;
import io.peercollab.rsocket.internal.RSocketBinding;
import io.peercollab.spi.EndpointRecord;
import io.peercollab.spi.EndpointSource;
import io.peercollab.spi.PeerConnection;
import io.peercollab.spi.PeerTransport;
import io.peercollab.spi.SessionFrame;
import io.peercollab.spi.SessionOpen;
import io.peercollab.spi.TransportBinding;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * Connections through a real coturn's TCP relay (RFC 6062), inside a loopback-only network namespace: the same
 * mutual TLS, pinning and RSocket as a direct connection, end to end inside the relayed stream. A peer reaches the
 * relayed address with plain TCP (admitted by a configured permission), or through its own allocation with a Connect
 * (admitted because the relay permits its own address); an invitation and a session of 10,000 messages go through;
 * and a tap between a peer and the relay sees nothing but TLS records.
 */
@Tag("slow")
class RelayTest {

	private static final Duration WAIT = Duration.ofSeconds(20);

	private static final int MESSAGES = 10_000;

	private static final String MARKER = "plaintext-marker-";

	@Test
	void aBindingWithWrongTurnCredentialsFailsWithATypedError() {
		try (CoturnServer coturn = CoturnServer.start(false)) {
			RSocketPeerTransport transport = TestPeers.loopback()
					.turnServer(TurnServer.withPassword(coturn.primary(), CoturnServer.USER, "wrong"));
			StepVerifier.create(transport.bind(TestPeers.identity("alice", KeyType.ED25519), new RecordingHandler()))
					.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(TurnException.CredentialsRefused.class)
							.hasMessageContaining("401")
							.hasMessageContaining(CoturnServer.USER))
					.verify(WAIT);
		}
	}

	@Test
	void tenThousandSessionFramesEchoThroughEachOthersRelays() {
		try (CoturnServer coturn = CoturnServer.start(false, "--use-auth-secret", "--static-auth-secret=shared")) {
			TurnServer turn = TurnServer.withSharedSecret(coturn.primary(), "peer", "shared");
			PeerIdentity bob = TestPeers.identity("bob", KeyType.ED25519);
			TransportBinding server = TestPeers.bind(TestPeers.loopback().turnServer(turn), bob,
					new RecordingHandler());
			TransportBinding client = TestPeers.bind(TestPeers.loopback().turnServer(turn),
					TestPeers.identity("alice", KeyType.ED25519), new RecordingHandler());
			try {
				RelayedAddress relayed = ((RSocketBinding) server).relayedAddress().orElseThrow();
				assertThat(relayed.relay().address()).isEqualTo(coturn.primary().getAddress());

				long start = System.nanoTime();
				PeerConnection connection = client.connect(bob.name(), relayed).block(WAIT);
				System.out.printf("Connect through the relay (TURN Connect + ConnectionBind + TLS 1.3 + SETUP + "
						+ "hello) took %.1f ms%n", (System.nanoTime() - start) / 1e6);
				assertThat(connection.remote()).isEqualTo(bob.name());
				assertThat(connection.path()).isEqualTo(io.peercollab.ConnectionPath.RELAYED);
				assertThat(((RSocketBinding) client).turnClient().connects()).as("Connects through the relay")
						.isEqualTo(1);

				Flux<SessionFrame> outbound = Flux.range(0, MESSAGES)
						.map(i -> new SessionFrame(null, ByteBuffer.allocate(4).putInt(i).array()));
				start = System.nanoTime();
				StepVerifier.create(connection.session(new SessionOpen(UUID.randomUUID(), UUID.randomUUID(),
						UUID.randomUUID()), outbound).map(f -> ByteBuffer.wrap(f.data()).getInt()).limitRate(500))
						.expectNextSequence(IntStream.range(0, MESSAGES).boxed().toList())
						.expectComplete()
						.verify(WAIT);
				System.out.printf("%d session frames echoed through the relay in %.0f ms%n", MESSAGES,
						(System.nanoTime() - start) / 1e6);
			}
			finally {
				TestPeers.dispose(client, server);
			}
			// disposing deallocated: the relayed address is gone
			assertThat(((RSocketBinding) server).relayedAddress()).isEmpty();
		}
	}

	@Test
	void aLostAllocationIsReportedAndReplaced() {
		try (CoturnServer coturn = CoturnServer.start(false)) {
			TurnServer turn = TurnServer.withPassword(coturn.primary(), CoturnServer.USER, CoturnServer.PASSWORD);
			PeerIdentity bob = TestPeers.identity("bob", KeyType.ED25519);
			RSocketBinding server = (RSocketBinding) TestPeers.bind(TestPeers.loopback().turnServer(turn), bob,
					new RecordingHandler());
			TransportBinding client = TestPeers.bind(TestPeers.loopback(), TestPeers.identity("alice",
					KeyType.ED25519), new RecordingHandler());
			try {
				java.util.List<io.peercollab.Diagnostic> reports = new java.util.concurrent.CopyOnWriteArrayList<>();
				server.diagnostics().subscribe(reports::add);
				io.peercollab.internal.nat.TurnClient lost = server.turnClient();
				lost.dispose(); // as if the TURN server had closed the control connection
				StepVerifier.create(Flux.interval(Duration.ofMillis(20))
						.filter(t -> server.turnClient() != lost && server.relayedAddress().isPresent()).next())
						.expectNextCount(1)
						.verifyComplete();
				assertThat(reports).anySatisfy(d -> {
					assertThat(d.kind()).isEqualTo(io.peercollab.Diagnostic.Kind.of("relay.LOST"));
					assertThat(d.message()).contains("allocating again");
				});
				RelayedAddress renewed = server.relayedAddress().orElseThrow();
				assertThat(renewed.relay().socketAddress()).isNotEqualTo(lost.relayedAddress());
				// a peer without a relay of its own reaches the new relayed address with plain TCP
				PeerConnection plain = client.connect(bob.name(), renewed).block(WAIT);
				assertThat(plain.remote()).isEqualTo(bob.name());
				assertThat(plain.path()).as("the server says it came through its relay")
						.isEqualTo(io.peercollab.ConnectionPath.RELAYED);
			}
			finally {
				TestPeers.dispose(client, server);
			}
		}
	}

	@Test
	void aPeerDialsTheRelayedAddressAndTheRelayCarriesOnlyTlsRecords() throws Exception {
		try (CoturnServer coturn = CoturnServer.start(false)) {
			InetAddress tapAddress = coturn.newClientAddress();
			TurnServer turn = TurnServer.withPassword(coturn.primary(), CoturnServer.USER, CoturnServer.PASSWORD)
					.permit(tapAddress);
			AtomicReference<TransportBinding> aliceBinding = new AtomicReference<>();
			AtomicReference<PeerAddress> aliceAddress = new AtomicReference<>();
			PeerCollaboration alice = relayedInvitee(turn, aliceBinding);
			try {
				RelayedAddress relayed = ((RSocketBinding) aliceBinding.get()).relayedAddress().orElseThrow();
				try (TappingForwarder tap = new TappingForwarder(relayed.relay().socketAddress(), tapAddress)) {
					// Bob has no TURN server: he reaches the relayed address with plain TCP, through the tap
					aliceAddress.set(TcpAddress.of(tap.address()));
					PeerCollaboration bob = inviter(RSocketPeerTransport.tcp().host("127.0.0.1"), aliceAddress);
					try {
						inviteAndSend(bob, alice);
					}
					finally {
						bob.close().block(WAIT);
					}
					alice.close().block(WAIT);
					assertThat(tap.taps()).isNotEmpty();
					long records = 0;
					for (TappingForwarder.Tap t : tap.taps()) {
						records += assertTlsRecordsOnly(t.toTarget(), "Bob to the relay");
						records += assertTlsRecordsOnly(t.fromTarget(), "the relay to Bob");
					}
					System.out.printf("The relay carried %d TLS records for Bob, no plaintext%n", records);
					assertThat(records).isGreaterThan(MESSAGES / 100);
				}
			}
			finally {
				alice.close().block(WAIT);
			}
		}
	}

	@Test
	void aPeerWithItsOwnRelayDialsThroughAConnect() {
		try (CoturnServer coturn = CoturnServer.start(false)) {
			TurnServer turn = TurnServer.withPassword(coturn.primary(), CoturnServer.USER, CoturnServer.PASSWORD);
			AtomicReference<TransportBinding> aliceBinding = new AtomicReference<>();
			AtomicReference<PeerAddress> aliceAddress = new AtomicReference<>();
			PeerCollaboration alice = relayedInvitee(turn, aliceBinding);
			PeerCollaboration bob = null;
			try {
				aliceAddress.set(((RSocketBinding) aliceBinding.get()).relayedAddress().orElseThrow());
				AtomicReference<TransportBinding> bobBinding = new AtomicReference<>();
				PeerTransport bobs = RSocketPeerTransport.tcp().host("127.0.0.1").turnServer(turn);
				bob = inviter((identity, handler) -> bobs.bind(identity, handler).doOnNext(bobBinding::set),
						aliceAddress);
				inviteAndSend(bob, alice);
				assertThat(((RSocketBinding) bobBinding.get()).turnClient().connects())
						.as("Bob's connections opened with a Connect from his allocation").isPositive();
			}
			finally {
				if (bob != null) {
					bob.close().block(WAIT);
				}
				alice.close().block(WAIT);
			}
		}
	}

	/** Alice: relayed through {@code turn}, signed in to the Internet, takes invitations from her contact Bob. */
	private static PeerCollaboration relayedInvitee(TurnServer turn, AtomicReference<TransportBinding> binding) {
		PeerTransport relayed = RSocketPeerTransport.tcp().host("127.0.0.1").turnServer(turn);
		PeerTransport capturing = (identity, handler) -> relayed.bind(identity, handler).doOnNext(binding::set);
		PeerCollaboration alice = PeerCollaboration.builder().identity(TestPeers.identity("alice", KeyType.ED25519))
				.transport(capturing).build();
		PeerIdentity bob = TestPeers.identity("bob", KeyType.ED25519);
		alice.signIn(PeerScope.INTERNET)
				.then(alice.registerApplication(CollaborationContract.WHITEBOARD))
				.then(alice.contacts().add(PeerContact.of(bob.name(), "Bob", bob.certificate())))
				.block(WAIT);
		return alice;
	}

	/** Bob: finds Alice at {@code address} (as a DHT resolver would) and nowhere else. */
	private static PeerCollaboration inviter(PeerTransport transport, AtomicReference<PeerAddress> address) {
		PeerCollaboration bob = PeerCollaboration.builder().identity(TestPeers.identity("bob", KeyType.ED25519))
				.transport(transport)
				.nameResolver(name -> Flux.defer(() -> Flux.just(new EndpointRecord(PeerEndPoint.of(address.get()),
						EndpointSource.DHT, Duration.ZERO))))
				.build();
		bob.signIn(PeerScope.INTERNET).block(WAIT);
		return bob;
	}

	/** Bob invites Alice, she accepts, and Bob's session sends her 10,000 messages, each arriving once, in order. */
	private static void inviteAndSend(PeerCollaboration bob, PeerCollaboration alice) {
		PeerIdentity a = TestPeers.identity("alice", KeyType.ED25519);
		Mono<CollaborationSession> aliceSide = alice.invitations().next().flatMap(Invitation::accept).cache();
		aliceSide.subscribe(s -> { }, e -> { });
		long start = System.nanoTime();
		CollaborationSession host = bob.peer(PeerContact.of(a.name(), "Alice", a.certificate()))
				.invite(CollaborationContract.WHITEBOARD, "through the relay", null)
				.block(WAIT).session().orElseThrow();
		CollaborationSession member = aliceSide.block(WAIT);
		System.out.printf("Invitation through the relay (resolve, connect, invite, accept) took %.0f ms%n",
				(System.nanoTime() - start) / 1e6);

		start = System.nanoTime();
		host.send(Flux.range(0, MESSAGES).map(i -> (MARKER + i).getBytes(StandardCharsets.UTF_8))).subscribe();
		StepVerifier.create(member.receive().take(MESSAGES).map(SessionMessage::text).index())
				.thenConsumeWhile(t -> t.getT2().equals(MARKER + t.getT1()))
				.expectComplete()
				.verify(Duration.ofSeconds(60));
		System.out.printf("%d session messages through the relay in %.0f ms%n", MESSAGES,
				(System.nanoTime() - start) / 1e6);
		host.dispose();
		member.dispose();
	}

	/**
	 * Checks that a captured stream is a sequence of TLS records (content type 0x14 to 0x17, version 3.3, or 3.1 for
	 * the first ClientHello, length at most 2^14 + 256), with none of the plaintext sent through it.
	 *
	 * @return how many records it holds
	 */
	private static long assertTlsRecordsOnly(byte[] stream, String direction) {
		assertThat(new String(stream, StandardCharsets.ISO_8859_1))
				.as("plaintext from " + direction)
				.doesNotContain(MARKER)
				.doesNotContain("peercollab.v1");
		int at = 0;
		long records = 0;
		while (at < stream.length) {
			assertThat(stream.length - at).as("a whole record header from " + direction + " at " + at)
					.isGreaterThanOrEqualTo(5);
			int type = stream[at] & 0xFF;
			int version = ((stream[at + 1] & 0xFF) << 8) | (stream[at + 2] & 0xFF);
			int length = ((stream[at + 3] & 0xFF) << 8) | (stream[at + 4] & 0xFF);
			assertThat(type).as("TLS content type from " + direction + " at " + at).isBetween(0x14, 0x17);
			if (records == 0) {
				assertThat(version).as("record version from " + direction).isIn(0x0301, 0x0303);
			}
			else {
				assertThat(version).as("record version from " + direction + " at " + at).isEqualTo(0x0303);
			}
			assertThat(length).as("record length from " + direction + " at " + at).isLessThanOrEqualTo(16384 + 256);
			at += 5 + length;
			records++;
		}
		assertThat(at).as("the stream from " + direction + " ends at a record boundary").isEqualTo(stream.length);
		return records;
	}
}
