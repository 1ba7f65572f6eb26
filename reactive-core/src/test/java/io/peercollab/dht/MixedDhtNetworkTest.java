// SPDX-License-Identifier: Apache-2.0
package io.peercollab.dht;

import static io.peercollab.dht.ForeignDhtNodes.Implementation.BITTORRENT_DHT;
import static io.peercollab.dht.ForeignDhtNodes.Implementation.LIBTORRENT;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
import reactor.test.StepVerifier;

/**
 * {@link MainlineDht} on a Mainline DHT that mixes implementations as the real one does: mldht nodes
 * ({@link DhtTestNetwork}), webtorrent's {@code bittorrent-dht} and libtorrent-rasterbar ({@link ForeignDhtNodes}),
 * four of each, every node seeded with every other. What PeerCollab publishes is read back, signature checked, by
 * each foreign implementation's own get. Skipped with the reason where a part cannot run; failed instead under
 * {@code .ci/run}.
 */
@Tag("slow")
@Timeout(120)
class MixedDhtNetworkTest {

	private static final Duration WAIT = Duration.ofSeconds(20);

	private static DhtTestNetwork mldht;

	private static ForeignDhtNodes webtorrent;

	private static ForeignDhtNodes libtorrent;

	private MainlineDht publisher;

	private MainlineDht resolver;

	@BeforeAll
	static void startNetwork() {
		if (ForeignDhtNodes.unavailableReason(BITTORRENT_DHT) != null
				|| ForeignDhtNodes.unavailableReason(LIBTORRENT) != null) {
			return;
		}
		mldht = DhtTestNetwork.start(4);
		webtorrent = ForeignDhtNodes.start(BITTORRENT_DHT, 4);
		libtorrent = ForeignDhtNodes.start(LIBTORRENT, 4);
		for (InetSocketAddress node : mldht.bootstrap()) {
			webtorrent.seed(node);
			libtorrent.seed(node);
		}
		for (InetSocketAddress node : webtorrent.bootstrap()) {
			libtorrent.seed(node);
			mldht.nodes().forEach(n -> n.seed(node));
		}
		for (InetSocketAddress node : libtorrent.bootstrap()) {
			webtorrent.seed(node);
			mldht.nodes().forEach(n -> n.seed(node));
		}
	}

	@AfterAll
	static void stopNetwork() {
		for (AutoCloseable part : new AutoCloseable[] {libtorrent, webtorrent, mldht}) {
			if (part != null) {
				try {
					part.close();
				}
				catch (Exception e) {
					// the namespace goes away with the JVM anyway
				}
			}
		}
	}

	@BeforeEach
	void startEndpoints() {
		ForeignDhtNodes.assumeAvailable(BITTORRENT_DHT);
		ForeignDhtNodes.assumeAvailable(LIBTORRENT);
		publisher = dht(webtorrent.newAddress());
		resolver = dht(libtorrent.newAddress());
		StepVerifier.create(publisher.start().and(resolver.start())).expectComplete().verify(WAIT);
	}

	@AfterEach
	void stopEndpoints() {
		if (publisher != null) {
			publisher.close().and(resolver.close()).block(WAIT);
		}
	}

	private static MainlineDht dht(InetAddress address) {
		List<InetSocketAddress> bootstrap = new ArrayList<>(mldht.bootstrap());
		bootstrap.addAll(webtorrent.bootstrap());
		bootstrap.addAll(libtorrent.bootstrap());
		return MainlineDht.builder().bindAddress(address).bootstrapNodes(bootstrap).build();
	}

	private static PeerEndPoint endPoint(String ip, int port) throws Exception {
		return PeerEndPoint.of(new InetSocketAddress(InetAddress.getByName(ip), port));
	}

	private List<PeerEndPoint> resolved(PeerIdentity identity) {
		return resolver.resolve(PeerContact.of(identity.name(), "contact", identity.certificate()))
				.map(EndpointRecord::endPoint).collectList().block(WAIT);
	}

	/** The item a foreign node's own lookup finds, once it has the wanted sequence number or later. */
	private static MutableItem readBy(ForeignDhtNodes nodes, int node, byte[] key, long atLeast) {
		Optional<MutableItem> item = Optional.empty();
		// a lookup may reach the nodes that were put to before those still being written: ask again (bounded)
		for (int attempt = 0; attempt < 5; attempt++) {
			item = nodes.get(node, key);
			if (item.isPresent() && item.get().seq() >= atLeast) {
				break;
			}
		}
		assertThat(item).as("the item as node %d of %s reads it", node, nodes).isPresent();
		return item.get();
	}

	@Test
	void everyImplementationReadsWhatPeerCollabPublishesAndEachUpdate() throws Exception {
		PeerIdentity alice = PeerIdentity.generate("alice", KeyType.ED25519);
		byte[] key = MutableItem.rawKey(alice.publicKey());
		PeerEndPoint first = endPoint("192.0.2.7", 4711);
		PeerEndPoint second = endPoint("2001:db8::8", 4712);

		StepVerifier.create(publisher.publish(alice, List.of(first))).expectComplete().verify(WAIT);
		MutableItem byLibtorrent = readBy(libtorrent, 1, key, 0);
		MutableItem byWebtorrent = readBy(webtorrent, 2, key, 0);
		assertThat(byLibtorrent.verify()).isTrue();
		assertThat(byWebtorrent.seq()).isEqualTo(byLibtorrent.seq());
		assertThat(PkarrCodec.decode(key, byLibtorrent.valueBytes()).endPoints()).containsExactly(first);
		assertThat(resolved(alice)).containsExactly(first);

		StepVerifier.create(publisher.publish(alice, List.of(second))).expectComplete().verify(WAIT);
		MutableItem updated = readBy(libtorrent, 3, key, byLibtorrent.seq() + 1);
		assertThat(updated.seq()).isGreaterThan(byLibtorrent.seq());
		assertThat(PkarrCodec.decode(key, updated.valueBytes()).endPoints()).containsExactly(second);
		assertThat(readBy(webtorrent, 0, key, updated.seq()).seq()).isEqualTo(updated.seq());
		assertThat(resolved(alice)).containsExactly(second);

		StepVerifier.create(publisher.publish(alice, List.of())).expectComplete().verify(WAIT);
		assertThat(resolved(alice)).isEmpty();
	}

	@Test
	void aMissEndsOnceTheClosestNodesHaveAnswered() {
		PeerIdentity nobody = PeerIdentity.generate("nobody", KeyType.ED25519);

		StepVerifier.create(resolver.resolve(PeerContact.of(nobody.name(), "contact", nobody.certificate())))
				.expectComplete()
				.verify(Duration.ofSeconds(2));
	}
}
