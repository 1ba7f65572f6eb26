// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

import io.peercollab.contact.PeerContact;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.local.InMemoryPeerTransport;
import io.peercollab.spi.EndpointRecord;
import io.peercollab.spi.EndpointSource;
import io.peercollab.spi.PeerNamePublisher;
import io.peercollab.spi.PeerNameResolver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;
import reactor.core.Disposable;
import reactor.core.Scannable;
import reactor.core.observability.DefaultSignalListener;
import reactor.core.observability.SignalListener;
import reactor.core.observability.SignalListenerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.util.context.Context;
import reactor.util.context.ContextView;

/**
 * What a {@link CollaborationObserver} is told by the engine, over the in-memory transport: invitations both ways with
 * their outcome, latency and the inviter's Reactor {@code Context}, sessions with their messages and bytes, followers,
 * Internet records; and that an observer that throws never breaks the endpoint.
 */
class CollaborationObserverTest {

	private static final Duration WAIT = Duration.ofSeconds(10);
	private static final String TRACE = "trace-id";
	private static final PeerApplication WHITEBOARD = PeerApplication.of(
			UUID.fromString("3c0b9a55-55f4-4b9e-8a36-0c5f1e2d7a10"), "Whiteboard", PeerScope.ALL);

	private static PeerIdentity alice;
	private static PeerIdentity bob;

	private final InMemoryPeerTransport.Network network = new InMemoryPeerTransport.Network();
	private final List<PeerCollaboration> open = new ArrayList<>();

	@BeforeAll
	static void identities() {
		alice = PeerIdentity.generate("alice");
		bob = PeerIdentity.generate("bob");
	}

	@AfterEach
	void closeEndpoints() {
		Flux.fromIterable(open).flatMap(PeerCollaboration::close).then().block(WAIT);
	}

	private PeerCollaboration endpoint(PeerIdentity id, CollaborationObserver observer) {
		return endpoint(id, observer, b -> b);
	}

	private PeerCollaboration endpoint(PeerIdentity id, CollaborationObserver observer,
			UnaryOperator<PeerCollaboration.Builder> custom) {
		PeerCollaboration c = custom.apply(PeerCollaboration.builder().identity(id).transport(network.transport())
				.discovery(new NoPeersDiscovery()).observer(observer)).build();
		open.add(c);
		c.signIn(PeerScope.ALL).block(WAIT);
		return c;
	}

	private static Peer peer(PeerCollaboration from, PeerCollaboration to) {
		return from.peer(to.name(), to.endPoints().get(0));
	}

	private static byte[] utf8(String s) {
		return s.getBytes(StandardCharsets.UTF_8);
	}

	@Test
	void anAcceptedInvitationAndItsSessionAreObservedOnBothSidesWithTheInvitersContext() {
		RecordingObserver ra = new RecordingObserver();
		RecordingObserver rb = new RecordingObserver();
		PeerCollaboration a = endpoint(alice, ra);
		PeerCollaboration b = endpoint(bob, rb);
		b.registerApplication(WHITEBOARD).block(WAIT);
		Mono<CollaborationSession> bobSide = b.invitations().next().flatMap(Invitation::accept).cache();
		bobSide.subscribe();

		InvitationResponse response = peer(a, b).invite(WHITEBOARD, "join me", null)
				.contextWrite(Context.of(TRACE, "t-1")).block(WAIT);
		assertThat(response.status()).isEqualTo(InvitationStatus.ACCEPTED);
		CollaborationSession host = response.session().orElseThrow();
		CollaborationSession member = bobSide.block(WAIT);

		RecordingObserver.Call sent = ra.await("invitationSent", WAIT);
		assertThat(sent.arg(0)).isEqualTo(bob.name());
		assertThat(sent.arg(1)).isEqualTo(WHITEBOARD);
		assertThat(((ContextView) sent.arg(2)).<String>get(TRACE)).isEqualTo("t-1");
		RecordingObserver.Call answered = ra.await("invitationAnswered", WAIT);
		assertThat(answered.arg(2)).isEqualTo(InvitationStatus.ACCEPTED);
		assertThat((Duration) answered.arg(3)).isGreaterThanOrEqualTo(Duration.ZERO).isLessThan(WAIT);
		assertThat(((ContextView) answered.arg(4)).<String>get(TRACE)).isEqualTo("t-1");
		assertThat(ra.await("sessionOpened", WAIT).arg(0)).isSameAs(host);

		assertThat(rb.await("invitationReceived", WAIT).args()).containsExactly(alice.name(), WHITEBOARD);
		RecordingObserver.Call responded = rb.await("invitationResponded", WAIT);
		assertThat(responded.arg(0)).isEqualTo(alice.name());
		assertThat(responded.arg(2)).isEqualTo(InvitationState.ACCEPTED);
		assertThat((Duration) responded.arg(3)).isGreaterThanOrEqualTo(Duration.ZERO);
		assertThat(rb.await("sessionOpened", WAIT).arg(0)).isSameAs(member);

		// messages and bytes, both ways
		host.send(utf8("hello")).block(WAIT);
		member.send(utf8("hi!")).block(WAIT);
		assertThat(ra.await("sessionMessageSent", WAIT).args()).containsExactly(host, 5);
		assertThat(rb.await("sessionMessageReceived", WAIT).args()).containsExactly(member, alice.name(), 5);
		assertThat(rb.await("sessionMessageSent", WAIT).args()).containsExactly(member, 3);
		assertThat(ra.await("sessionMessageReceived", WAIT).args()).containsExactly(host, bob.name(), 3);

		host.dispose();
		assertThat(ra.await("sessionClosed", WAIT).arg(0)).isSameAs(host);
		assertThat(rb.await("sessionClosed", WAIT).arg(0)).isSameAs(member);
		assertThat(ra.recorded("sessionMessageSent")).hasSize(1);
	}

