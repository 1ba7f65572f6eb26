// SPDX-License-Identifier: Apache-2.0
package io.peercollab.dht;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.peercollab.PayloadTooLargeException;
import io.peercollab.PeerEndPoint;
import io.peercollab.PeerIdentityException;
import io.peercollab.PeerUnreachableException;
import io.peercollab.contact.PeerContact;
import io.peercollab.identity.KeyType;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.spi.EndpointRecord;
import io.peercollab.spi.EndpointSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/**
 * {@link MainlineDht} against a private 16-node Mainline DHT ({@link DhtTestNetwork}); skipped outside a
 * loopback-only network namespace.
 */
@Tag("slow")
@Timeout(60)
class MainlineDhtNetworkTest {

	private static final Duration WAIT = Duration.ofSeconds(15);

	@RegisterExtension
	static final DhtTestNetwork.PerClass DHT = new DhtTestNetwork.PerClass(16);

	private MainlineDht publisher;

	private MainlineDht resolver;

	/**
	 * A publisher and a resolver of their own for each test, each on a fresh address: a node drops requests from an
	 * address that sent it more than 10 in a burst (mldht's throttle), which one publisher shared by every test of
	 * this class can reach on a 16-node DHT.network().
	 */
	@BeforeEach
	void startEndpoints() {
		publisher = dht(DHT.network().newAddress());
		resolver = dht(DHT.network().newAddress());
		StepVerifier.create(publisher.start().and(resolver.start())).expectComplete().verify(WAIT);
	}

	@AfterEach
	void stopEndpoints() {
		if (publisher == null) {
			return;
		}
		publisher.close().and(resolver.close()).block(WAIT);
	}

	private static MainlineDht dht(InetAddress address) {
		return MainlineDht.builder()
				.bindAddress(address)
				.bootstrapNodes(DHT.network().bootstrap())
				.lookupTimeout(Duration.ofSeconds(5))
				.lookupGrace(Duration.ofMillis(200))
				.build();
	}

	private static PeerContact contactOf(PeerIdentity identity) {
		return PeerContact.of(identity.name(), "contact", identity.certificate());
	}

	private static PeerEndPoint endPoint(String ip, int port) throws Exception {
		return PeerEndPoint.of(new InetSocketAddress(InetAddress.getByName(ip), port));
	}

	@Test
	void publishedEndpointsResolveWithSourceDht() throws Exception {
		PeerIdentity alice = PeerIdentity.generate("alice", KeyType.ED25519);
		List<PeerEndPoint> endPoints = List.of(endPoint("203.0.113.7", 4711), endPoint("2001:db8::7", 4712));

		StepVerifier.create(publisher.publish(alice, endPoints)).expectComplete().verify(WAIT);

		List<EndpointRecord> records = resolver.resolve(contactOf(alice)).collectList().block(WAIT);
		assertThat(records).extracting(EndpointRecord::endPoint).containsExactlyElementsOf(endPoints);
		assertThat(records).allSatisfy(r -> {
			assertThat(r.source()).isEqualTo(EndpointSource.DHT);
			assertThat(r.timeToLive()).isPositive().isLessThanOrEqualTo(Duration.ofHours(1));
		});
	}

	@Test
	void republishedEndpointReplacesTheOldOne() throws Exception {
		PeerIdentity bob = PeerIdentity.generate("bob", KeyType.ED25519);
		PeerEndPoint first = endPoint("203.0.113.20", 5000);
		PeerEndPoint second = endPoint("203.0.113.21", 5001);

		StepVerifier.create(publisher.publish(bob, List.of(first))).expectComplete().verify(WAIT);
		StepVerifier.create(resolver.resolve(contactOf(bob)).map(EndpointRecord::endPoint))
				.expectNext(first)
				.expectComplete()
				.verify(WAIT);

		StepVerifier.create(publisher.publish(bob, List.of(second))).expectComplete().verify(WAIT);
		StepVerifier.create(resolver.resolve(contactOf(bob)).map(EndpointRecord::endPoint))
				.expectNext(second)
				.expectComplete()
				.verify(WAIT);
	}

