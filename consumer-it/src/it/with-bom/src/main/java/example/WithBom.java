// SPDX-License-Identifier: Apache-2.0
package example;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.netty.util.Version;
import io.peercollab.ChangeType;
import io.peercollab.CollaborationSession;
import io.peercollab.InvitationResponse;
import io.peercollab.InvitationStatus;
import io.peercollab.PeerApplication;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerNearMe;
import io.peercollab.PeerScope;
import io.peercollab.SessionMessage;
import io.peercollab.discovery.MdnsDiscovery;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.rsocket.RSocketPeerTransport;
import io.rsocket.RSocket;
import reactor.core.publisher.Flux;

/**
 * A project that imports peercollab-bom and names its dependencies without versions gets the versions the BOM pins,
 * and they work together: every Netty module on the classpath is the one the BOM names (first argument), rsocket-core
 * is the one it names (second argument), and two endpoints in this JVM find each other near me on loopback, invite,
 * accept and exchange a session message over RSocket and TLS. Exits 0 only if all of it held; a watchdog ends it with
 * status 2 after {@link #DEADLINE}.
 */
public final class WithBom {

	static final PeerApplication APP = PeerApplication.of(
			UUID.fromString("e3a4f1d2-7b8c-4d5e-9f60-1a2b3c4d5e6f"), "BOM check", PeerScope.NEAR_ME);
	static final Duration STEP = Duration.ofSeconds(45);
	static final Duration DEADLINE = Duration.ofSeconds(120);

	public static void main(String[] args) {
		startWatchdog();
		boolean ok;
		try {
			ok = versions(args[0], args[1]) & run();
		}
		catch (Throwable t) {
			System.out.println("[bom] failed: " + t);
			t.printStackTrace(System.out);
			ok = false;
		}
		System.out.println("[bom] " + (ok ? "PASSED" : "FAILED"));
		System.out.flush();
		System.exit(ok ? 0 : 1);
	}

	/** Every Netty module that reports a version reports the BOM's; rsocket-core's jar is the BOM's version. */
	static boolean versions(String netty, String rsocket) {
		boolean ok = true;
		Map<String, Version> modules = Version.identify();
		for (Map.Entry<String, Version> e : modules.entrySet()) {
			String version = e.getValue().artifactVersion();
			boolean same = version.equals(netty);
			System.out.println("[bom] " + e.getKey() + " " + version + (same ? "" : " (the BOM names " + netty + ")"));
			ok &= same;
		}
		ok &= !modules.isEmpty();
		String location = RSocket.class.getProtectionDomain().getCodeSource().getLocation().getPath();
		boolean rsocketPinned = location.endsWith("rsocket-core-" + rsocket + ".jar");
		System.out.println("[bom] rsocket-core from " + location + (rsocketPinned ? "" : " (the BOM names " + rsocket + ")"));
		return ok & rsocketPinned;
	}

	/** Alice finds Bob near me, invites him; he accepts and answers her message. */
	static boolean run() throws Exception {
		PeerCollaboration alice = endpoint("alice");
		PeerCollaboration bob = endpoint("bob");
		try {
			Flux.merge(alice.registerApplication(APP), bob.registerApplication(APP)).then().block(STEP);
			Flux.merge(alice.signIn(PeerScope.NEAR_ME), bob.signIn(PeerScope.NEAR_ME)).then().block(STEP);
			CompletableFuture<CollaborationSession> bobsSession = bob.invitations().next()
					.flatMap(i -> i.accept()).toFuture();
			PeerNearMe bobNearAlice = alice.peersNearMe()
					.filter(e -> e.type() == ChangeType.ADDED && e.peer().name().equals(bob.name()))
					.blockFirst(STEP)
					.peer();
			InvitationResponse response = bobNearAlice.invite(APP, "check the BOM", null).block(STEP);
			System.out.println("[bom] Bob answered " + response);
			if (response.status() != InvitationStatus.ACCEPTED || response.session().isEmpty()) {
				return false;
			}
			CollaborationSession session = response.session().get();
			CollaborationSession hers = bobsSession.get(STEP.toSeconds(), TimeUnit.SECONDS);
			hers.receive().take(1).concatMap(m -> hers.send(("pong:" + m.text()).getBytes(UTF_8))).subscribe();
			CompletableFuture<SessionMessage> reply = session.receive().next().toFuture();
			session.send("ping".getBytes(UTF_8)).block(STEP);
			SessionMessage pong = reply.get(STEP.toSeconds(), TimeUnit.SECONDS);
			System.out.println("[bom] Alice received \"" + pong.text() + "\" from " + pong.from());
			session.dispose();
			return pong.text().equals("pong:ping") && pong.from().equals(bob.name());
		}
		finally {
			Flux.merge(alice.close(), bob.close()).then().block(STEP);
		}
	}

	static PeerCollaboration endpoint(String classifier) {
		return PeerCollaboration.builder()
				.identity(PeerIdentity.generate(classifier))
				.discovery(MdnsDiscovery.onLoopback())
				.transport(RSocketPeerTransport.tcp().host("127.0.0.1").port(0))
				.build();
	}

	/** Ends this JVM with status 2 if the check has not finished by {@link #DEADLINE}. */
	static void startWatchdog() {
		Thread watchdog = new Thread(() -> {
			try {
				Thread.sleep(DEADLINE.toMillis());
			}
			catch (InterruptedException e) {
				return;
			}
			System.out.println("[bom] FAILED: not finished after " + DEADLINE.toSeconds() + " s");
			System.out.flush();
			Runtime.getRuntime().halt(2);
		}, "watchdog");
		watchdog.setDaemon(true);
		watchdog.start();
	}
}