	@Test
	void inMemoryConnectionsAreObservedOnBothSidesAndAFailedConnectWithItsError() {
		RecordingObserver ra = new RecordingObserver();
		RecordingObserver rb = new RecordingObserver();
		PeerCollaboration a = endpoint(alice, ra);
		PeerCollaboration b = endpoint(bob, rb);
		assertThat(peer(a, b).presence().block(WAIT)).isNotNull();
		assertThat(ra.await("connectionOpened", WAIT).args()).containsExactly(bob.name(),
				b.endPoints().get(0).address(), CollaborationObserver.Direction.OUTBOUND);
		assertThat(rb.await("connectionOpened", WAIT).args()).containsExactly(alice.name(),
				a.endPoints().get(0).address(), CollaborationObserver.Direction.INBOUND);

		// Bob is not at Alice's address: the pin fails the connect
		assertThat(b.peer(bob.name(), a.endPoints().get(0)).presence().onErrorResume(e -> Mono.empty()).block(WAIT))
				.isNull();
		RecordingObserver.Call failed = rb.await("connectFailed", WAIT);
		assertThat(failed.arg(0)).isEqualTo(bob.name());
		assertThat(failed.arg(2)).isInstanceOf(PeerIdentityMismatchException.class);

		b.close().block(WAIT);
		assertThat(ra.await("connectionClosed", WAIT).arg(2)).isEqualTo(CollaborationObserver.Direction.OUTBOUND);
		assertThat(rb.await("connectionClosed", WAIT).arg(2)).isEqualTo(CollaborationObserver.Direction.INBOUND);
	}

	@Test
	void declinedAndRefusedInvitationsAreObservedWithTheirOutcome() {
		RecordingObserver ra = new RecordingObserver();
		RecordingObserver rb = new RecordingObserver();
		PeerCollaboration a = endpoint(alice, ra);
		PeerCollaboration b = endpoint(bob, rb);

		// not registered at bob: declined at once by a rule, before anyone saw it
		assertThat(peer(a, b).invite(WHITEBOARD, "", null).block(WAIT).status()).isEqualTo(InvitationStatus.DECLINED);
		assertThat(ra.await("invitationAnswered", WAIT).arg(2)).isEqualTo(InvitationStatus.DECLINED);
		assertThat(rb.await("invitationResponded", WAIT).arg(2)).isEqualTo(InvitationState.DECLINED);

		b.registerApplication(WHITEBOARD).block(WAIT);
		b.invitations().next().flatMap(inv -> inv.decline("busy")).subscribe();
		assertThat(peer(a, b).invite(WHITEBOARD, "", null).block(WAIT).status()).isEqualTo(InvitationStatus.DECLINED);
		assertThat(ra.recorded("invitationAnswered")).hasSize(2);
		assertThat(rb.await("invitationResponded", c -> rb.recorded("invitationResponded").size() == 2, WAIT))
				.isNotNull();
		assertThat(rb.recorded("invitationResponded")).extracting(c -> c.arg(2))
				.containsExactly(InvitationState.DECLINED, InvitationState.DECLINED);
		assertThat(rb.recorded("invitationReceived")).hasSize(2);
		assertThat(ra.recorded("sessionOpened")).isEmpty();
	}

