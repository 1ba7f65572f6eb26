// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.engine;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import io.peercollab.ForwardingBinding;
import io.peercollab.PeerAddress;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerEndPoint;
import io.peercollab.PeerScope;
import io.peercollab.TcpAddress;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.local.InMemoryPeerTransport;
import io.peercollab.spi.PeerNamePublisher;
import io.peercollab.spi.PeerTransport;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An endpoint bound to the wildcard address advertises its interfaces' addresses; when one changes by itself, the new
 * record is published within a minute (virtual time), and nothing is published while nothing changes.
 */
class AdvertisedAddressWatchTest {

	private static final Duration WAIT = Duration.ofSeconds(5);

	/** The in-memory transport, but reporting the wildcard address it "listens" at. */
	private static PeerTransport wildcard(PeerTransport inMemory) {
		return (identity, handler) -> inMemory.bind(identity, handler).map(b -> new ForwardingBinding(b) {
			@Override
			public PeerAddress address() {
				return TcpAddress.of(new InetSocketAddress("0.0.0.0", ((TcpAddress) b.address()).port()));
			}
		});
	}

	@Test
	void anInterfaceAddressThatChangesIsPublishedWithinAMinute() throws Exception {
		VirtualTimeScheduler time = VirtualTimeScheduler.create();
		AtomicReference<Map<String, List<InetAddress>>> interfaces = new AtomicReference<>(Map.of(
				"eth0", List.of(InetAddress.getByName("192.0.2.10"), InetAddress.getByName("fe80::1"))));
		List<List<PeerEndPoint>> published = new CopyOnWriteArrayList<>();
		PeerNamePublisher publisher = new PeerNamePublisher() {
			@Override
			public Mono<Void> publish(PeerIdentity identity, List<PeerEndPoint> endPoints) {
				return Mono.fromRunnable(() -> published.add(endPoints));
			}

			@Override
			public Duration recordLifetime() {
				return Duration.ofHours(2);
			}
		};
		PeerCollaboration collab = ((CollaborationBuilder) PeerCollaboration.builder()
				.identity(PeerIdentity.generate("alice")).transport(wildcard(InMemoryPeerTransport.create()))
				.timerScheduler(time).namePublisher(publisher).portMapping(false))
				.interfaces(interfaces::get).build();
		try {
			collab.signIn(PeerScope.INTERNET).block(WAIT);
			int port = collab.endPoints().get(0).tcpAddress().getPort();
			assertThat(published).singleElement().satisfies(eps -> assertThat(eps)
					.as("link-local addresses are not advertised")
					.containsExactly(new PeerEndPoint("eth0", new InetSocketAddress("192.0.2.10", port))));

			time.advanceTimeBy(Duration.ofMinutes(5));
			assertThat(published).as("nothing changed, nothing published").hasSize(1);

			interfaces.set(Map.of("eth0", List.of(InetAddress.getByName("192.0.2.99"))));
			time.advanceTimeBy(Duration.ofMinutes(1));
			assertThat(published).hasSize(2).last().isEqualTo(
					List.of(new PeerEndPoint("eth0", new InetSocketAddress("192.0.2.99", port))));
		}
		finally {
			collab.close().block(WAIT);
		}
	}
}
