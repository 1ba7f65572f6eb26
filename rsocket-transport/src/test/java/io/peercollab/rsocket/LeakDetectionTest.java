// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.peercollab.InvalidRequestException;
import io.peercollab.LimitExceededException;
import io.peercollab.PeerApplication;
import io.peercollab.PeerScope;
import io.peercollab.identity.KeyType;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.spi.InviteReply;
import io.peercollab.spi.InviteRequest;
import io.peercollab.spi.PeerConnection;
import io.peercollab.spi.SessionFrame;
import io.peercollab.spi.SessionOpen;
import io.peercollab.spi.TransportBinding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * Every buffer is released exactly once: the main round trips, the error paths and a cancellation run with Netty's
 * leak detection at {@code PARANOID}, and any leak it reports fails the test.
 */
@Tag("slow")
class LeakDetectionTest {

	private static ResourceLeakDetector.Level previous;

	@BeforeAll
	static void paranoid() {
		previous = ResourceLeakDetector.getLevel();
		ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
	}

	@AfterAll
	static void restore() {
		ResourceLeakDetector.setLevel(previous);
	}

	@Test
	void theDetectorReportsADeliberateLeak() {
		ByteBuf leaked = ByteBufAllocator.DEFAULT.directBuffer(16);
		leaked.touch("deliberate leak");
		leaked = null;

		assertThat(LeakRecorder.installed).as("LeakRecorder installed through surefire's argLine").isTrue();
		assertThat(collectLeaks()).anySatisfy(leak -> assertThat(leak).contains("deliberate leak"));
	}

	@Test
	void mainRoundTripsAndErrorPathsLeakNothing() throws Exception {
		PeerIdentity bob = TestPeers.identity("bob", KeyType.ED25519);
		PeerIdentity alice = TestPeers.identity("alice", KeyType.EC_P256);
		RecordingHandler handler = new RecordingHandler();
		TransportBinding server = TestPeers.bind(TestPeers.loopback().maxPayloadSize(4096), bob, handler);
		TransportBinding client = TestPeers.bind(TestPeers.loopback(), alice, new RecordingHandler());
		try {
			PeerConnection connection = TestPeers.connect(client, server, bob);
			InviteRequest invite = new InviteRequest(UUID.randomUUID(), UUID.randomUUID(), "Alice",
					PeerApplication.of(UUID.randomUUID(), "Chess", PeerScope.ALL), "a game?", new byte[100],
					Duration.ofMinutes(1));
			for (int i = 0; i < 10; i++) {
				connection.invite(invite).block(TestPeers.TIMEOUT);
				connection.presence().block(TestPeers.TIMEOUT);
				connection.card().block(TestPeers.TIMEOUT);
				connection.applications().collectList().block(TestPeers.TIMEOUT);
				connection.objects().collectList().block(TestPeers.TIMEOUT);
				connection.events(-1).collectList().block(TestPeers.TIMEOUT);
				connection.signedOut().block(TestPeers.TIMEOUT);
				connection.session(new SessionOpen(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID()),
						Flux.range(0, 50).map(n -> new SessionFrame(null, new byte[] { n.byteValue() })))
						.collectList().block(TestPeers.TIMEOUT);
			}
			// errors from the handler, a cancelled invitation, a stream cancelled midway
			handler.card = Mono.error(new InvalidRequestException("no card"));
			StepVerifier.create(connection.card()).expectError(InvalidRequestException.class).verify();
			handler.invite = r -> Mono.<InviteReply>never();
			connection.invite(invite).subscribe().dispose();
			handler.objects = Flux.range(0, 1000).map(n -> RecordingHandler.PICTURE);
			StepVerifier.create(connection.objects().take(3)).expectNextCount(3).verifyComplete();
			// a channel refused by maxInboundStreamsPerConnection still releases its first payload
			PeerIdentity carol = TestPeers.identity("carol", KeyType.EC_P256);
			TransportBinding strict = TestPeers.bind(TestPeers.loopback().maxInboundStreamsPerConnection(1), carol,
					handler);
			try {
				PeerConnection toStrict = TestPeers.connect(client, strict, carol);
				handler.applications = Flux.never();
				Disposable holding = toStrict.applications().subscribe();
				for (int i = 0; i < 5; i++) {
					StepVerifier.create(toStrict.session(new SessionOpen(UUID.randomUUID(), UUID.randomUUID(),
							UUID.randomUUID()), Flux.just(new SessionFrame(null, new byte[10]))))
							.expectError(LimitExceededException.class)
							.verify();
				}
				holding.dispose();
			}
			finally {
				TestPeers.dispose(strict);
			}
			// hostile input
			try (RawClient raw = RawClient.connect(server.address(), alice.privateKey(), alice.certificate())
					.block(TestPeers.TIMEOUT)) {
				for (var bad : List.of(RawClient.payload("peercollab.v1.nope", Map.of()),
						RawClient.payload("peercollab.v1.invite", new byte[] { (byte) 0xff, 0x00 }),
						RawClient.withoutMetadata(new byte[] { 1, 2, 3 }),
						RawClient.payload("peercollab.v1.presence", Map.of("padding", new byte[5000])))) {
					StepVerifier.create(raw.rsocket.requestResponse(bad)).expectError().verify(TestPeers.TIMEOUT);
				}
				StepVerifier.create(raw.rsocket.requestStream(RawClient.payload("peercollab.v1.applications",
						new byte[6000]))).expectError().verify(TestPeers.TIMEOUT);
			}
		}
		finally {
			TestPeers.dispose(client, server);
		}

		assertThat(collectLeaks()).filteredOn(leak -> !leak.contains("deliberate leak")).isEmpty();
	}

	static List<String> collectLeaks() {
		return LeakRecorder.collectLeaks();
	}
}
