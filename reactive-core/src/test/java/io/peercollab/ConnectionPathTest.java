// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import io.peercollab.contact.PeerContact;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.identity.PeerName;
import io.peercollab.internal.flow.LiveValue;
import io.peercollab.local.InMemoryPeerTransport;
import io.peercollab.spi.EndpointRecord;
import io.peercollab.spi.EndpointSource;
import io.peercollab.spi.PeerConnection;
import io.peercollab.spi.PeerTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link Peer#path()} shows how this endpoint is connected to a peer, as the transport reports it, and changes when
 * the transport says so; the engine dials a peer's addresses in the order the transport asks for (a relay last,
 * staggered), and reports each address that failed as {@code PATH_FAILED}.
 */
class ConnectionPathTest {

	private static final Duration WAIT = Duration.ofSeconds(10);

	/** An address at a relay, which the test transport dials last. */
	record RelayAddress(int slot) implements PeerAddress {
		@Override
		public String scheme() {
			return "relay";
		}

		@Override
		public String toString() {
			return "relay#" + slot;
		}
	}

	/** A direct address where the test transport fails at once ({@code refused}) or never answers. */
	record DeadAddress(String name, boolean refused) implements PeerAddress {
		@Override
		public String scheme() {
			return "dead";
		}

		@Override
		public String toString() {
			return "dead:" + name;
		}
	}

	private final InMemoryPeerTransport.Network net = new InMemoryPeerTransport.Network();
	private final List<PeerCollaboration> open = new ArrayList<>();
	/** Where each relay slot leads. */
	private final Map<RelayAddress, PeerAddress> slots = new ConcurrentHashMap<>();
	/** Each dial the test transport was asked for, and when (nanoTime). */
	private final List<Map.Entry<PeerAddress, Long>> dials = new CopyOnWriteArrayList<>();
	/** The path each relayed connection reports, which the test changes. */
	private final List<LiveValue<ConnectionPath>> relayedPaths = new CopyOnWriteArrayList<>();

	@AfterEach
	void closeAll() {
		open.forEach(c -> c.close().block(WAIT));
	}

	/**
	 * A transport over the in-memory network that also listens at a relay slot, dials a relay slot after
	 * {@code relayDelay} (reporting those connections {@code RELAYED} until the test changes them), and fails or hangs
	 * at dead addresses.
	 */
	private PeerTransport transport(Duration relayDelay) {
		PeerTransport inner = net.transport();
		return (identity, handler) -> inner.bind(identity, handler).map(b -> {
			slots.put(new RelayAddress(slots.size() + 1), b.address());
			return new ForwardingBinding(b) {
				@Override
				public Duration dialDelay(PeerAddress address) {
					return address instanceof RelayAddress ? relayDelay : Duration.ZERO;
				}

				@Override
				public Mono<PeerConnection> connect(PeerName expected, PeerAddress address) {
					dials.add(Map.entry(address, System.nanoTime()));
					if (address instanceof DeadAddress dead) {
						return dead.refused() ? Mono.error(new PeerUnreachableException("connection refused at " + dead))
								: Mono.never();
					}
					if (address instanceof RelayAddress r) {
						LiveValue<ConnectionPath> path = new LiveValue<>(ConnectionPath.RELAYED);
						relayedPaths.add(path);
						return super.connect(expected, slots.get(r)).map(c -> new ForwardingConnection.WithPath(c, path));
					}
					return super.connect(expected, address);
				}
			};
		});
	}

	private PeerCollaboration open(PeerIdentity identity, PeerTransport transport, List<EndpointRecord> records) {
		PeerCollaboration c = PeerCollaboration.builder().identity(identity).transport(transport)
				.nameResolver(contact -> Flux.fromIterable(records)).build();
		open.add(c);
		c.signIn(PeerScope.INTERNET).block(WAIT);
		return c;
	}

	private static EndpointRecord dht(PeerAddress address) {
		return new EndpointRecord(PeerEndPoint.of(address), EndpointSource.DHT, Duration.ofHours(1));
	}

	@Test
	void theInMemoryTransportsConnectionsAreDirectAndThePathGoesWhenTheyClose() {
		PeerIdentity bobId = PeerIdentity.generate("bob");
		PeerCollaboration bob = open(bobId, net.transport(), List.of());
		PeerCollaboration alice = open(PeerIdentity.generate("alice"), net.transport(), List.of(dht(bob.endPoints()
				.get(0).address())));
		Peer seen = alice.peer(PeerContact.of(bobId.name(), "Bob", bobId.certificate()));
		assertThat(seen.path()).isEqualTo(ConnectionPath.NOT_CONNECTED);

		StepVerifier.create(seen.pathChanges())
				.expectNext(ConnectionPath.NOT_CONNECTED)
				.then(() -> seen.presence().block(WAIT))
				.expectNext(ConnectionPath.DIRECT)
				.then(() -> assertThat(seen.path()).isEqualTo(ConnectionPath.DIRECT))
				.then(() -> bob.close().block(WAIT))
				.expectNext(ConnectionPath.NOT_CONNECTED)
				.thenCancel()
				.verify(WAIT);
		assertThat(seen.path()).isEqualTo(ConnectionPath.NOT_CONNECTED);
	}

