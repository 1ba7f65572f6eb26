// SPDX-License-Identifier: Apache-2.0
package example;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;

import io.peercollab.ChangeType;
import io.peercollab.CollaborationObserver;
import io.peercollab.Invitation;
import io.peercollab.InvitationResponse;
import io.peercollab.InvitationStatus;
import io.peercollab.PayloadTooLargeException;
import io.peercollab.PeerApplication;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerEndPoint;
import io.peercollab.PeerNearMe;
import io.peercollab.PeerScope;
import io.peercollab.PeerUnreachableException;
import io.peercollab.contact.ContactStores;
import io.peercollab.contact.PeerContact;
import io.peercollab.dht.MainlineDht;
import io.peercollab.discovery.MdnsDiscovery;
import io.peercollab.identity.KeyType;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.identity.PeerName;
import io.peercollab.local.InMemoryPeerTransport;
import io.peercollab.spi.ContactStore;
import reactor.core.publisher.Mono;
import reactor.util.context.ContextView;

/**
 * A project that depends on peercollab-reactive-core alone uses every library the core brings, on the classpath its
 * build resolved: Bouncy Castle (identities, PKCS#12), jmDNS (discovery near me on loopback), Reactor, R2DBC H2 (a
 * contact kept across two runs of an endpoint), and dnsjava with the DHT client (DHT records encoded, one refused as too
 * large, one given to a node that knows no other: each must end with its documented exception, not a
 * missing class). The in-memory transport stands in for a network transport, as in a user's tests. Exits 0 only if
 * all of it worked; a watchdog ends it with status 2 after {@link #DEADLINE}.
 */
public final class CoreOnly {

	static final PeerApplication APP = PeerApplication.of(
			UUID.fromString("9a1e4b0c-3f6d-4c21-8e55-0d7b2f4c6a19"), "Core check", PeerScope.NEAR_ME);
	static final Duration STEP = Duration.ofSeconds(45);
	static final Duration DEADLINE = Duration.ofSeconds(120);

	public static void main(String[] args) {
		startWatchdog();
		boolean ok;
		try {
			ok = run(Path.of(args[0]));
		}
		catch (Throwable t) {
			System.out.println("[core] failed: " + t);
			t.printStackTrace(System.out);
			ok = false;
		}
		System.out.println("[core] " + (ok ? "PASSED" : "FAILED"));
		System.out.flush();
		System.exit(ok ? 0 : 1);
	}

