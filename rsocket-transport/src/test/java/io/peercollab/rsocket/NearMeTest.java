// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import io.peercollab.ChangeType;
import io.peercollab.CollaborationContract;
import io.peercollab.CollaborationSession;
import io.peercollab.Diagnostic;
import io.peercollab.Invitation;
import io.peercollab.InvitationResponse;
import io.peercollab.InvitationStatus;
import io.peercollab.NotSignedInException;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerNearMe;
import io.peercollab.PeerNearMeEvent;
import io.peercollab.PeerScope;
import io.peercollab.contact.PeerContact;
import io.peercollab.discovery.MdnsDiscovery;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.identity.PeerName;
import io.peercollab.internal.engine.TestAccess;
import io.peercollab.internal.nearme.NearMe;
import io.peercollab.rsocket.internal.RSocketBinding;
import io.peercollab.rsocket.internal.TransportSettings;
import io.peercollab.spi.Announcement;
import io.peercollab.spi.DiscoverySession;
import io.peercollab.spi.PeerTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * People near me end to end: mDNS on the loopback interface, RSocket with TLS on 127.0.0.1. Each test uses a service
 * type of its own, so tests never see each other's announcements.
 */
@Tag("slow")
@Timeout(120)
class NearMeTest {

	private static final Duration DISCOVERY = Duration.ofSeconds(20);
	private static final Duration WAIT = Duration.ofSeconds(10);
	private static PeerIdentity alice;
	private static PeerIdentity bob;
	private static PeerIdentity carol;

	private final List<PeerCollaboration> open = new ArrayList<>();
	private final Map<PeerName, RSocketBinding> bindings = new ConcurrentHashMap<>();
	private final List<AutoCloseable> resources = new ArrayList<>();
	private final List<Disposable> subscriptions = new ArrayList<>();
	private String serviceType;

	@BeforeAll
	static void identities() {
		alice = PeerIdentity.generate("alice");
		bob = PeerIdentity.generate("bob");
		carol = PeerIdentity.generate("carol");
	}

	@BeforeEach
	void serviceType() {
		Random r = new Random();
		StringBuilder b = new StringBuilder("_pct");
		for (int i = 0; i < 8; i++) {
			b.append((char) ('a' + r.nextInt(26)));
		}
		serviceType = b + "._tcp.local.";
	}

	@AfterEach
	void close() throws Exception {
		subscriptions.forEach(Disposable::dispose);
		Flux.fromIterable(open).flatMap(PeerCollaboration::close).then().block(Duration.ofSeconds(30));
		for (AutoCloseable r : resources) {
			r.close();
		}
	}

	private MdnsDiscovery discovery() {
		return MdnsDiscovery.onLoopback().serviceType(serviceType);
	}

	private PeerCollaboration endpoint(PeerIdentity id, String nickname) {
		RSocketPeerTransport transport = RSocketPeerTransport.tcp().host("127.0.0.1").keepAlive(Duration.ofMillis(200),
				Duration.ofSeconds(2));
		PeerTransport capturing = (identity, handler) -> transport.bind(identity, handler)
				.doOnNext(b -> bindings.put(identity.name(), (RSocketBinding) b));
		PeerCollaboration c = PeerCollaboration.builder().identity(id).nickname(nickname)
				.discovery(discovery())
				.transport(capturing)
				.build();
		open.add(c);
		return c;
	}

	/** Records a peer's near-me events, to await them with a deadline. */
	private BlockingQueue<PeerNearMeEvent> record(PeerCollaboration c) {
		BlockingQueue<PeerNearMeEvent> q = new LinkedBlockingQueue<>();
		subscriptions.add(c.peersNearMe().subscribe(q::add, e -> {
		}));
		return q;
	}

	private static PeerNearMeEvent await(BlockingQueue<PeerNearMeEvent> q, Duration within,
			Predicate<PeerNearMeEvent> what) throws InterruptedException {
		long deadline = System.nanoTime() + within.toNanos();
		while (true) {
			long left = deadline - System.nanoTime();
			PeerNearMeEvent e = q.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
			if (e == null) {
				throw new AssertionError("no matching near-me event within " + within);
			}
			if (what.test(e)) {
				return e;
			}
		}
	}

	@Test
	void peersNearMeFailsWhenNotSignedInToNearMe() {
		PeerCollaboration a = endpoint(alice, "Alice");
		StepVerifier.create(a.peersNearMe()).expectError(NotSignedInException.class).verify(WAIT);
		a.signIn(PeerScope.INTERNET).block(WAIT);
		StepVerifier.create(a.getPeersNearMe()).expectError(NotSignedInException.class).verify(WAIT);
	}