	@Test
	void theInMemoryTransportTellsBothObserversTheirConnectionIsDirect() {
		List<String> told = new CopyOnWriteArrayList<>();
		PeerIdentity bobId = PeerIdentity.generate("bob");
		PeerCollaboration bob = PeerCollaboration.builder().identity(bobId).transport(net.transport())
				.observer(observer("bob", told)).build();
		open.add(bob);
		bob.signIn(PeerScope.INTERNET).block(WAIT);
		PeerCollaboration alice = PeerCollaboration.builder().identity(PeerIdentity.generate("alice"))
				.transport(net.transport()).observer(observer("alice", told))
				.nameResolver(contact -> Flux.just(dht(bob.endPoints().get(0).address()))).build();
		open.add(alice);
		alice.signIn(PeerScope.INTERNET).block(WAIT);

		alice.peer(PeerContact.of(bobId.name(), "Bob", bobId.certificate())).presence().block(WAIT);

		assertThat(told).containsExactlyInAnyOrder("alice OUTBOUND DIRECT", "bob INBOUND DIRECT");
	}

	private static CollaborationObserver observer(String who, List<String> told) {
		return new CollaborationObserver() {
			@Override
			public void connectionPath(PeerName remote, PeerAddress address, Direction direction,
					ConnectionPath path) {
				told.add(who + " " + direction + " " + path);
			}
		};
	}

	@Test
	void aPathChangeOfALiveConnectionReachesThePeer() {
		PeerIdentity bobId = PeerIdentity.generate("bob");
		open(bobId, transport(Duration.ZERO), List.of());
		PeerCollaboration alice = open(PeerIdentity.generate("alice"), transport(Duration.ZERO),
				List.of(dht(new RelayAddress(1))));
		Peer seen = alice.peer(PeerContact.of(bobId.name(), "Bob", bobId.certificate()));

		StepVerifier.create(seen.pathChanges(), 0)
				.thenRequest(1)
				.expectNext(ConnectionPath.NOT_CONNECTED)
				.then(() -> seen.presence().block(WAIT))
				.thenRequest(1)
				.expectNext(ConnectionPath.RELAYED)
				// the transport moved the live connection (a relayed one upgraded by hole punching)
				.then(() -> relayedPaths.get(0).set(ConnectionPath.HOLE_PUNCHED))
				.thenRequest(1)
				.expectNext(ConnectionPath.HOLE_PUNCHED)
				.thenCancel()
				.verify(WAIT);
		assertThat(seen.path()).isEqualTo(ConnectionPath.HOLE_PUNCHED);
	}

	@Test
	void aRelayIsDialledAtOnceWhenEveryDirectAddressFailedAndEachFailureIsADiagnostic() {
		PeerIdentity bobId = PeerIdentity.generate("bob");
		open(bobId, transport(Duration.ofSeconds(30)), List.of());
		DeadAddress refused = new DeadAddress("lan", true);
		PeerCollaboration alice = open(PeerIdentity.generate("alice"), transport(Duration.ofSeconds(30)),
				List.of(dht(new RelayAddress(1)), dht(refused)));
		List<Diagnostic> diagnostics = new CopyOnWriteArrayList<>();
		alice.diagnostics().subscribe(diagnostics::add);
		Peer seen = alice.peer(PeerContact.of(bobId.name(), "Bob", bobId.certificate()));

		long start = System.nanoTime();
		seen.presence().block(WAIT);

		assertThat(Duration.ofNanos(System.nanoTime() - start)).as("not the relay's 30 s delay")
				.isLessThan(Duration.ofSeconds(5));
		assertThat(dials).extracting(Map.Entry::getKey).as("the direct address first, though listed second")
				.startsWith(refused, new RelayAddress(1));
		assertThat(seen.path()).isEqualTo(ConnectionPath.RELAYED);
		assertThat(diagnostics).filteredOn(d -> d.kind().equals(Diagnostic.Kind.PATH_FAILED)).singleElement()
				.satisfies(d -> {
					assertThat(d.peer()).isEqualTo(bobId.name());
					assertThat(d.address()).isEqualTo(refused);
					assertThat(d.cause()).isInstanceOf(PeerUnreachableException.class);
					assertThat(d.message()).contains("dead:lan").contains("connection refused");
				});
	}

	@Test
	void aRelayWaitsForItsDelayWhileADirectAddressDoesNotAnswer() {
		Duration delay = Duration.ofMillis(400);
		PeerIdentity bobId = PeerIdentity.generate("bob");
		open(bobId, transport(delay), List.of());
		DeadAddress silent = new DeadAddress("wan", false);
		PeerCollaboration alice = open(PeerIdentity.generate("alice"), transport(delay),
				List.of(dht(silent), dht(new RelayAddress(1))));
		Peer seen = alice.peer(PeerContact.of(bobId.name(), "Bob", bobId.certificate()));

		seen.presence().block(WAIT);

		assertThat(dials).extracting(Map.Entry::getKey).startsWith(silent, new RelayAddress(1));
		long waited = dials.get(1).getValue() - dials.get(0).getValue();
		assertThat(Duration.ofNanos(waited)).as("the relay waited for its delay").isGreaterThanOrEqualTo(delay);
		assertThat(seen.path()).isEqualTo(ConnectionPath.RELAYED);
	}

	@Test
	void aDirectAddressThatAnswersWinsAndTheRelayIsNotDialled() {
		PeerIdentity bobId = PeerIdentity.generate("bob");
		PeerCollaboration bob = open(bobId, transport(Duration.ofMillis(200)), List.of());
		PeerCollaboration alice = open(PeerIdentity.generate("alice"), transport(Duration.ofMillis(200)),
				List.of(dht(new RelayAddress(1)), dht(bob.endPoints().get(0).address())));
		Peer seen = alice.peer(PeerContact.of(bobId.name(), "Bob", bobId.certificate()));

		seen.presence().block(WAIT);
		// the relay's delay ran out after the direct connection won: it was cancelled, not dialled
		Mono.delay(Duration.ofMillis(400)).block(WAIT);

		assertThat(dials).extracting(Map.Entry::getKey).containsExactly(bob.endPoints().get(0).address());
		assertThat(seen.path()).isEqualTo(ConnectionPath.DIRECT);
	}
}
