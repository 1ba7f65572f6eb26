// SPDX-License-Identifier: Apache-2.0
package io.peercollab.dht;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import io.peercollab.PeerCollaboration;
import io.peercollab.PeerEndPoint;
import io.peercollab.PeerScope;
import io.peercollab.contact.ContactStores;
import io.peercollab.contact.PeerContact;
import io.peercollab.identity.KeyType;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.local.InMemoryPeerTransport;
import io.peercollab.spi.EndpointRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;

/**
 * The engine keeps its device id in its contact store and hands it to {@link MainlineDht} without the application
 * setting {@link MainlineDht.Builder#deviceId}: an endpoint started again with its store replaces the entries it
 * published before its process died, and an endpoint with another store (another device) adds its own. On a private
 * 16-node Mainline DHT ({@link DhtTestNetwork}); skipped outside a loopback-only network namespace.
 */
@Tag("slow")
@Timeout(120)
class EngineDeviceIdTest {

	private static final Duration WAIT = Duration.ofSeconds(20);

	@RegisterExtension
	static final DhtTestNetwork.PerClass DHT = new DhtTestNetwork.PerClass(16);

	/** Under the build directory, as {@code EndPointNameAndMeTest} explains. */
	private final Path home = Path.of("target", "engine-device-id", UUID.randomUUID().toString());

	private final List<PeerCollaboration> endpoints = new ArrayList<>();

	private final List<MainlineDht> dhts = new ArrayList<>();

	@AfterEach
	void close() {
		Flux.fromIterable(endpoints).flatMap(PeerCollaboration::close).then().block(WAIT);
		Flux.fromIterable(dhts).flatMap(MainlineDht::close).then().block(WAIT);
	}

	private MainlineDht dht() {
		MainlineDht dht = MainlineDht.builder()
				.bindAddress(DHT.network().newAddress())
				.bootstrapNodes(DHT.network().bootstrap())
				.lookupTimeout(Duration.ofSeconds(5))
				.lookupGrace(Duration.ofMillis(200))
				.build();
		dhts.add(dht);
		return dht;
	}

	/** An endpoint over the H2 store {@code store}, publishing {@code at} through {@code dht}, signed in. */
	private PeerCollaboration device(PeerIdentity identity, String store, MainlineDht dht, PeerEndPoint at) {
		PeerCollaboration c = PeerCollaboration.builder().identity(identity)
				.transport(InMemoryPeerTransport.create())
				.contactStore(ContactStores.h2(home.resolve(store)))
				.namePublisher(dht)
				.advertisedEndPoints(List.of(at))
				.build();
		endpoints.add(c);
		c.signIn(PeerScope.INTERNET).block(WAIT);
		return c;
	}

	private static PeerEndPoint endPoint(String ip, int port) throws Exception {
		return PeerEndPoint.of(new InetSocketAddress(InetAddress.getByName(ip), port));
	}

	private static List<PeerEndPoint> found(MainlineDht contact, PeerIdentity identity) {
		return contact.resolve(PeerContact.of(identity.name(), "contact", identity.certificate()))
				.map(EndpointRecord::endPoint)
				.collectList()
				.block(WAIT);
	}

	@Test
	void aRestartedEndpointReplacesItsOwnEntriesAndAnotherStoreAddsItsOwn() throws Exception {
		PeerIdentity alice = PeerIdentity.generate("alice", KeyType.ED25519);
		PeerEndPoint before = endPoint("203.0.113.40", 7000);
		PeerEndPoint after = endPoint("203.0.113.41", 7001);
		PeerEndPoint onPhone = endPoint("203.0.113.42", 7002);
		MainlineDht contact = dht();

		MainlineDht firstRun = dht();
		PeerCollaboration laptop = device(alice, "laptop", firstRun, before);
		assertThat(found(contact, alice)).containsExactly(before);

		// the process dies: its DHT node goes first, so no sign-out reaches the DHT and its entry stays
		firstRun.close().block(WAIT);
		laptop.close().block(WAIT);
		assertThat(found(contact, alice)).containsExactly(before);

		// started again with its store, a new DHT node and no device id set: the old entry is replaced
		device(alice, "laptop", dht(), after);
		assertThat(found(contact, alice)).containsExactly(after);

		// another store is another device: both are found
		device(alice, "phone", dht(), onPhone);
		assertThat(found(contact, alice)).containsExactlyInAnyOrder(after, onPhone);
	}
}
