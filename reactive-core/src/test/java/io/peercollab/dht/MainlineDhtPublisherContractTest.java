// SPDX-License-Identifier: Apache-2.0
package io.peercollab.dht;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.peercollab.PeerEndPoint;
import io.peercollab.identity.KeyType;
import io.peercollab.spi.PeerNamePublisher;
import io.peercollab.spi.PeerNamePublisherContract;
import io.peercollab.spi.PeerNameResolver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/**
 * {@link MainlineDht} as a publisher, against the {@link PeerNamePublisherContract}, on a private 16-node Mainline
 * DHT ({@link DhtTestNetwork}); skipped outside a loopback-only network namespace. Another {@link MainlineDht} reads
 * the records back.
 */
@Tag("slow")
@Timeout(60)
class MainlineDhtPublisherContractTest extends PeerNamePublisherContract {

	@RegisterExtension
	static final DhtTestNetwork.PerClass DHT = new DhtTestNetwork.PerClass(16);

	/** A publication's or lookup's documented bound (5 s per phase, a second attempt after 1 s) with room to spare. */
	private static final Duration WAIT = Duration.ofSeconds(15);

	private final List<MainlineDht> started = new ArrayList<>();

	private MainlineDht publisher;

	private MainlineDht resolver;

	/** Each on a fresh address, as in {@link MainlineDhtNetworkTest}: a node throttles an address that sent it much. */
	@BeforeEach
	void startEndpoints() {
		publisher = dht(DHT.network().newAddress(), DHT.network().bootstrap());
		resolver = dht(DHT.network().newAddress(), DHT.network().bootstrap());
		StepVerifier.create(publisher.start().and(resolver.start())).expectComplete().verify(WAIT);
	}

	@AfterEach
	void stopEndpoints() {
		Flux.fromIterable(started).flatMap(MainlineDht::close).then().block(WAIT);
	}

	private MainlineDht dht(InetAddress address, List<InetSocketAddress> bootstrap) {
		MainlineDht dht = MainlineDht.builder()
				.bindAddress(address)
				.bootstrapNodes(bootstrap)
				.lookupTimeout(Duration.ofSeconds(5))
				.lookupGrace(Duration.ofMillis(200))
				.build();
		started.add(dht);
		return dht;
	}

	@Override
	protected PeerNamePublisher publisher() {
		return publisher;
	}

	@Override
	protected PeerNameResolver resolver() {
		return resolver;
	}

	@Override
	protected Duration bound() {
		return WAIT;
	}

	@Override
	protected KeyType unsupportedKeyType() {
		return KeyType.EC_P256;
	}

	/** 24 IPv6 endpoints: a DNS packet over Pkarr's limit (under 1000 bytes). */
	@Override
	protected List<PeerEndPoint> tooManyEndPoints() {
		List<PeerEndPoint> many = new ArrayList<>();
		for (int i = 1; i <= 24; i++) {
			many.add(PeerEndPoint.of(new InetSocketAddress("2001:db8::" + Integer.toHexString(i), 40_000 + i)));
		}
		return many;
	}

	/** A node that knows no other: no node gives it a token. */
	@Override
	protected PeerNamePublisher unreachable() {
		return dht(DHT.network().newAddress(), List.of());
	}
}
