// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.peercollab.identity.PeerIdentity;
import io.peercollab.identity.PeerName;
import io.peercollab.internal.nearme.NearMe;
import io.peercollab.local.InMemoryPeerTransport;
import io.peercollab.spi.PeerConnection;
import io.peercollab.spi.PeerTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What following people near me without a connection per neighbour costs, on virtual time: n peers shown cost n
 * probes per {@link NearMe#PROBE_PERIOD}, one at a time, spread over the period, each peer probed at most a period
 * after its last probe; and a peer whose probe fails is removed at its next turn, within the period.
 */
class NearMeProbeScheduleTest {

	private static final Duration WAIT = Duration.ofSeconds(10);
	private static final int PEERS = 8;
	private static final long PERIOD = NearMe.PROBE_PERIOD.toMillis();

	private final InMemoryPeerTransport.Network net = new InMemoryPeerTransport.Network();
	private final ScriptedDiscovery discovery = new ScriptedDiscovery();
	private final VirtualTimeScheduler time = VirtualTimeScheduler.create();
	private final List<PeerCollaboration> open = new ArrayList<>();
	private final List<Disposable> subscriptions = new ArrayList<>();
	/** Each probe the observer sent: whom, and when on virtual time. */
	private final List<Map.Entry<PeerName, Long>> probes = new CopyOnWriteArrayList<>();
	/** Names whose endpoints refuse probes, as a dead process's port does. */
	private final Set<PeerName> dead = ConcurrentHashMap.newKeySet();

	@AfterEach
	void close() {
		subscriptions.forEach(Disposable::dispose);
		Flux.fromIterable(open).flatMap(PeerCollaboration::close).then().block(WAIT);
		time.dispose();
	}

	/** The observer's transport: verifying lets the connection go, and probes are recorded (and fail for the dead). */
	private PeerTransport observed() {
		PeerTransport inner = net.transport();
		return (identity, handler) -> inner.bind(identity, handler).map(b -> new ForwardingBinding(b) {
			@Override
			public Mono<PeerConnection> verify(PeerName expected, PeerAddress address) {
				return b.connect(expected, address).then(Mono.empty());
			}

			@Override
			public Mono<Void> probe(PeerName expected, PeerAddress address) {
				probes.add(Map.entry(expected, time.now(TimeUnit.MILLISECONDS)));
				return dead.contains(expected) ? Mono.error(new PeerUnreachableException(expected + " refused"))
						: Mono.empty();
			}
		});
	}

	private static void awaitTrue(java.util.function.BooleanSupplier condition) {
		Flux.interval(Duration.ofMillis(5)).filter(t -> condition.getAsBoolean()).blockFirst(WAIT);
		assertThat(condition.getAsBoolean()).isTrue();
	}

	@Test
	void nPeersCostNProbesPerPeriodSpreadOverItAndADeadOneIsRemovedWithinThePeriod() {
		PeerCollaboration me = PeerCollaboration.builder().identity(PeerIdentity.generate("alice"))
				.transport(observed()).discovery(discovery).timerScheduler(time).build();
		open.add(me);
		me.signIn(PeerScope.NEAR_ME).block(WAIT);
		List<PeerNearMeEvent> events = new CopyOnWriteArrayList<>();
		subscriptions.add(me.peersNearMe().subscribe(events::add));

		List<PeerName> names = new ArrayList<>();
		for (int i = 0; i < PEERS; i++) {
			PeerCollaboration p = PeerCollaboration.builder().identity(PeerIdentity.generate("peer" + i))
					.transport(net.transport()).discovery(new NoPeersDiscovery()).build();
			open.add(p);
			p.signIn(PeerScope.NEAR_ME).block(WAIT);
			names.add(p.name());
			discovery.announce(p.name(), "Peer " + i, p.endPoints().get(0));
		}
		awaitTrue(() -> events.stream().filter(e -> e.type() == ChangeType.ADDED).count() == PEERS);

		// the first period after they appeared at once: the probes spread out
		time.advanceTimeBy(Duration.ofMillis(PERIOD));
		probes.clear();
		long from = time.now(TimeUnit.MILLISECONDS);
		time.advanceTimeBy(Duration.ofMillis(3 * PERIOD));

		assertThat(probes).as("n peers, 3 periods: 3n probes").hasSize(3 * PEERS);
		Map<PeerName, List<Long>> perPeer = new HashMap<>();
		probes.forEach(p -> perPeer.computeIfAbsent(p.getKey(), k -> new ArrayList<>()).add(p.getValue()));
		assertThat(perPeer.keySet()).containsExactlyInAnyOrderElementsOf(names);
		for (List<Long> at : perPeer.values()) {
			assertThat(at).hasSize(3);
			assertThat(at.get(0) - from).as("first probe within a period").isLessThanOrEqualTo(PERIOD);
			for (int i = 1; i < at.size(); i++) {
				assertThat(at.get(i) - at.get(i - 1)).as("a period between a peer's probes").isEqualTo(PERIOD);
			}
		}
		List<Long> all = probes.stream().map(Map.Entry::getValue).sorted().toList();
		for (int i = 1; i < all.size(); i++) {
			assertThat(all.get(i) - all.get(i - 1)).as("one probe every period / n").isEqualTo(PERIOD / PEERS);
		}

		// one of them dies: its next probe is refused, and it is removed, the others stay
		PeerName gone = names.get(3);
		dead.add(gone);
		long died = time.now(TimeUnit.MILLISECONDS);
		time.advanceTimeBy(Duration.ofMillis(PERIOD));
		awaitTrue(() -> events.stream().anyMatch(e -> e.type() == ChangeType.REMOVED));
		assertThat(events.stream().filter(e -> e.type() == ChangeType.REMOVED).map(e -> e.peer().name()))
				.containsExactly(gone);
		long refusedAt = probes.stream().filter(p -> p.getKey().equals(gone)).mapToLong(Map.Entry::getValue).max()
				.orElseThrow();
		assertThat(refusedAt - died).as("removed within the period").isLessThanOrEqualTo(PERIOD);
		assertThat(me.getPeersNearMe().block(WAIT)).hasSize(PEERS - 1);

		// the remaining n - 1 peers cost n - 1 probes per period
		probes.clear();
		time.advanceTimeBy(Duration.ofMillis(2 * PERIOD));
		assertThat(probes.size()).isBetween(2 * (PEERS - 1) - 1, 2 * (PEERS - 1) + 1);
		assertThat(probes).noneMatch(p -> p.getKey().equals(gone));
	}
}
