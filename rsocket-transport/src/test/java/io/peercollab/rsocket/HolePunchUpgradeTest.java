// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;

import io.peercollab.CollaborationObserver;
import io.peercollab.ConnectionPath;
import io.peercollab.IpLiterals;
import io.peercollab.PeerAddress;
import io.peercollab.PeerEvent;
import io.peercollab.PeerObject;
import io.peercollab.PeerScope;
import io.peercollab.RelayedAddress;
import io.peercollab.TcpAddress;
import io.peercollab.identity.KeyType;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.identity.PeerName;
import io.peercollab.internal.nat.CoturnServer;
import io.peercollab.internal.state.Followers;
import io.peercollab.internal.state.PublishedState;
import io.peercollab.rsocket.internal.BindingInternals;
import io.peercollab.rsocket.internal.BindingInternals.PunchOutcome;
import io.peercollab.rsocket.internal.RSocketBinding;
import io.peercollab.spi.PeerConnection;
import io.peercollab.spi.SessionFrame;
import io.peercollab.spi.SessionOpen;
import io.peercollab.spi.TransportBinding;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * A relayed connection upgraded to a hole-punched one by {@code HolePunchUpgrade}, against a real coturn (its TCP relay
 * and its STUN) on loopback addresses: the two ends exchange their TCP mappings over the relayed connection, time
 * their simultaneous open from its round trip, and the direct connection runs the same pinned TLS. A session that was
 * open on the relay when the upgrade happened moves to the direct connection with nothing lost or repeated; new
 * streams take the direct connection; a follow of Bob that ran on the relay follows on over the punched connection
 * while Bob's state keeps changing, each change once and in order of version. Where the other end cannot punch, the
 * relayed connection stays and the reason is kept. Each end learns its TCP mapping from its STUN servers, then its TURN
 * server, keeping the first that answers: an end with STUN servers and no relay of its own punches too.
 */
@Tag("slow")
class HolePunchUpgradeTest {

	private static final Duration WAIT = Duration.ofSeconds(30);

	private static final int MESSAGES = 10_000;

	/** The changes of Bob's state while Alice follows it across the upgrade. */
	private static final int FOLLOW_CHANGES = 2_000;

	@Test
	void aRelayedConnectionBecomesDirectMidSessionAndNewStreamsTakeIt() {
		try (CoturnServer coturn = CoturnServer.start(false)) {
			TurnServer turn = TurnServer.withPassword(coturn.primary(), CoturnServer.USER, CoturnServer.PASSWORD);
			PeerIdentity bob = TestPeers.identity("bob", KeyType.ED25519);
			// the paths Bob's observer is told for his inbound connections
			List<ConnectionPath> bobInbound = new CopyOnWriteArrayList<>();
			RSocketBinding server = (RSocketBinding) TestPeers.loopback().turnServer(turn)
					.bind(bob, new RecordingHandler(), new CollaborationObserver() {
						@Override
						public void connectionPath(PeerName remote, PeerAddress address, Direction direction,
								ConnectionPath path) {
							if (direction == Direction.INBOUND) {
								bobInbound.add(path);
							}
						}
					}).block(WAIT);
			RSocketBinding client = (RSocketBinding) TestPeers.bind(TestPeers.loopback().turnServer(turn),
					TestPeers.identity("alice", KeyType.ED25519), new RecordingHandler());
			try {
				RelayedAddress relayed = server.relayedAddress().orElseThrow();
				Mono<PunchOutcome> aliceOutcome = BindingInternals.punchOutcomes(client).next().cache();
				Mono<PunchOutcome> bobOutcome = BindingInternals.punchOutcomes(server).next().cache();
				aliceOutcome.subscribe();
				bobOutcome.subscribe();

				PeerConnection onRelay = client.connect(bob.name(), relayed).block(WAIT);
				assertThat(onRelay.remoteAddress()).isEqualTo(TcpAddress.of(relayed.relay().socketAddress()));
				assertThat(onRelay.path()).isEqualTo(ConnectionPath.RELAYED);

				// half the session before the upgrade, half after: it moves to the punched connection
				Flux<SessionFrame> outbound = Flux.concat(Flux.range(0, MESSAGES / 2),
						aliceOutcome.thenMany(Flux.range(MESSAGES / 2, MESSAGES / 2)))
						.map(i -> new SessionFrame(null, ByteBuffer.allocate(4).putInt(i).array()));
				StepVerifier.create(onRelay.session(open(), outbound).map(f -> ByteBuffer.wrap(f.data()).getInt())
						.limitRate(500))
						.expectNextSequence(IntStream.range(0, MESSAGES).boxed().toList())
						.expectComplete()
						.verify(WAIT);

				PunchOutcome alice = aliceOutcome.block(WAIT);
				System.out.printf("Hole punched over the relay: %s%n", alice);
				assertThat(alice.failure()).isNull();
				assertThat(alice.initiator()).isTrue();
				assertThat(alice.roundTrip()).isNotNull();
				PunchOutcome served = bobOutcome.block(WAIT);
				assertThat(served.succeeded()).as("Bob's side: %s", served).isTrue();
				assertThat(served.initiator()).isFalse();
				assertThat(BindingInternals.isHolePunched(client, bob.name())).isTrue();

				// new streams take the punched connection: pinned to Bob, not through the relay
				PeerConnection direct = client.connect(bob.name(), relayed).block(WAIT);
				assertThat(direct).isNotSameAs(onRelay);
				assertThat(direct.remote()).isEqualTo(bob.name());
				assertThat(direct.path()).isEqualTo(ConnectionPath.HOLE_PUNCHED);
				assertThat(direct.remoteAddress()).isEqualTo(TcpAddress.of(alice.direct()));
				assertThat(alice.direct()).isNotEqualTo(relayed.relay().socketAddress());
				Flux<SessionFrame> more = Flux.range(0, MESSAGES)
						.map(i -> new SessionFrame(null, ByteBuffer.allocate(4).putInt(i).array()));
				long start = System.nanoTime();
				StepVerifier.create(direct.session(open(), more).map(f -> ByteBuffer.wrap(f.data()).getInt())
						.limitRate(500))
						.expectNextSequence(IntStream.range(0, MESSAGES).boxed().toList())
						.expectComplete()
						.verify(WAIT);
				System.out.printf("%d session frames echoed over the punched connection in %.0f ms%n", MESSAGES,
						(System.nanoTime() - start) / 1e6);
				// the relayed connection closed once its session had moved to the punched one (SessionUpgradeTest)
				assertThat(server.inboundConnectionCount()).as("the punched connection only").isEqualTo(1);
				// Bob's end of the punched connection is reported as such, not as relayed
				assertThat(bobInbound).containsExactlyInAnyOrder(ConnectionPath.RELAYED, ConnectionPath.HOLE_PUNCHED);
			}
			finally {
				TestPeers.dispose(client, server);
			}
		}
	}