	@Test
	void discoveredInvitedAcceptedAndAddedAsContactWithoutTypingAnAddress() throws Exception {
		PeerCollaboration a = endpoint(alice, "Alice");
		PeerCollaboration b = endpoint(bob, "Bob");
		b.registerApplication(CollaborationContract.WHITEBOARD).block(WAIT);
		a.signIn(PeerScope.NEAR_ME).block(WAIT);
		BlockingQueue<PeerNearMeEvent> seenByAlice = record(a);
		b.signIn(PeerScope.NEAR_ME).block(WAIT);

		PeerNearMe found = await(seenByAlice, DISCOVERY, e -> e.type() == ChangeType.ADDED).peer();
		assertThat(found.name()).isEqualTo(b.name());
		assertThat(found.nickname()).isEqualTo("Bob");
		assertThat(found.endPoints()).extracting(ep -> ep.tcpAddress().getPort())
				.contains(b.endPoints().get(0).tcpAddress().getPort());
		assertThat(a.getPeersNearMe().block(WAIT)).extracting(PeerNearMe::name)
				.as("itself is never near itself").containsExactly(b.name());

		Mono<CollaborationSession> accepted = b.invitations().next().flatMap(Invitation::accept).cache();
		accepted.subscribe();
		InvitationResponse r = found.invite(CollaborationContract.WHITEBOARD, "draw?", null).block(WAIT);
		assertThat(r.status()).isEqualTo(InvitationStatus.ACCEPTED);
		assertThat(accepted.block(WAIT).host()).isEqualTo(a.name());
		assertThat(found.isVerified()).isTrue();

		PeerContact contact = a.contacts().createContact(found).block(WAIT);
		assertThat(contact.name()).isEqualTo(b.name());
		assertThat(contact.certificate()).isEqualTo(bob.certificate());
	}

