// SPDX-License-Identifier: Apache-2.0
package io.peercollab.dht;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.peercollab.PeerEndPoint;
import io.peercollab.contact.PeerContact;
import io.peercollab.identity.KeyType;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.spi.EndpointRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/**
 * {@link MainlineDht} on 127.0.0.1 against three nodes that answer as webtorrent's {@code bittorrent-dht} does (a
 * stored value comes without {@code nodes}), and one that never answers: what failed on the embedded mldht engine
 * (every publish after the first, slow misses) works here.
 */
@Timeout(30)
class MainlineDhtForeignNodeTest {

	private static final Duration WAIT = Duration.ofSeconds(5);

	private final List<FakeKrpcNode> nodes = new ArrayList<>();

	private final List<MainlineDht> dhts = new ArrayList<>();

	@BeforeEach
	void startNodes() throws Exception {
		for (int i = 0; i < 3; i++) {
			nodes.add(FakeKrpcNode.answering());
		}
		nodes.add(FakeKrpcNode.silent());
		for (FakeKrpcNode node : nodes) {
			node.neighbours(nodes.stream().filter(n -> n != node).map(FakeKrpcNode::node).toList());
		}
	}

	@AfterEach
	void stop() {
		Flux.fromIterable(dhts).flatMap(MainlineDht::close).then().block(WAIT);
		nodes.forEach(FakeKrpcNode::close);
	}

	private MainlineDht dht() {
		MainlineDht dht = MainlineDht.builder()
				.bindAddress(InetAddress.getLoopbackAddress())
				.bootstrapNodes(List.of(nodes.get(0).address()))
				.lookupTimeout(Duration.ofSeconds(3))
				.lookupGrace(Duration.ofMillis(200))
				.build();
		dhts.add(dht);
		return dht;
	}

	private static PeerContact contactOf(PeerIdentity identity) {
		return PeerContact.of(identity.name(), "contact", identity.certificate());
	}

	@Test
	void publishUpdateAndSignOutAllSucceed() {
		MainlineDht publisher = dht();
		MainlineDht resolver = dht();
		PeerIdentity alice = PeerIdentity.generate("alice", KeyType.ED25519);
		PeerEndPoint first = PeerEndPoint.of(new InetSocketAddress("203.0.113.10", 4000));
		PeerEndPoint second = PeerEndPoint.of(new InetSocketAddress("203.0.113.11", 4001));
		byte[] raw = MutableItem.rawKey(alice.publicKey());

		StepVerifier.create(publisher.publish(alice, List.of(first))).expectComplete().verify(WAIT);
		StepVerifier.create(resolver.resolve(contactOf(alice)).map(EndpointRecord::endPoint))
				.expectNext(first).expectComplete().verify(WAIT);

		// the nodes now answer with the value and no nodes: their tokens must still serve the update
		StepVerifier.create(publisher.publish(alice, List.of(second))).expectComplete().verify(WAIT);
		StepVerifier.create(resolver.resolve(contactOf(alice)).map(EndpointRecord::endPoint))
				.expectNext(second).expectComplete().verify(WAIT);

		StepVerifier.create(publisher.publish(alice, List.of())).expectComplete().verify(WAIT);
		StepVerifier.create(resolver.resolve(contactOf(alice))).expectComplete().verify(WAIT);
		long last = nodes.get(0).stored(raw).seq();
		assertThat(nodes.subList(0, 3)).allSatisfy(n -> assertThat(n.stored(raw).seq()).isEqualTo(last));
	}

	@Test
	void aMissEndsWithinTheRequestTimeoutOfTheNodeThatNeverAnswers() {
		MainlineDht resolver = dht();
		StepVerifier.create(resolver.start()).expectComplete().verify(WAIT);
		PeerIdentity nobody = PeerIdentity.generate("nobody", KeyType.ED25519);

		long started = System.nanoTime();
		StepVerifier.create(resolver.resolve(contactOf(nobody))).expectComplete().verify(WAIT);
		assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
		assertThat(nodes.get(3).queries()).isNotEmpty();
	}
}