	@Test
	void recordSignedByAnotherKeyIsRejected() throws Exception {
		PeerIdentity carol = PeerIdentity.generate("carol", KeyType.ED25519);
		PeerIdentity mallory = PeerIdentity.generate("mallory", KeyType.ED25519);
		byte[] carolKey = MutableItem.rawKey(carol.publicKey());
		byte[] packet = PkarrCodec.encode(carolKey, List.of(endPoint("203.0.113.66", 666)), Duration.ofHours(1));
		MutableItem signedByMallory = MutableItem.sign(mallory.privateKey(), carolKey, MutableItem.nowMicros(), packet);
		MutableItem forged = new MutableItem(carolKey, signedByMallory.seq(), signedByMallory.value(),
				signedByMallory.signature());

		// our own check, as if a node had answered it
		StepVerifier.create(resolver.resolveItems(carolKey, Flux.just(forged))).expectComplete().verify(WAIT);

		// and through the network: the storing nodes refuse it, so there is nothing to find
		MldhtNode raw = DHT.network().nodes().get(0);
		MldhtNode.Tokens tokens = raw.tokens(carolKey, Duration.ofMillis(200), WAIT).block(WAIT);
		assertThat(tokens).isNotNull();
		assertThat(raw.put(tokens, forged, tokens.tokens().size(), Duration.ofSeconds(1), Duration.ofSeconds(3)).block(WAIT)).isZero();
		StepVerifier.create(resolver.resolve(contactOf(carol))).expectComplete().verify(WAIT);
	}

	@Test
	void staleRecordIsRejected() throws Exception {
		PeerIdentity dave = PeerIdentity.generate("dave", KeyType.ED25519);
		byte[] daveKey = MutableItem.rawKey(dave.publicKey());
		long earlier = MutableItem.nowMicros();
		MutableItem old = MutableItem.sign(dave.privateKey(), daveKey, earlier,
				PkarrCodec.encode(daveKey, List.of(endPoint("203.0.113.1", 1111)), Duration.ofHours(1)));

		PeerEndPoint current = endPoint("203.0.113.2", 2222);
		StepVerifier.create(publisher.publish(dave, List.of(current))).expectComplete().verify(WAIT);
		StepVerifier.create(resolver.resolve(contactOf(dave)).map(EndpointRecord::endPoint))
				.expectNext(current)
				.expectComplete()
				.verify(WAIT);

		assertThat(old.verify()).isTrue();
		StepVerifier.create(resolver.resolveItems(daveKey, Flux.just(old))).expectComplete().verify(WAIT);
	}

	@Test
	void oversizedRecordIsRefusedBeforePublishing() throws Exception {
		PeerIdentity erin = PeerIdentity.generate("erin", KeyType.ED25519);
		List<PeerEndPoint> many = new ArrayList<>();
		for (int i = 0; i < 24; i++) {
			many.add(endPoint("2001:db8::" + Integer.toHexString(i + 1), 40000 + i));
		}
		MainlineDht unstarted = dht(InetAddress.getByName("198.51.100.254"));

		StepVerifier.create(unstarted.publish(erin, many))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(PayloadTooLargeException.class)
						.hasMessageContaining("limit of 999 bytes")
						.hasMessageMatching("(?s).* is a \\d{4}-byte DNS packet \\(\\d{4} bytes bencoded\\).*"))
				.verify(WAIT);
		assertThatThrownBy(unstarted::localAddress).isInstanceOf(IllegalStateException.class);
	}

	@Test
	void emptyEndpointListSignsOut() throws Exception {
		PeerIdentity frank = PeerIdentity.generate("frank", KeyType.ED25519);
		StepVerifier.create(publisher.publish(frank, List.of(endPoint("203.0.113.9", 9999))))
				.expectComplete()
				.verify(WAIT);
		StepVerifier.create(publisher.publish(frank, List.of())).expectComplete().verify(WAIT);

		StepVerifier.create(resolver.resolve(contactOf(frank))).expectComplete().verify(WAIT);
	}

	@Test
	void ecP256IdentitiesHaveNoRecord() {
		PeerIdentity grace = PeerIdentity.generate("grace", KeyType.EC_P256);

		StepVerifier.create(resolver.resolve(contactOf(grace))).expectComplete().verify(WAIT);
		StepVerifier.create(publisher.publish(grace, List.of()))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(PeerIdentityException.class)
						.hasMessageContaining("cards and last-seen endpoints only"))
				.verify(WAIT);
	}

	@Test
	void closeReleasesTheNode() throws Exception {
		MainlineDht dht = dht(DHT.network().newAddress());
		StepVerifier.create(dht.start()).expectComplete().verify(WAIT);
		InetSocketAddress bound = dht.localAddress();
		assertThat(bound.getPort()).isPositive();

		StepVerifier.create(dht.close()).expectComplete().verify(WAIT);

		try (DatagramSocket again = new DatagramSocket(bound)) {
			assertThat(again.getLocalPort()).isEqualTo(bound.getPort());
		}
		assertThatThrownBy(dht::localAddress).isInstanceOf(IllegalStateException.class);
		StepVerifier.create(dht.resolve(contactOf(PeerIdentity.generate("henry", KeyType.ED25519))))
				.expectComplete()
				.verify(WAIT);
		StepVerifier.create(dht.publish(PeerIdentity.generate("ivy", KeyType.ED25519), List.of()))
				.expectError(PeerUnreachableException.class)
				.verify(WAIT);
	}
}
