// SPDX-License-Identifier: Apache-2.0
package io.peercollab.dht;

import static io.peercollab.dht.ForeignDhtNodes.Implementation.BITTORRENT_DHT;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.peercollab.PeerEndPoint;
import io.peercollab.contact.PeerContact;
import io.peercollab.identity.KeyType;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.spi.EndpointRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/**
 * {@link MainlineDht} on a Mainline DHT made only of another implementation's nodes (webtorrent's
 * {@code bittorrent-dht}, {@link ForeignDhtNodes}): every record is held by foreign nodes only, which answer a get
 * that finds a value with the value and a token but without {@code nodes}, as that implementation does on the real
 * network. Skipped, with the reason, where the foreign nodes cannot run; failed instead under {@code .ci/run}.
 */
@Tag("slow")
@Timeout(120)
class ForeignDhtNetworkTest {

	private static final Duration WAIT = Duration.ofSeconds(20);

	/** How late the slowed nodes answer: more than the old 500 ms grace, less than the 1 s request timeout. */
	private static final Duration SLOW_ANSWER = Duration.ofMillis(700);

	private static ForeignDhtNodes foreign;

	private MainlineDht publisher;

	private MainlineDht resolver;

	@BeforeAll
	static void startForeignNodes() {
		if (ForeignDhtNodes.unavailableReason(BITTORRENT_DHT) == null) {
			foreign = ForeignDhtNodes.start(BITTORRENT_DHT, 8);
		}
	}

	@AfterAll
	static void stopForeignNodes() {
		if (foreign != null) {
			foreign.close();
		}
	}

	@BeforeEach
	void startEndpoints() {
		ForeignDhtNodes.assumeAvailable(BITTORRENT_DHT);
		publisher = dht(foreign.newAddress());
		resolver = dht(foreign.newAddress());
		StepVerifier.create(publisher.start().and(resolver.start())).expectComplete().verify(WAIT);
	}

	@AfterEach
	void stopEndpoints() {
		if (publisher != null) {
			publisher.close().and(resolver.close()).block(WAIT);
		}
	}

	/** The library's defaults but for the bootstrap: a miss must end long before the 15 s lookup bound. */
	private static MainlineDht dht(InetAddress address) {
		return MainlineDht.builder().bindAddress(address).bootstrapNodes(foreign.bootstrap()).build();
	}

	private static PeerContact contactOf(PeerIdentity identity) {
		return PeerContact.of(identity.name(), "contact", identity.certificate());
	}

	private static PeerEndPoint endPoint(String ip, int port) throws Exception {
		return PeerEndPoint.of(new InetSocketAddress(InetAddress.getByName(ip), port));
	}

	private List<PeerEndPoint> resolved(PeerIdentity identity) {
		return resolver.resolve(contactOf(identity)).map(EndpointRecord::endPoint).collectList().block(WAIT);
	}

	@Test
	void aPublishedRecordIsHeldByForeignNodesAndVerifiedByThem() throws Exception {
		PeerIdentity alice = PeerIdentity.generate("alice", KeyType.ED25519);
		byte[] key = MutableItem.rawKey(alice.publicKey());
		List<PeerEndPoint> endPoints = List.of(endPoint("192.0.2.7", 4711), endPoint("2001:db8::7", 4712));

		StepVerifier.create(publisher.publish(alice, endPoints)).expectComplete().verify(WAIT);

		assertThat(foreign.held(key)).isNotEmpty();
		// a foreign node's own get, which checks the signature with Node's Ed25519
		Optional<MutableItem> read = foreign.get(0, key);
		assertThat(read).isPresent();
		assertThat(read.get().verify()).isTrue();
		assertThat(PkarrCodec.decode(key, read.get().valueBytes()).endPoints()).containsExactlyElementsOf(endPoints);
		assertThat(resolved(alice)).containsExactlyElementsOf(endPoints);
	}

