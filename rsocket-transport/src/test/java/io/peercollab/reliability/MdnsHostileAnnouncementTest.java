// SPDX-License-Identifier: Apache-2.0
package io.peercollab.reliability;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import javax.jmdns.JmDNS;
import javax.jmdns.ServiceInfo;

import io.peercollab.ChangeType;
import io.peercollab.Diagnostic;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerEndPoint;
import io.peercollab.PeerNearMe;
import io.peercollab.PeerNearMeEvent;
import io.peercollab.PeerScope;
import io.peercollab.PresenceInfo;
import io.peercollab.TcpAddress;
import io.peercollab.discovery.MdnsDiscovery;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile mDNS announcements against real endpoints: {@link PeerCollaboration}s with {@link MdnsDiscovery#onLoopback()}
 * (on a service type of this test's own) and RSocket on 127.0.0.1, and a plain jmDNS instance on 127.0.0.1 that
 * announces malformed, missing, duplicated and over-long TXT values, and impostors: the victim's name announced at
 * the real TLS endpoints of another identity.
 */
@Tag("slow")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MdnsHostileAnnouncementTest {

	private static final Duration APPEAR = Duration.ofSeconds(30);

	private final String serviceType = String.format(Locale.ROOT, "_pcrel%06x._tcp.local.",
			ThreadLocalRandom.current().nextInt(1 << 24));
	private final Endpoints endpoints = new Endpoints();
	private final List<PeerCollaboration> mdnsEndpoints = new CopyOnWriteArrayList<>();
	private final List<Disposable> subscriptions = new CopyOnWriteArrayList<>();
	private JmDNS hostile;

	@AfterEach
	void stop() {
		subscriptions.forEach(Disposable::dispose);
		Mono<Void> closeHostile = Mono.fromRunnable(() -> {
			if (hostile != null) {
				try {
					hostile.close();
				}
				catch (IOException e) {
					// closing anyway
				}
			}
		}).subscribeOn(Schedulers.boundedElastic()).then();
		Mono.when(closeHostile, Mono.when(mdnsEndpoints.stream().map(PeerCollaboration::close).toList()))
				.block(Duration.ofSeconds(30));
		endpoints.close();
	}

	private PeerCollaboration mdnsEndpoint(String classifier, String nickname) {
		PeerCollaboration c = PeerCollaboration.builder()
				.identity(Endpoints.identity(classifier))
				.nickname(nickname)
				.transport(Endpoints.loopback())
				.discovery(MdnsDiscovery.onLoopback().serviceType(serviceType))
				.build();
		mdnsEndpoints.add(c);
		c.signIn(PeerScope.ALL).block(Endpoints.WAIT);
		return c;
	}

	@Test
	void malformedAnnouncementsAndImpostorsNeverHideTheVictimNorAppearAsIt() throws IOException {
		PeerCollaboration observer = mdnsEndpoint("mdns-observer", "Observer");
		List<PeerNearMeEvent> events = new CopyOnWriteArrayList<>();
		List<Diagnostic> diagnostics = new CopyOnWriteArrayList<>();
		List<Throwable> errors = new CopyOnWriteArrayList<>();
		subscriptions.add(observer.peersNearMe().subscribe(events::add, errors::add));
		subscriptions.add(observer.diagnostics().subscribe(diagnostics::add, errors::add));

		// Another identity's endpoint bound before the victim's, and so (ports being handed out upwards) usually at a
		// lower port; more are bound after it as needed.
		int earlyPort = endpoints.start("mdns-mallory").endPoints().get(0).tcpAddress().getPort();
		PeerCollaboration victim = mdnsEndpoint("mdns-victim", "Victim");
		int victimPort = victim.endPoints().get(0).tcpAddress().getPort();
		long t0 = System.nanoTime();
		Endpoints.await(APPEAR, "the victim, verified, near the observer",
				() -> current(observer).stream().anyMatch(p -> p.name().equals(victim.name()) && p.isVerified()));
		System.out.println("victim visible and verified after " + (System.nanoTime() - t0) / 1_000_000 + " ms");

		// Real TLS endpoints of another identity, on both sides of the victim's port (endpoints are listed in port
		// order, and the order once decided whether an impostor hid the victim or hid behind it).
		List<Integer> impostorPorts = impostorPorts(victimPort, earlyPort);
		System.out.println("victim at port " + victimPort + ", impostors at " + impostorPorts + " ("
				+ (impostorPorts.size() == 2 ? "one on each side" : "all on one side: only that order is tried") + ")");

		hostile = JmDNS.create(InetAddress.getByName("127.0.0.1"), "hostile-announcer");
		String pn = "pn=" + victim.name();
		Map<String, byte[]> malformed = new LinkedHashMap<>();
		malformed.put("missing-keys", txt("v=1"));
		malformed.put("missing-name", txt("v=1", "nn=Victim"));
		malformed.put("duplicated-name", txt("v=1", pn, "nn=Victim", "pn=" + victim.name()));
		malformed.put("duplicated-version", txt("v=1", pn, "nn=Victim", "V=1"));
		malformed.put("long-nickname", txt("v=1", pn, "nn=" + "n".repeat(64)));
		malformed.put("long-name", txt("v=1", "pn=" + "a".repeat(52) + "." + "c".repeat(200), "nn=x"));
		malformed.put("longest-string", txt("v=1", pn, "nn=" + "z".repeat(252)));
		malformed.put("other-version", txt("v=2", pn, "nn=Victim"));
		malformed.put("bad-name", txt("v=1", "pn=victim", "nn=Victim"));
		malformed.put("key-without-value", txt("v=1", "pn", "nn=Victim"));
		malformed.put("empty-values", txt("v=", "pn=", "nn="));
		malformed.put("truncated", new byte[] { 20, 'v', '=', '1' });
		malformed.put("not-utf8", concat(txt("v=1", pn), new byte[] { 5, 'n', 'n', '=', (byte) 0xc3, 0x28 }));
		malformed.put("binary-junk", junk());
		for (Map.Entry<String, byte[]> m : malformed.entrySet()) {
			hostile.registerService(ServiceInfo.create(serviceType, m.getKey(), victimPort, 0, 0, m.getValue()));
		}
		int i = 0;
		for (int port : impostorPorts) {
			hostile.registerService(ServiceInfo.create(serviceType, "impostor-" + i++, port, 0, 0,
					txt("v=1", pn, "nn=Victim")));
		}

		Endpoints.await(APPEAR, "a SPOOFED_NAME diagnostic for every impostor and a MALFORMED_ANNOUNCEMENT for every "
				+ "malformed one", () -> impostorPorts.stream().allMatch(port -> diagnostics.stream()
						.anyMatch(d -> Diagnostic.Kind.SPOOFED_NAME.equals(d.kind())
								&& d.message().contains(":" + port)))
						&& malformed.keySet().stream().allMatch(n -> diagnostics.stream()
								.anyMatch(d -> Diagnostic.Kind.MALFORMED_ANNOUNCEMENT.equals(d.kind())
										&& d.message().contains("'" + n + "'"))));
		System.out.println("diagnostics: " + diagnostics.size() + " after " + (System.nanoTime() - t0) / 1_000_000
				+ " ms");
		diagnostics.forEach(d -> System.out.println("  " + d.kind() + ": " + d.message()));

		// The victim is still there, at its own endpoint only, verified, and answers.
		List<PeerNearMe> now = current(observer);
		assertThat(now).filteredOn(p -> p.name().equals(victim.name())).singleElement().satisfies(p -> {
			assertThat(p.isVerified()).isTrue();
			assertThat(p.endPoints()).extracting(ep -> ep.tcpAddress().getPort()).containsExactly(victimPort);
			assertThat(p.presence().block(Endpoints.WAIT)).isEqualTo(PresenceInfo.ONLINE);
		});
		// No event ever showed the victim at an impostor's endpoint, nor removed it.
		assertThat(events).filteredOn(e -> e.peer().name().equals(victim.name()))
				.allSatisfy(e -> {
					assertThat(e.type()).isNotEqualTo(ChangeType.REMOVED);
					assertThat(e.peer().endPoints()).extracting(ep -> ep.tcpAddress().getPort())
							.doesNotContainAnyElementsOf(impostorPorts);
				});
		assertThat(errors).as("errors escaping the observer's streams").isEmpty();
		assertThat(observer.signInScope()).isEqualTo(PeerScope.ALL);

		// A late observer that first sees the victim together with the impostors drops the impostors' endpoints
		// once it checks them and keeps the victim.
		PeerCollaboration late = mdnsEndpoint("mdns-late", "Late");
		List<Diagnostic> lateDiagnostics = new CopyOnWriteArrayList<>();
		subscriptions.add(late.diagnostics().subscribe(lateDiagnostics::add));
		Endpoints.await(APPEAR, "the victim near the late observer, verified, at its own endpoint only",
				() -> current(late).stream().anyMatch(p -> p.name().equals(victim.name()) && p.isVerified()
						&& p.endPoints().stream().map(PeerEndPoint::tcpAddress).allMatch(a -> a.getPort() == victimPort)));
		Endpoints.await(APPEAR, "the late observer's SPOOFED_NAME diagnostics", () -> impostorPorts.stream()
				.allMatch(port -> lateDiagnostics.stream().anyMatch(d -> Diagnostic.Kind.SPOOFED_NAME.equals(d.kind())
						&& d.message().contains(":" + port))));
	}

	private List<Integer> impostorPorts(int victimPort, int earlyPort) {
		List<Integer> below = new ArrayList<>();
		List<Integer> above = new ArrayList<>();
		(earlyPort < victimPort ? below : above).add(earlyPort);
		for (int k = 0; k < 8 && (below.isEmpty() || above.isEmpty()); k++) {
			int port = endpoints.start("mdns-mallory").endPoints().get(0).tcpAddress().getPort();
			(port < victimPort ? below : above).add(port);
		}
		List<Integer> ports = new ArrayList<>();
		if (!below.isEmpty()) {
			ports.add(below.get(0));
		}
		if (!above.isEmpty()) {
			ports.add(above.get(0));
		}
		return ports;
	}

	private static List<PeerNearMe> current(PeerCollaboration c) {
		return c.getPeersNearMe().block(Endpoints.WAIT);
	}

	/** @return a TXT record of these strings, each with its length byte */
	static byte[] txt(String... strings) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		for (String s : strings) {
			byte[] b = s.getBytes(StandardCharsets.UTF_8);
			out.write(Math.min(255, b.length));
			out.write(b, 0, Math.min(255, b.length));
		}
		return out.toByteArray();
	}

	private static byte[] concat(byte[] a, byte[] b) {
		byte[] c = new byte[a.length + b.length];
		System.arraycopy(a, 0, c, 0, a.length);
		System.arraycopy(b, 0, c, a.length, b.length);
		return c;
	}

	private static byte[] junk() {
		byte[] b = new byte[255];
		ThreadLocalRandom.current().nextBytes(b);
		b[0] = (byte) 254;
		return b;
	}
}