	@Test
	void nicknameChangeArrivesAsUpdatedAndSignOutIsSeenWithinTwoSeconds() throws Exception {
		PeerCollaboration a = endpoint(alice, "Alice");
		PeerCollaboration b = endpoint(bob, "Bob");
		a.signIn(PeerScope.NEAR_ME).block(WAIT);
		BlockingQueue<PeerNearMeEvent> seen = record(a);
		b.signIn(PeerScope.NEAR_ME).block(WAIT);
		await(seen, DISCOVERY, e -> e.type() == ChangeType.ADDED && e.peer().name().equals(b.name()));
		awaitVerified(a, b);

		b.setNickname("Bobby").block(DISCOVERY);
		await(seen, DISCOVERY, e -> e.type() == ChangeType.UPDATED && e.peer().nickname().equals("Bobby"));

		long start = System.nanoTime();
		b.signOut(PeerScope.NEAR_ME).block(WAIT);
		await(seen, Duration.ofSeconds(2), e -> e.type() == ChangeType.REMOVED && e.peer().name().equals(b.name()));
		System.out.printf("sign-out to REMOVED: %d ms%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
	}

	/** Waits until neither endpoint holds a connection from the other: verifying a neighbour lets the connection go. */
	private void awaitNoConnectionHeld(PeerCollaboration a, PeerCollaboration b) {
		awaitTrue(Mono.fromCallable(() -> bindings.get(a.name()).inboundConnectionCount() == 0
				&& bindings.get(b.name()).inboundConnectionCount() == 0));
	}

	@Test
	void aPeerWhoseProcessDiesWithoutSigningOutIsRemovedWithinTheProbePeriod() throws Exception {
		PeerCollaboration a = endpoint(alice, "Alice");
		PeerCollaboration b = endpoint(bob, "Bob");
		a.signIn(PeerScope.NEAR_ME).block(WAIT);
		BlockingQueue<PeerNearMeEvent> seen = record(a);
		b.signIn(PeerScope.NEAR_ME).block(WAIT);
		await(seen, DISCOVERY, e -> e.type() == ChangeType.ADDED);
		awaitVerified(a, b);
		awaitNoConnectionHeld(a, b);

		// no goodbye, no mDNS goodbye, no connection to notice it: the port refuses the next probe
		long start = System.nanoTime();
		TestAccess.crashTransport(b);
		await(seen, NearMe.PROBE_PERIOD.plusSeconds(1),
				e -> e.type() == ChangeType.REMOVED && e.peer().name().equals(b.name()));
		System.out.printf("vanished to REMOVED, no connection held: %d ms%n",
				TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
	}

	@Test
	void aCallThatFindsAPeerGoneRemovesItAtOnce() throws Exception {
		PeerCollaboration a = endpoint(alice, "Alice");
		PeerCollaboration b = endpoint(bob, "Bob");
		a.signIn(PeerScope.NEAR_ME).block(WAIT);
		BlockingQueue<PeerNearMeEvent> seen = record(a);
		b.signIn(PeerScope.NEAR_ME).block(WAIT);
		PeerNearMe found = await(seen, DISCOVERY, e -> e.type() == ChangeType.ADDED).peer();
		awaitVerified(a, b);
		awaitNoConnectionHeld(a, b);

		TestAccess.crashTransport(b);
		long start = System.nanoTime();
		StepVerifier.create(found.presence()).expectError(io.peercollab.PeerUnreachableException.class).verify(WAIT);
		await(seen, Duration.ofSeconds(1), e -> e.type() == ChangeType.REMOVED && e.peer().name().equals(b.name()));
		System.out.printf("failed call to REMOVED: %d ms%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
	}

	@Test
	void aPeerWhoseMachineLeavesTheNetworkIsRemovedWithinTheProbePeriodAndTheConnectTimeout() throws Exception {
		PeerCollaboration a = endpoint(alice, "Alice");
		PeerCollaboration b = endpoint(bob, "Bob");
		a.signIn(PeerScope.NEAR_ME).block(WAIT);
		b.signIn(PeerScope.INTERNET).block(WAIT);
		BlockingQueue<PeerNearMeEvent> seen = record(a);
		// Bob announced at a port of a proxy in front of him, so that the port can go silent
		FreezableProxy proxy = new FreezableProxy(b.endPoints().get(0).address());
		resources.add(proxy);
		int port = proxy.address().getPort();
		DiscoverySession announced = discovery().start(new Announcement(b.name(), "Bob", port)).block(WAIT);
		resources.add(() -> announced.close().block(WAIT));
		await(seen, DISCOVERY, e -> e.type() == ChangeType.ADDED && e.peer().name().equals(b.name()));
		awaitVerified(a, b);

		// The machine leaves: nothing answers at the port any more, not even with a reset. A listener whose accept
		// queue is full drops every new SYN, as a machine gone from the network would.
		proxy.close();
		ServerSocket silent = new ServerSocket();
		resources.add(silent);
		silent.setReuseAddress(true);
		silent.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
		long start = System.nanoTime();
		fillAcceptQueue(port);
		await(seen, NearMe.PROBE_PERIOD.plus(TransportSettings.DEFAULTS.connectTimeout()).plusSeconds(1),
				e -> e.type() == ChangeType.REMOVED && e.peer().name().equals(b.name()));
		System.out.printf("machine left to REMOVED: %d ms%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
	}

	/** Connects to {@code port} until a connect is not answered: the listener's accept queue is full. */
	private void fillAcceptQueue(int port) throws Exception {
		for (int i = 0; i < 16; i++) {
			Socket s = new Socket();
			resources.add(s);
			try {
				s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 300);
			}
			catch (SocketTimeoutException e) {
				return;
			}
		}
		throw new AssertionError("the accept queue of port " + port + " did not fill");
	}

	@Test
	void anImpostorClaimingAnotherPeersNameIsDroppedAndReported() throws Exception {
		PeerCollaboration a = endpoint(alice, "Alice");
		PeerCollaboration b = endpoint(bob, "Bob");
		PeerCollaboration impostor = endpoint(carol, "Mallory");
		a.signIn(PeerScope.NEAR_ME).block(WAIT);
		impostor.signIn(PeerScope.INTERNET).block(WAIT);
		BlockingQueue<PeerNearMeEvent> seen = record(a);
		BlockingQueue<Diagnostic> diagnostics = new LinkedBlockingQueue<>();
		subscriptions.add(a.diagnostics().subscribe(diagnostics::add));
		b.signIn(PeerScope.NEAR_ME).block(WAIT);

		// Carol's endpoint is announced under Bob's name: TLS answers with Carol's key.
		DiscoverySession fake = discovery()
				.start(new Announcement(b.name(), "Bob", impostor.endPoints().get(0).tcpAddress().getPort()))
				.block(WAIT);
		try {
			Diagnostic d = diagnostics.poll(DISCOVERY.toMillis(), TimeUnit.MILLISECONDS);
			while (d != null && !Diagnostic.Kind.SPOOFED_NAME.equals(d.kind())) {
				d = diagnostics.poll(DISCOVERY.toMillis(), TimeUnit.MILLISECONDS);
			}
			assertThat(d).as("a SPOOFED_NAME diagnostic").isNotNull();
			assertThat(d.message()).contains(b.name().toString());

			int impostorPort = impostor.endPoints().get(0).tcpAddress().getPort();
			awaitTrue(a.getPeersNearMe().map(l -> l.stream()
					.filter(p -> p.name().equals(b.name()))
					.allMatch(p -> p.endPoints().stream().noneMatch(ep -> ep.tcpAddress().getPort() == impostorPort))));
			PeerNearMe real = await(seen, DISCOVERY, e -> e.type() != ChangeType.REMOVED
					&& e.peer().name().equals(b.name())
					&& e.peer().endPoints().stream().noneMatch(ep -> ep.tcpAddress().getPort() == impostorPort)).peer();
			assertThat(real.presence().block(WAIT)).as("the real Bob is still reachable").isNotNull();
		}
		finally {
			fake.close().block(WAIT);
		}
	}

	private static void awaitVerified(PeerCollaboration a, PeerCollaboration b) {
		awaitTrue(a.getPeersNearMe().map(l -> l.stream().anyMatch(p -> p.name().equals(b.name()) && p.isVerified())));
	}

	private static void awaitTrue(Mono<Boolean> condition) {
		Mono.defer(() -> condition)
				.filter(Boolean::booleanValue)
				.repeatWhenEmpty(r -> r.delayElements(Duration.ofMillis(20)))
				.timeout(DISCOVERY)
				.block();
	}
}