	@Test
	void updateSignOutAndRepublishSucceedOnceForeignNodesHoldTheRecord() throws Exception {
		PeerIdentity bob = PeerIdentity.generate("bob", KeyType.ED25519);
		byte[] key = MutableItem.rawKey(bob.publicKey());
		PeerEndPoint first = endPoint("192.0.2.20", 5000);
		PeerEndPoint second = endPoint("192.0.2.21", 5001);

		StepVerifier.create(publisher.publish(bob, List.of(first))).expectComplete().verify(WAIT);
		long firstSeq = highest(foreign.held(key));
		assertThat(resolved(bob)).containsExactly(first);

		// every later publish finds the foreign nodes' tokens in replies that carry a value and no nodes
		StepVerifier.create(publisher.publish(bob, List.of(second))).expectComplete().verify(WAIT);
		long secondSeq = highest(foreign.held(key));
		assertThat(secondSeq).isGreaterThan(firstSeq);
		assertThat(resolved(bob)).containsExactly(second);

		StepVerifier.create(publisher.publish(bob, List.of())).expectComplete().verify(WAIT);
		assertThat(highest(foreign.held(key))).isGreaterThan(secondSeq);
		assertThat(resolved(bob)).isEmpty();

		StepVerifier.create(publisher.publish(bob, List.of(first))).expectComplete().verify(WAIT);
		assertThat(resolved(bob)).containsExactly(first);
	}

	@Test
	void twoDevicesOfOneIdentityAreBothFoundAndOneThatSignsOutLeavesTheOther() throws Exception {
		PeerIdentity dana = PeerIdentity.generate("dana", KeyType.ED25519);
		byte[] key = MutableItem.rawKey(dana.publicKey());
		PeerEndPoint onLaptop = endPoint("192.0.2.40", 7000);
		PeerEndPoint onPhone = endPoint("2001:db8::41", 7001);
		MainlineDht phone = MainlineDht.builder().bindAddress(foreign.newAddress()).bootstrapNodes(foreign.bootstrap())
				.deviceId("phone").build();
		try {
			StepVerifier.create(publisher.publish(dana, List.of(onLaptop))).expectComplete().verify(WAIT);
			// the phone reads the laptop's record and swaps it (BEP 44 cas, checked by the foreign nodes)
			StepVerifier.create(phone.publish(dana, List.of(onPhone))).expectComplete().verify(WAIT);
			assertThat(resolved(dana)).containsExactlyInAnyOrder(onLaptop, onPhone);
			Optional<MutableItem> read = foreign.get(0, key);
			assertThat(read).isPresent();
			assertThat(PkarrCodec.decode(key, read.get().valueBytes()).devices())
					.extracting(PkarrCodec.Device::id).containsExactly("phone", publisher.deviceId());

			StepVerifier.create(publisher.publish(dana, List.of())).expectComplete().verify(WAIT);
			assertThat(resolved(dana)).containsExactly(onPhone);
		}
		finally {
			phone.close().block(WAIT);
		}
	}

	@Test
	void aMissEndsOnceTheClosestNodesHaveAnsweredNotAtTheLookupBound() {
		PeerIdentity nobody = PeerIdentity.generate("nobody", KeyType.ED25519);

		// the lookup bound is 15 s; 8 nodes that all answer at once leave nothing to wait for
		StepVerifier.create(resolver.resolve(contactOf(nobody))).expectComplete().verify(Duration.ofSeconds(2));
	}

	@Test
	void aMissEndsInUnderTwoSecondsAlthoughTheForeignNodesNameDeadNodes() {
		// bittorrent-dht puts every node that queried it in its table, read-only or not: endpoints that looked
		// something up and went away stay there, and are named in replies as closest to the target
		Flux.range(0, 16)
				.flatMap(i -> {
					MainlineDht gone = dht(foreign.newAddress());
					PeerIdentity someone = PeerIdentity.generate("gone" + i, KeyType.ED25519);
					return gone.resolve(contactOf(someone)).then(gone.close());
				}, 16)
				.blockLast(WAIT);
		PeerIdentity nobody = PeerIdentity.generate("nobody", KeyType.ED25519);

		StepVerifier.create(resolver.resolve(contactOf(nobody))).expectComplete().verify(Duration.ofSeconds(2));
	}

	@Test
	void aRecordPublishedByAForeignNodeResolves() throws Exception {
		PeerIdentity carol = PeerIdentity.generate("carol", KeyType.ED25519);
		byte[] key = MutableItem.rawKey(carol.publicKey());
		PeerEndPoint endPoint = endPoint("192.0.2.30", 6000);
		MutableItem item = MutableItem.sign(carol.privateKey(), key, MutableItem.nowMicros(),
				PkarrCodec.encode(key, List.of(endPoint), Duration.ofHours(1)));

		assertThat(foreign.put(3, item)).isPositive();

		assertThat(resolved(carol)).containsExactly(endPoint);
	}

