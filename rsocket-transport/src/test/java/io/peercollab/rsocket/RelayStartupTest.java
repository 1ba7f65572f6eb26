// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import io.peercollab.ConnectionPath;
import io.peercollab.Diagnostic;
import io.peercollab.PeerAddress;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerEndPoint;
import io.peercollab.PeerScope;
import io.peercollab.RelayedAddress;
import io.peercollab.identity.KeyType;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.internal.nat.CoturnServer;
import io.peercollab.internal.nat.TurnClient;
import io.peercollab.rsocket.internal.RSocketBinding;
import io.peercollab.spi.PeerNamePublisher;
import io.peercollab.spi.TransportBinding;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A TURN server that is down when the endpoint starts does not keep it from listening: the binding starts without a
 * relay, says so ({@code relay.UNAVAILABLE}), keeps trying with backoff, and has its relayed address once the server
 * is back; the engine then publishes the Internet record at once, and again at once when the allocation is lost and
 * made again elsewhere, not at the next periodic publication. A real coturn in a loopback-only network namespace,
 * stopped and started again at the same address.
 */
@Tag("slow")
class RelayStartupTest {

	private static final Duration WAIT = Duration.ofSeconds(30);

	@Test
	void aBindingWhoseTurnServerIsDownListensAndGetsItsRelayOnceTheServerIsBack() {
		try (CoturnServer coturn = CoturnServer.start(false)) {
			coturn.pause();
			TurnServer turn = TurnServer.withPassword(coturn.primary(), CoturnServer.USER, CoturnServer.PASSWORD);
			PeerIdentity bob = TestPeers.identity("bob", KeyType.ED25519);
			List<Diagnostic> reports = new CopyOnWriteArrayList<>();
			long bindStart = System.nanoTime();
			RSocketBinding server = (RSocketBinding) TestPeers.loopback().turnServer(turn)
					.bind(bob, new RecordingHandler())
					.doOnNext(b -> b.diagnostics().subscribe(reports::add))
					.block(WAIT);
			System.out.printf("Bound with the TURN server down in %.0f ms%n", (System.nanoTime() - bindStart) / 1e6);
			TransportBinding client = TestPeers.bind(TestPeers.loopback(), TestPeers.identity("alice",
					KeyType.ED25519), new RecordingHandler());
			try {
				assertThat(server.relayedAddress()).isEmpty();
				assertThat(server.relayedAddresses()).isEmpty();
				awaitReport(reports, "relay.UNAVAILABLE");
				assertThat(reports).anySatisfy(d -> assertThat(d.message()).contains("listening without it")
						.contains(coturn.primary().getAddress().getHostAddress()));
				// meanwhile it serves direct connections
				assertThat(client.connect(bob.name(), server.address()).block(WAIT).path())
						.isEqualTo(ConnectionPath.DIRECT);

				coturn.resume();
				long back = System.nanoTime();
				List<PeerAddress> relayed = server.relayedAddressChanges().filter(l -> !l.isEmpty()).blockFirst(WAIT);
				System.out.printf("Relay allocated %.0f ms after the TURN server came back%n",
						(System.nanoTime() - back) / 1e6);
				assertThat(relayed).singleElement().isEqualTo(server.relayedAddress().orElseThrow());
				assertThat(client.connect(bob.name(), relayed.get(0)).block(WAIT).path())
						.isEqualTo(ConnectionPath.RELAYED);
			}
			finally {
				TestPeers.dispose(client, server);
			}
		}
	}

	@Test
	void theRecordIsRepublishedAtOnceWhenTheRelayIsAllocatedLateAndAgainAfterALoss() {
		try (CoturnServer coturn = CoturnServer.start(false)) {
			coturn.pause();
			TurnServer turn = TurnServer.withPassword(coturn.primary(), CoturnServer.USER, CoturnServer.PASSWORD);
			AtomicReference<RSocketBinding> binding = new AtomicReference<>();
			RSocketPeerTransport relayed = TestPeers.loopback().turnServer(turn);
			Recorder records = new Recorder();
			PeerCollaboration bob = PeerCollaboration.builder().identity(PeerIdentity.generate("bob"))
					.transport((identity, handler) -> relayed.bind(identity, handler)
							.doOnNext(b -> binding.set((RSocketBinding) b)))
					.namePublisher(records)
					.republishInterval(Duration.ofHours(1))
					.build();
			try {
				bob.signIn(PeerScope.INTERNET).block(WAIT);
				assertThat(records.published).isNotEmpty().allSatisfy(r -> assertThat(relayedIn(r)).isEmpty());

				coturn.resume();
				long back = System.nanoTime();
				List<PeerEndPoint> withRelay = records.next(r -> !relayedIn(r).isEmpty());
				System.out.printf("Record with the relayed address published %.0f ms after the TURN server came "
						+ "back%n", (System.nanoTime() - back) / 1e6);
				RelayedAddress first = relayedIn(withRelay).get(0);
				assertThat(binding.get().relayedAddress()).contains(first);

				TurnClient lost = binding.get().turnClient();
				long loss = System.nanoTime();
				lost.dispose(); // as if the TURN server had closed the control connection
				List<PeerEndPoint> again = records.next(r -> !relayedIn(r).isEmpty() && !relayedIn(r).contains(first));
				System.out.printf("Record with the new relayed address published %.0f ms after the loss%n",
						(System.nanoTime() - loss) / 1e6);
				assertThat(relayedIn(again)).singleElement().isEqualTo(binding.get().relayedAddress().orElseThrow());
			}
			finally {
				bob.close().block(WAIT);
			}
		}
	}

	private static List<RelayedAddress> relayedIn(List<PeerEndPoint> record) {
		return record.stream().map(PeerEndPoint::address).filter(RelayedAddress.class::isInstance)
				.map(RelayedAddress.class::cast).toList();
	}

	private static void awaitReport(List<Diagnostic> reports, String kind) {
		Flux.interval(Duration.ofMillis(20))
				.filter(t -> reports.stream().anyMatch(d -> d.kind().equals(Diagnostic.Kind.of(kind))))
				.next()
				.block(WAIT);
	}

	/** A publisher that keeps every record it is given. */
	private static final class Recorder implements PeerNamePublisher {

		final List<List<PeerEndPoint>> published = new CopyOnWriteArrayList<>();

		@Override
		public Mono<Void> publish(PeerIdentity identity, List<PeerEndPoint> endPoints) {
			return Mono.fromRunnable(() -> published.add(endPoints));
		}

		@Override
		public Duration recordLifetime() {
			return Duration.ofHours(2);
		}

		/** @return the first record published from now on that matches, within {@link #WAIT} */
		List<PeerEndPoint> next(java.util.function.Predicate<List<PeerEndPoint>> matches) {
			int from = published.size();
			return Flux.interval(Duration.ofMillis(20))
					.map(t -> published.subList(from, published.size()).stream().filter(matches).findFirst())
					.filter(java.util.Optional::isPresent)
					.map(java.util.Optional::get)
					.next()
					.block(WAIT);
		}
	}
}