	static boolean run(Path workRoot) throws Exception {
		Path work = Files.createTempDirectory(Files.createDirectories(workRoot), "run");   // fresh on every build
		// Bouncy Castle: both key types, saved and loaded as PKCS#12
		PeerIdentity alice = PeerIdentity.generate("alice");
		Path file = work.resolve("alice.p12");
		alice.save(file, "secret".toCharArray());
		PeerIdentity aliceAgain = PeerIdentity.load(file, "secret".toCharArray());
		PeerIdentity bob = PeerIdentity.generate("bob", KeyType.EC_P256);
		boolean identities = aliceAgain.name().equals(alice.name()) && alice.keyType() == KeyType.ED25519;
		System.out.println("[core] identities " + alice.name() + ", " + bob.name() + ": " + identities);

		// jmDNS + Reactor + R2DBC H2: Alice finds Bob near me, invites him, keeps him as a contact in an H2 file
		Path store = work.resolve("alice-store");
		InMemoryPeerTransport.Network network = new InMemoryPeerTransport.Network();
		// an observer, without Micrometer on this classpath: the optional binding is loaded only by who uses it
		AtomicReference<InvitationStatus> observed = new AtomicReference<>();
		CollaborationObserver observer = new CollaborationObserver() {
			@Override
			public void invitationAnswered(PeerName invitee, PeerApplication application, InvitationStatus status,
					Duration latency, ContextView context) {
				observed.set(status);
			}
		};
		PeerCollaboration a = endpoint(alice, network, ContactStores.h2(store), observer);
		PeerCollaboration b = endpoint(bob, network, ContactStores.inMemory());
		InvitationResponse response;
		try {
			for (PeerCollaboration p : List.of(a, b)) {
				p.registerApplication(APP).then(p.signIn(PeerScope.NEAR_ME)).block(STEP);
			}
			b.invitations().flatMap(Invitation::accept).subscribe();
			PeerNearMe bobNearAlice = a.peersNearMe()
					.filter(e -> e.type() == ChangeType.ADDED && e.peer().name().equals(bob.name()))
					.blockFirst(STEP)
					.peer();
			response = bobNearAlice.invite(APP, "core check", null).block(STEP);
			System.out.println("[core] Bob answered " + response);
			a.contacts().createContact(bobNearAlice).block(STEP);
		}
		finally {
			a.close().block(STEP);
			b.close().block(STEP);
		}
		PeerCollaboration aRestarted = endpoint(alice, network, ContactStores.h2(store));
		PeerContact kept;
		try {
			kept = aRestarted.contacts().find(bob.name()).block(STEP);
		}
		finally {
			aRestarted.close().block(STEP);
		}
		boolean stored = kept != null && kept.name().equals(bob.name());
		System.out.println("[core] contact kept in H2 across a restart: " + stored);
		boolean micrometerAbsent = false;
		try {
			Class.forName("io.micrometer.core.instrument.MeterRegistry");
		}
		catch (ClassNotFoundException e) {
			micrometerAbsent = true;
		}
		boolean observing = micrometerAbsent && observed.get() == InvitationStatus.ACCEPTED;
		System.out.println("[core] observer saw " + observed.get() + " without Micrometer on the classpath ("
				+ micrometerAbsent + "): " + observing);

		// dnsjava + the DHT client on Reactor Netty UDP: a record too large for BEP 44 is refused once encoded, before
		// the node starts; a small one starts a node that knows no bootstrap node, so no node gives it a token and the
		// publish must end with PeerUnreachableException: a missing or mismatched class would end it otherwise.
		MainlineDht dht = MainlineDht.builder()
				.bindAddress(InetAddress.getLoopbackAddress())
				.port(0)
				.bootstrapNodes(List.of())
				.lookupTimeout(Duration.ofSeconds(2))
				.build();
		Throwable tooLarge;
		Throwable small;
		try {
			List<PeerEndPoint> many = IntStream.range(0, 100)
					.mapToObj(i -> PeerEndPoint.of(new InetSocketAddress("127.0.0.1", 4000 + i)))
					.toList();
			tooLarge = failureOf(dht.publish(alice, many));
			small = failureOf(dht.publish(alice, List.of(PeerEndPoint.of(new InetSocketAddress("127.0.0.1", 4000)))));
		}
		finally {
			dht.close().block(STEP);
		}
		boolean dhtOk = tooLarge instanceof PayloadTooLargeException && small instanceof PeerUnreachableException;
		System.out.println("[core] DHT record of 100 endpoints: " + tooLarge);
		System.out.println("[core] DHT record of 1 endpoint, no node to store it: " + small);
		System.out.println("[core] DHT: " + dhtOk);
		return identities && response.status() == InvitationStatus.ACCEPTED && stored && observing && dhtOk;
	}

	static Throwable failureOf(Mono<Void> publish) {
		return publish.then(Mono.<Throwable>empty()).onErrorResume(Mono::just).block(STEP);
	}

	static PeerCollaboration endpoint(PeerIdentity identity, InMemoryPeerTransport.Network network, ContactStore store) {
		return endpoint(identity, network, store, CollaborationObserver.NOOP);
	}

	static PeerCollaboration endpoint(PeerIdentity identity, InMemoryPeerTransport.Network network, ContactStore store,
			CollaborationObserver observer) {
		return PeerCollaboration.builder()
				.identity(identity)
				.contactStore(store)
				.discovery(MdnsDiscovery.onLoopback())
				.transport(network.transport())
				.observer(observer)
				.build();
	}

	static void startWatchdog() {
		Thread watchdog = new Thread(() -> {
			try {
				Thread.sleep(DEADLINE.toMillis());
			}
			catch (InterruptedException e) {
				return;
			}
			System.out.println("[core] FAILED: not finished after " + DEADLINE.toSeconds() + " s");
			System.out.flush();
			Runtime.getRuntime().halt(2);
		}, "watchdog");
		watchdog.setDaemon(true);
		watchdog.start();
	}
}