	@Test
	void aForgedRecordHeldBySomeNodesLosesToTheValidOneHeldByOthers() throws Exception {
		PeerIdentity dave = PeerIdentity.generate("dave", KeyType.ED25519);
		PeerIdentity mallory = PeerIdentity.generate("mallory", KeyType.ED25519);
		byte[] key = MutableItem.rawKey(dave.publicKey());
		PeerEndPoint real = endPoint("192.0.2.40", 7000);
		StepVerifier.create(publisher.publish(dave, List.of(real))).expectComplete().verify(WAIT);

		// a newer record for dave's key, signed by mallory, in half of the nodes (which did not check it)
		MutableItem byMallory = MutableItem.sign(mallory.privateKey(), key, MutableItem.nowMicros() + 60_000_000L,
				PkarrCodec.encode(key, List.of(endPoint("192.0.2.66", 666)), Duration.ofHours(1)));
		for (int node = 0; node < 4; node++) {
			foreign.plant(node, byMallory);
		}

		assertThat(resolved(dave)).containsExactly(real);
	}

	@Test
	void aStaleRecordHeldBySomeNodesLosesToTheNewerOneHeldByOthers() throws Exception {
		PeerIdentity erin = PeerIdentity.generate("erin", KeyType.ED25519);
		PeerEndPoint current = endPoint("192.0.2.51", 8001);
		publishThenStaleInHalf(erin, endPoint("192.0.2.50", 8000), current);

		assertThat(resolved(erin)).containsExactly(current);
	}

	/**
	 * The race of the test above, made to happen: the nodes that hold the newer record answer well after the others
	 * (past the slow threshold of a lookup and past the 500 ms a resolve once waited after its first valid record,
	 * within the 1 s a request waits). The resolve waits for them: a record found, it waits for the closest nodes.
	 */
	@Test
	void aStaleRecordHeldByFastNodesLosesToTheNewerOneHeldBySlowOnes() throws Exception {
		PeerIdentity frank = PeerIdentity.generate("frank", KeyType.ED25519);
		PeerEndPoint current = endPoint("192.0.2.61", 9001);
		publishThenStaleInHalf(frank, endPoint("192.0.2.60", 9000), current);
		try {
			for (int node = 4; node < 8; node++) {
				foreign.delay(node, SLOW_ANSWER);
			}

			assertThat(resolved(frank)).containsExactly(current);
		}
		finally {
			for (int node = 4; node < 8; node++) {
				foreign.delay(node, Duration.ZERO);
			}
		}
	}

	/**
	 * Publishes {@code who} at {@code current}; then puts an older, validly signed record (at {@code stale}, signed
	 * before the publish) back in half of the nodes, as if they had missed the update, and the newer one surely in the
	 * other half (a publish ends after 3 acknowledgements: which nodes hold it is not fixed).
	 */
	private void publishThenStaleInHalf(PeerIdentity who, PeerEndPoint stale, PeerEndPoint current) throws Exception {
		byte[] key = MutableItem.rawKey(who.publicKey());
		MutableItem old = MutableItem.sign(who.privateKey(), key, MutableItem.nowMicros() - 60_000_000L,
				PkarrCodec.encode(key, List.of(stale), Duration.ofHours(1)));
		StepVerifier.create(publisher.publish(who, List.of(current))).expectComplete().verify(WAIT);
		MutableItem newer = MutableItem.sign(who.privateKey(), key, MutableItem.nowMicros(),
				PkarrCodec.encode(key, List.of(current), Duration.ofHours(1)));
		for (int node = 0; node < 4; node++) {
			foreign.plant(node, old);
		}
		for (int node = 4; node < 8; node++) {
			foreign.plant(node, newer);
		}
	}

	private static long highest(Map<Integer, Long> held) {
		assertThat(held).as("foreign nodes holding the record").isNotEmpty();
		return held.values().stream().mapToLong(Long::longValue).max().orElseThrow();
	}
}