	@Test
	void aFollowOfAContactOnTheRelayKeepsFlowingAcrossTheUpgrade() {
		try (CoturnServer coturn = CoturnServer.start(false)) {
			TurnServer turn = TurnServer.withPassword(coturn.primary(), CoturnServer.USER, CoturnServer.PASSWORD);
			PeerIdentity alice = TestPeers.identity("alice", KeyType.ED25519);
			PeerIdentity bob = TestPeers.identity("bob", KeyType.ED25519);
			// Bob's published state, followed through the engine's own Followers
			PublishedState state = new PublishedState();
			Followers followers = new Followers(state, caller -> true, FollowMoveTest.DISCLOSURE,
					CollaborationObserver.NOOP);
			state.scopeChanged(PeerScope.ALL);
			state.setObject(new PeerObject(FollowMoveTest.OBJECTS[0], new byte[] {1}, PeerScope.ALL));
			Map<Long, PublishedState.Snapshot> versions = new ConcurrentHashMap<>();
			versions.put(state.current().version(), state.current());
			List<Long> asked = new CopyOnWriteArrayList<>();
			RecordingHandler handler = new RecordingHandler();
			handler.events = after -> {
				asked.add(after);
				return followers.follow(alice.name(), after);
			};
			RSocketBinding server = (RSocketBinding) TestPeers.bind(TestPeers.loopback().turnServer(turn), bob,
					handler);
			RSocketBinding client = (RSocketBinding) TestPeers.bind(TestPeers.loopback().turnServer(turn), alice,
					new RecordingHandler());
			Scheduler changer = Schedulers.newSingle("changes");
			try {
				RelayedAddress relayed = server.relayedAddress().orElseThrow();
				// Alice follows Bob on the relay first: she punches only once the follow runs and changes flow
				BindingInternals.holePunching(client, false);
				PeerConnection onRelay = client.connect(bob.name(), relayed).block(WAIT);
				assertThat(onRelay.path()).isEqualTo(ConnectionPath.RELAYED);
				Mono<PunchOutcome> aliceOutcome = BindingInternals.punchOutcomes(client).next().cache();
				aliceOutcome.subscribe();

				List<PeerEvent> received = Collections.synchronizedList(new ArrayList<>());
				Sinks.Many<Long> seen = Sinks.many().replay().latest();
				Disposable follow = onRelay.events(-1).subscribe(e -> {
					received.add(e);
					seen.tryEmitNext(e.version());
				}, seen::tryEmitError);
				long base = seen.asFlux().next().block(WAIT);
				// the changes, at most 200 versions ahead of Alice; a quarter of the way, Alice punches
				Long last = Flux.range(0, FOLLOW_CHANGES)
						.concatMap(i -> seen.asFlux().filter(v -> v >= base + i - 200).next()
								.then(Mono.fromCallable(() -> {
									if (i == FOLLOW_CHANGES / 4) {
										BindingInternals.holePunching(client, true);
										client.connect(bob.name(), relayed).subscribe();
									}
									FollowMoveTest.change(state, i);
									PublishedState.Snapshot now = state.current();
									versions.put(now.version(), now);
									return now.version();
								}).subscribeOn(changer)), 0)
						.last()
						.block(WAIT);
				PunchOutcome outcome = aliceOutcome.block(WAIT);
				assertThat(outcome.succeeded()).as("the upgrade: %s", outcome).isTrue();
				assertThat(seen.asFlux().filter(v -> v >= last).next().block(WAIT)).isEqualTo(last);
				follow.dispose();

				List<PeerEvent> events;
				synchronized (received) {
					events = List.copyOf(received);
				}
				int changes = FollowMoveTest.check(events, versions);
				long distinct = events.stream().filter(e -> e.version() > base).mapToLong(PeerEvent::version)
						.distinct().count();
				System.out.printf("Follow across the upgrade (%s): %d changes made; %d change events delivered at %d "
						+ "versions; %d versions merged into the difference; follows asked after %s%n", outcome,
						FOLLOW_CHANGES, changes, distinct, FOLLOW_CHANGES - distinct, asked);
				// one follow on the relay, one on the punched connection, and nothing left on the relay
				assertThat(asked).hasSize(2);
				assertThat(onRelay.path()).isEqualTo(ConnectionPath.HOLE_PUNCHED);
				StepVerifier.create(Flux.interval(Duration.ofMillis(20))
								.filter(x -> server.inboundConnectionCount() == 1).next())
						.expectNextCount(1)
						.expectComplete()
						.verify(WAIT);
			}
			finally {
				changer.dispose();
				TestPeers.dispose(client, server);
			}
		}
	}