	@Test
	void aCancelledInvitationIsObservedAsFailedWithACancellationAndWithdrawnAtTheInvitee() {
		RecordingObserver ra = new RecordingObserver();
		RecordingObserver rb = new RecordingObserver();
		PeerCollaboration a = endpoint(alice, ra);
		PeerCollaboration b = endpoint(bob, rb);
		b.registerApplication(WHITEBOARD).block(WAIT);
		Sinks.One<Invitation> shown = Sinks.one();
		Disposable listening = b.invitations().subscribe(shown::tryEmitValue);
		try {
			Disposable inviting = peer(a, b).invite(WHITEBOARD, "", null).contextWrite(Context.of(TRACE, "t-2"))
					.subscribe();
			shown.asMono().block(WAIT);
			inviting.dispose();
			RecordingObserver.Call failed = ra.await("invitationFailed", WAIT);
			assertThat(failed.arg(2)).isInstanceOf(CancellationException.class);
			assertThat(((ContextView) failed.arg(4)).<String>get(TRACE)).isEqualTo("t-2");
			assertThat(rb.await("invitationResponded", WAIT).arg(2)).isEqualTo(InvitationState.WITHDRAWN);
		}
		finally {
			listening.dispose();
		}
	}

	@Test
	void followersAreObservedWhenTheyStartAndStopFollowing() {
		RecordingObserver ra = new RecordingObserver();
		PeerCollaboration a = endpoint(alice, ra);
		PeerCollaboration b = endpoint(bob, CollaborationObserver.NOOP);
		Disposable following = peer(b, a).events().subscribe();
		try {
			assertThat(ra.await("followerAdded", WAIT).arg(0)).isEqualTo(bob.name());
		}
		finally {
			following.dispose();
		}
		assertThat(ra.await("followerRemoved", WAIT).arg(0)).isEqualTo(bob.name());
	}

	@Test
	void publishingAndResolvingInternetRecordsAreObservedWithTheirOutcome() {
		RecordingObserver ra = new RecordingObserver();
		PeerCollaboration b = endpoint(bob, CollaborationObserver.NOOP);
		PeerNamePublisher publisher = new PeerNamePublisher() {
			@Override
			public Mono<Void> publish(PeerIdentity identity, List<PeerEndPoint> endPoints) {
				return Mono.empty();
			}

			@Override
			public Duration recordLifetime() {
				return Duration.ofHours(2);
			}
		};
		PeerNameResolver finds = contact -> contact.name().equals(bob.name())
				? Flux.just(new EndpointRecord(b.endPoints().get(0), EndpointSource.DHT, Duration.ofMinutes(5)))
				: Flux.empty();
		PeerNameResolver fails = contact -> Flux.error(new PeerUnreachableException("no route to the DHT"));
		PeerCollaboration a = endpoint(alice, ra,
				builder -> builder.namePublisher(publisher).nameResolver(finds).nameResolver(fails));

		RecordingObserver.Call published = ra.await("namePublished", WAIT);
		assertThat(published.arg(0)).isSameAs(publisher);
		assertThat((Integer) published.arg(1)).isPositive();
		assertThat(published.arg(2)).isEqualTo(CollaborationObserver.Outcome.SUCCESS);

		b.registerApplication(WHITEBOARD).block(WAIT);
		b.invitations().next().flatMap(inv -> inv.decline("")).subscribe();
		PeerContact contact = PeerContact.of(bob.name(), "bob", bob.certificate());
		assertThat(a.peer(contact).invite(WHITEBOARD, "", null).block(WAIT).status())
				.isEqualTo(InvitationStatus.DECLINED);
		assertThat(ra.await("nameResolved", c -> c.arg(0) == finds, WAIT).args().subList(1, 3))
				.containsExactly(bob.name(), CollaborationObserver.Outcome.SUCCESS);
		assertThat(ra.await("nameResolved", c -> c.arg(0) == fails, WAIT).arg(2))
				.isEqualTo(CollaborationObserver.Outcome.FAILURE);
	}