	@Test
	void whenTheOtherEndCannotPunchTheRelayedConnectionStaysAndTheReasonIsKept() {
		try (CoturnServer coturn = CoturnServer.start(false)) {
			TurnServer turn = TurnServer.withPassword(coturn.primary(), CoturnServer.USER, CoturnServer.PASSWORD);
			PeerIdentity bob = TestPeers.identity("bob", KeyType.ED25519);
			// Bob has a relay, but hole punching is turned off on his end: he refuses to punch
			RSocketBinding server = (RSocketBinding) TestPeers.bind(TestPeers.loopback().turnServer(turn), bob,
					new RecordingHandler());
			RSocketBinding client = (RSocketBinding) TestPeers.bind(TestPeers.loopback().turnServer(turn),
					TestPeers.identity("alice", KeyType.ED25519), new RecordingHandler());
			try {
				BindingInternals.holePunching(server, false);
				RelayedAddress relayed = server.relayedAddress().orElseThrow();
				Mono<PunchOutcome> aliceOutcome = BindingInternals.punchOutcomes(client).next().cache();
				aliceOutcome.subscribe();
				PeerConnection onRelay = client.connect(bob.name(), relayed).block(WAIT);
				PunchOutcome outcome = aliceOutcome.block(WAIT);
				System.out.printf("Refused: %s%n", outcome);
				assertThat(outcome.succeeded()).isFalse();
				assertThat(outcome.failure()).contains("turned off");
				assertThat(BindingInternals.lastPunch(client, bob.name())).contains(outcome);
				assertThat(BindingInternals.isHolePunched(client, bob.name())).isFalse();
				// the relayed connection is kept, and connect() keeps handing it out
				assertThat(client.connect(bob.name(), relayed).block(WAIT)).isSameAs(onRelay);
				StepVerifier.create(onRelay.session(open(), Flux.range(0, 100)
						.map(i -> new SessionFrame(null, ByteBuffer.allocate(4).putInt(i).array())))
						.map(f -> ByteBuffer.wrap(f.data()).getInt()))
						.expectNextSequence(IntStream.range(0, 100).boxed().toList())
						.expectComplete()
						.verify(WAIT);
			}
			finally {
				TestPeers.dispose(client, server);
			}
		}
	}

	@Test
	void eachEndLearnsItsMappingFromItsStunServersInOrderKeepingTheFirstThatAnswers() {
		try (CoturnServer relay = CoturnServer.start(false); CoturnServer stun = CoturnServer.start(false)) {
			TurnServer turn = TurnServer.withPassword(relay.primary(), CoturnServer.USER, CoturnServer.PASSWORD);
			// before the server that answers, one that does not: each end moves on to the next
			List<InetSocketAddress> stunServers = List.of(stun.closedPort(), stun.primary());
			PeerIdentity bob = TestPeers.identity("bob", KeyType.ED25519);
			// Bob has a relay, and STUN servers that are asked before it
			RSocketBinding server = (RSocketBinding) TestPeers.bind(TestPeers.loopback().turnServer(turn)
					.stunServers(stunServers), bob, new RecordingHandler());
			// Alice has STUN servers and no relay of her own: she dials Bob's relayed address with plain TCP
			RSocketBinding client = (RSocketBinding) TestPeers.bind(TestPeers.loopback().stunServers(stunServers),
					TestPeers.identity("alice", KeyType.ED25519), new RecordingHandler());
			try {
				RelayedAddress relayed = server.relayedAddress().orElseThrow();
				Mono<PunchOutcome> aliceOutcome = BindingInternals.punchOutcomes(client).next().cache();
				Mono<PunchOutcome> bobOutcome = BindingInternals.punchOutcomes(server).next().cache();
				aliceOutcome.subscribe();
				bobOutcome.subscribe();

				PeerConnection onRelay = client.connect(bob.name(), relayed).block(WAIT);
				assertThat(onRelay.path()).isEqualTo(ConnectionPath.RELAYED);
				PunchOutcome alice = aliceOutcome.block(WAIT);
				System.out.printf("Hole punched with STUN servers only on Alice's end: %s%n", alice);
				assertThat(alice.succeeded()).as("Alice's side: %s", alice).isTrue();
				assertThat(alice.stunServer()).as("the first server that answered").isEqualTo(stun.primary());
				PunchOutcome served = bobOutcome.block(WAIT);
				assertThat(served.succeeded()).as("Bob's side: %s", served).isTrue();
				assertThat(served.stunServer()).as("a configured STUN server, asked before the TURN server")
						.isEqualTo(stun.primary());

				PeerConnection direct = client.connect(bob.name(), relayed).block(WAIT);
				assertThat(direct).isNotSameAs(onRelay);
				assertThat(direct.path()).isEqualTo(ConnectionPath.HOLE_PUNCHED);
				assertThat(direct.remoteAddress()).isEqualTo(TcpAddress.of(alice.direct()));
			}
			finally {
				TestPeers.dispose(client, server);
			}
		}
	}

	@Test
	void whenNoServerGivesAMappingTheRelayedConnectionStaysAndEachServerIsNamed() {
		try (CoturnServer relay = CoturnServer.start(false)) {
			TurnServer turn = TurnServer.withPassword(relay.primary(), CoturnServer.USER, CoturnServer.PASSWORD);
			InetSocketAddress silent = relay.closedPort();
			PeerIdentity bob = TestPeers.identity("bob", KeyType.ED25519);
			RSocketBinding server = (RSocketBinding) TestPeers.bind(TestPeers.loopback().turnServer(turn), bob,
					new RecordingHandler());
			// Alice's only STUN server does not answer, and she has no TURN server to fall back on
			RSocketBinding client = (RSocketBinding) TestPeers.bind(TestPeers.loopback().stunServers(List.of(silent)),
					TestPeers.identity("alice", KeyType.ED25519), new RecordingHandler());
			try {
				RelayedAddress relayed = server.relayedAddress().orElseThrow();
				Mono<PunchOutcome> aliceOutcome = BindingInternals.punchOutcomes(client).next().cache();
				aliceOutcome.subscribe();
				PeerConnection onRelay = client.connect(bob.name(), relayed).block(WAIT);
				PunchOutcome outcome = aliceOutcome.block(WAIT);
				System.out.printf("No mapping: %s%n", outcome);
				assertThat(outcome.succeeded()).isFalse();
				assertThat(outcome.stunServer()).isNull();
				assertThat(outcome.failure()).startsWith("no STUN server gave a TCP mapping for ")
						.contains(IpLiterals.toString(silent) + ": ");
				assertThat(client.connect(bob.name(), relayed).block(WAIT)).isSameAs(onRelay);
				assertThat(onRelay.path()).isEqualTo(ConnectionPath.RELAYED);
			}
			finally {
				TestPeers.dispose(client, server);
			}
		}
	}

	private static SessionOpen open() {
		return new SessionOpen(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID());
	}
}