	@Test
	void peersNearMeAreObservedAsTheyAreShownAndRemovedWithoutASubscriber() {
		RecordingObserver ra = new RecordingObserver();
		ScriptedDiscovery discovery = new ScriptedDiscovery();
		PeerCollaboration a = PeerCollaboration.builder().identity(alice).transport(network.transport())
				.discovery(discovery).observer(ra).build();
		open.add(a);
		a.signIn(PeerScope.NEAR_ME).block(WAIT);
		PeerCollaboration b = endpoint(bob, CollaborationObserver.NOOP);

		discovery.announce(bob.name(), "Bob", b.endPoints().get(0));
		PeerNearMeEvent added = (PeerNearMeEvent) ra.await("peerNearMe", WAIT).arg(0);
		assertThat(added.type()).isEqualTo(ChangeType.ADDED);
		assertThat(added.peer().name()).isEqualTo(bob.name());
		discovery.remove(bob.name(), "Bob", b.endPoints().get(0));
		assertThat(ra.await("peerNearMe", c -> ((PeerNearMeEvent) c.arg(0)).type() == ChangeType.REMOVED, WAIT))
				.isNotNull();
	}

	@Test
	void anObserverThatThrowsEverywhereNeverBreaksTheEndpoint() {
		AtomicInteger calls = new AtomicInteger();
		CollaborationObserver throwing = (CollaborationObserver) Proxy.newProxyInstance(
				CollaborationObserver.class.getClassLoader(), new Class<?>[] { CollaborationObserver.class },
				(proxy, method, args) -> {
					switch (method.getName()) {
						case "toString":
							return "throwing observer";
						case "hashCode":
							return System.identityHashCode(proxy);
						case "equals":
							return proxy == args[0];
						default:
							calls.incrementAndGet();
							throw new IllegalStateException("observer failure in " + method.getName());
					}
				});
		PeerCollaboration a = endpoint(alice, throwing);
		PeerCollaboration b = endpoint(bob, throwing);
		b.registerApplication(WHITEBOARD).block(WAIT);
		Mono<CollaborationSession> bobSide = b.invitations().next().flatMap(Invitation::accept).cache();
		bobSide.subscribe();
		CollaborationSession host = peer(a, b).invite(WHITEBOARD, "", null).block(WAIT).session().orElseThrow();
		CollaborationSession member = bobSide.block(WAIT);
		Mono<SessionMessage> first = member.receive().next().cache();
		first.subscribe();
		host.send(utf8("still works")).block(WAIT);
		assertThat(new String(first.block(WAIT).data(), StandardCharsets.UTF_8)).isEqualTo("still works");
		host.dispose();
		member.onClose().onErrorResume(e -> Mono.empty()).block(WAIT);
		assertThat(calls.get()).as("the observer was called, and threw each time").isGreaterThanOrEqualTo(8);
	}

	@Test
	void theBuilderDefaultsToTheNoOpObserverAndRefusesNull() {
		assertThatThrownBy(() -> PeerCollaboration.builder().observer(null)).isInstanceOf(NullPointerException.class)
				.hasMessageContaining("observer");
		// every method of NOOP does nothing, whatever it is given
		CollaborationObserver.NOOP.sessionMessageSent(null, 1);
		CollaborationObserver.NOOP.invitationSent(null, null, Context.empty());
		assertThat(CollaborationObserver.NOOP).hasToString("CollaborationObserver.NOOP");
	}

	@Test
	void publicStreamsCarryReactorNamesThatTapSees() {
		PeerCollaboration a = endpoint(alice, CollaborationObserver.NOOP);
		assertThat(Scannable.from(a.invitations()).name()).isEqualTo("peercollab.invitations.received");
		assertThat(Scannable.from(a.peersNearMe()).name()).isEqualTo("peercollab.peers.near.me");
		assertThat(Scannable.from(a.diagnostics()).name()).isEqualTo("peercollab.diagnostics");

		// tap(), as Micrometer.metrics(registry) uses it, reads the name of the stream it is applied to
		Sinks.One<String> seen = Sinks.one();
		SignalListenerFactory<Invitation, Void> factory = new SignalListenerFactory<>() {
			@Override
			public Void initializePublisherState(Publisher<? extends Invitation> source) {
				seen.tryEmitValue(Scannable.from(source).name());
				return null;
			}

			@Override
			public SignalListener<Invitation> createListener(Publisher<? extends Invitation> source,
					ContextView listenerContext, Void publisherContext) {
				return new DefaultSignalListener<>() {
				};
			}
		};
		Disposable tapped = a.invitations().tap(factory).subscribe();
		try {
			assertThat(seen.asMono().block(WAIT)).isEqualTo("peercollab.invitations.received");
		}
		finally {
			tapped.dispose();
		}
	}
}
