// SPDX-License-Identifier: Apache-2.0
package io.peercollab.discovery;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.jmdns.JmDNS;
import javax.jmdns.ServiceInfo;

import io.peercollab.ChangeType;
import io.peercollab.Diagnostic;
import io.peercollab.NotSignedInException;
import io.peercollab.PeerCollabException;
import io.peercollab.PeerEndPoint;
import io.peercollab.identity.PeerName;
import io.peercollab.spi.Announcement;
import io.peercollab.spi.DiscoveredPeer;
import io.peercollab.spi.DiscoveryEvent;
import io.peercollab.spi.DiscoverySession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

import static io.peercollab.discovery.MdnsTestSupport.APPEAR;
import static io.peercollab.discovery.MdnsTestSupport.DISAPPEAR;
import static io.peercollab.discovery.MdnsTestSupport.first;
import static io.peercollab.discovery.MdnsTestSupport.is;
import static io.peercollab.discovery.MdnsTestSupport.loopback;
import static io.peercollab.discovery.MdnsTestSupport.name;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sessions of {@link MdnsDiscovery#onLoopback()} in one JVM, on a service type of each test's own. Every jmDNS
 * instance, the sessions' and the raw ones some tests open, is bound to 127.0.0.1.
 *
 * <p>The tests run concurrently: each waits about 4 s for fresh jmDNS instances to announce, and their own service
 * types keep them apart.
 */
@Execution(ExecutionMode.CONCURRENT)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MdnsDiscoveryTest {

	final String serviceType = MdnsTestSupport.uniqueServiceType();
	final MdnsDiscovery discovery = MdnsTestSupport.discovery(serviceType);
	final List<DiscoverySession> sessions = new CopyOnWriteArrayList<>();
	final List<JmDNS> rawInstances = new CopyOnWriteArrayList<>();

	@AfterEach
	void closeEverything() {
		Flux.merge(
				Flux.fromIterable(sessions).flatMap(DiscoverySession::close),
				Flux.fromIterable(rawInstances).flatMap(j -> Mono.fromRunnable(() -> closeQuietly(j))
						.subscribeOn(Schedulers.boundedElastic())))
				.then()
				.block(Duration.ofSeconds(20));
	}

	static void closeQuietly(JmDNS jmdns) {
		try {
			jmdns.close();
		}
		catch (IOException e) {
			// The test is over; the instance is gone either way.
		}
	}

	static String loopbackName() throws IOException {
		// Reads the name of the interface (lo, lo0); opens nothing.
		return NetworkInterface.getByInetAddress(loopback()).getName();
	}

	static PeerEndPoint onLoopback(int port) throws IOException {
		return new PeerEndPoint(loopbackName(), new InetSocketAddress(loopback(), port));
	}

	List<DiscoverySession> start(Announcement... announcements) {
		List<DiscoverySession> started = Flux.fromArray(announcements)
				.flatMapSequential(discovery::start)
				.collectList()
				.block(Duration.ofSeconds(20));
		sessions.addAll(started);
		return started;
	}

	@Test
	@Tag("slow")
	void twoSessionsOnLoopbackSeeEachOtherWithNameNicknameAndPortButNeverThemselves() throws IOException {
		Announcement alice = new Announcement(name("alice"), "Alice", 40001);
		Announcement bob = new Announcement(name("bob"), "Bob", 40002);
		List<DiscoverySession> started = start(alice, bob);

		StepVerifier.create(started.get(0).peers())
				.expectNext(new DiscoveryEvent(ChangeType.ADDED,
						new DiscoveredPeer(bob.name(), "Bob", List.of(onLoopback(40002)))))
				// Each session received its own announcement in the same packets as the other one's.
				.expectNoEvent(Duration.ofSeconds(1))
				.thenCancel()
				.verify(APPEAR);
		StepVerifier.create(started.get(1).peers())
				.expectNext(new DiscoveryEvent(ChangeType.ADDED,
						new DiscoveredPeer(alice.name(), "Alice", List.of(onLoopback(40001)))))
				.expectNoEvent(Duration.ofSeconds(1))
				.thenCancel()
				.verify(APPEAR);
	}

	@Test
	@Tag("slow")
	void threeSessionsEachSeeTheOtherTwoAndALateSubscriberGetsThemFirst() {
		Announcement[] all = {
				new Announcement(name("alice"), "Alice", 40011),
				new Announcement(name("bob"), "Bob", 40012),
				new Announcement(name("carol"), "Carol", 40013) };
		List<DiscoverySession> started = start(all);
		Map<Integer, List<DiscoveryEvent>> seen = new ConcurrentHashMap<>();
		for (int i = 0; i < 3; i++) {
			List<DiscoveryEvent> events = new CopyOnWriteArrayList<>();
			seen.put(i, events);
			started.get(i).peers().subscribe(events::add);
		}

		MdnsTestSupport.await(APPEAR, () -> seen.values().stream().allMatch(events -> events.size() >= 2));

		for (int i = 0; i < 3; i++) {
			List<String> expected = new ArrayList<>();
			for (int j = 0; j < 3; j++) {
				if (j != i) {
					expected.add("ADDED " + all[j].name() + " " + all[j].nickname() + " " + all[j].port());
				}
			}
			assertThat(seen.get(i)).extracting(e -> e.type() + " " + e.peer().name() + " " + e.peer().nickname()
					+ " " + e.peer().endPoints().get(0).tcpAddress().getPort())
					.containsExactlyInAnyOrderElementsOf(expected);
			// A late subscriber gets the peers known now as ADDED, ordered by name, before anything else.
			StepVerifier.create(started.get(i).peers().take(2))
					.recordWith(ArrayList::new)
					.expectNextCount(2)
					.consumeRecordedWith(events -> assertThat(events).allMatch(e -> e.type() == ChangeType.ADDED)
							.extracting(e -> e.peer().name()).isSorted())
					.verifyComplete();
		}
	}

	@Test
	@Tag("slow")
	void aNicknameChangeShowsAsUpdatedOnTheOtherSideWithoutAGap() throws IOException {
		Announcement alice = new Announcement(name("alice"), "Alice", 40021);
		List<DiscoverySession> started = start(alice, new Announcement(name("bob"), "Bob", 40022));
		DiscoverySession a = started.get(0);
		MdnsSession b = (MdnsSession) started.get(1);
		List<DiscoveryEvent> events = new CopyOnWriteArrayList<>();
		b.peers().filter(e -> e.peer().name().equals(alice.name())).subscribe(events::add);
		MdnsTestSupport.await(APPEAR, () -> !events.isEmpty());

		long changedAt = System.nanoTime();
		Mono<Void> update = a.updateNickname("Alicia").cache();
		update.subscribe();
		MdnsTestSupport.await(APPEAR, () -> events.size() >= 2);
		System.out.printf("nickname change -> UPDATED, right after start: %d ms%n",
				TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - changedAt));
		update.block(Duration.ofSeconds(20));
		// Until the old instance's goodbye is swept, two instances stand behind alice; then one. Neither step may
		// show: no REMOVED, no return of the old nickname.
		MdnsTestSupport.awaitInstances(b, alice.name(), 1, DISAPPEAR);

		assertThat(events).containsExactly(
				new DiscoveryEvent(ChangeType.ADDED,
						new DiscoveredPeer(alice.name(), "Alice", List.of(onLoopback(40021)))),
				new DiscoveryEvent(ChangeType.UPDATED,
						new DiscoveredPeer(alice.name(), "Alicia", List.of(onLoopback(40021)))));
	}

	@Test
	@Tag("slow")
	void closingASessionShowsAsRemovedOnTheOtherSideAndEndsItsStreams() {
		Announcement alice = new Announcement(name("alice"), "Alice", 40031);
		List<DiscoverySession> started = start(alice, new Announcement(name("bob"), "Bob", 40032));
		DiscoverySession a = started.get(0);
		DiscoverySession b = started.get(1);
		first(b, is(ChangeType.ADDED, alice.name()), APPEAR).block();
		long[] closedAt = new long[1];

		StepVerifier.create(b.peers())
				.expectNextMatches(is(ChangeType.ADDED, alice.name()))
				.then(() -> {
					closedAt[0] = System.nanoTime();
					a.close().subscribe();
				})
				.assertNext(e -> {
					assertThat(e.type()).isEqualTo(ChangeType.REMOVED);
					assertThat(e.peer().name()).isEqualTo(alice.name());
					assertThat(e.peer().nickname()).isEqualTo("Alice");
					System.out.printf("close -> REMOVED on the other side: %d ms%n",
							TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closedAt[0]));
				})
				.thenCancel()
				.verify(DISAPPEAR);

		a.close().block(Duration.ofSeconds(10));
		StepVerifier.create(a.peers()).verifyComplete();
		StepVerifier.create(a.diagnostics()).verifyComplete();
		StepVerifier.create(a.close()).expectComplete().verify(Duration.ofSeconds(1));
		StepVerifier.create(a.updateNickname("Again")).expectError(NotSignedInException.class).verify();
	}

	@Test
	@Tag("slow")
	void oneNameAnnouncedByTwoEndPointsIsOnePeerWithBothEndPoints() throws IOException {
		PeerName alice = name("alice");
		List<DiscoverySession> started = start(new Announcement(alice, "Alice", 40041),
				new Announcement(alice, "Alice", 40042), new Announcement(name("bob"), "Bob", 40043));
		DiscoverySession bob = started.get(2);
		DiscoveredPeer both = new DiscoveredPeer(alice, "Alice", List.of(onLoopback(40041), onLoopback(40042)));

		first(bob, e -> e.peer().equals(both), APPEAR).block();
		StepVerifier.create(bob.peers())
				.expectNext(new DiscoveryEvent(ChangeType.ADDED, both))
				.then(() -> started.get(0).close().subscribe())
				.expectNext(new DiscoveryEvent(ChangeType.UPDATED,
						new DiscoveredPeer(alice, "Alice", List.of(onLoopback(40042)))))
				.then(() -> started.get(1).close().subscribe())
				.expectNextMatches(is(ChangeType.REMOVED, alice))
				.thenCancel()
				.verify(Duration.ofSeconds(30));
	}

	@Test
	@Tag("slow")
	void malformedAnnouncementsAreIgnoredAndEachReportedOnce() throws IOException {
		PeerName valid = name("valid");
		String pn = "pn=" + valid;
		Map<String, byte[]> raw = new LinkedHashMap<>();
		raw.put("missing-keys", MdnsAnnouncementCodecTest.txt(s("v=1")));
		raw.put("bad-version", MdnsAnnouncementCodecTest.txt(s("v=2"), s(pn), s("nn=x")));
		raw.put("bad-name", MdnsAnnouncementCodecTest.txt(s("v=1"), s("pn=nobody"), s("nn=x")));
		raw.put("long-nickname", MdnsAnnouncementCodecTest.txt(s("v=1"), s(pn), s("nn=" + "x".repeat(64))));
		raw.put("port-zero", MdnsAnnouncementCodecTest.txt(s("v=1"), s(pn), s("nn=x")));
		raw.put("garbage", new byte[] {6, (byte) 0xff, (byte) 0xfe, 0x00, '=', (byte) 0x80, 0x7f, 3, 1, 2});
		raw.put("bad-utf8", MdnsAnnouncementCodecTest.txt(s("v=1"), s(pn), new byte[] {'n', 'n', '=', (byte) 0xc3,
				(byte) 0x28}));
		raw.put("duplicate-keys", MdnsAnnouncementCodecTest.txt(s("v=1"), s(pn), s("nn=x"), s("v=1")));
		raw.put("empty-text", new byte[0]);
		Map<String, String> expectedReason = new HashMap<>();
		expectedReason.put("missing-keys", "lacks the keys pn, nn");
		expectedReason.put("bad-version", "protocol version 2");
		expectedReason.put("bad-name", "is not a PeerName");
		expectedReason.put("long-nickname", "64 characters");
		expectedReason.put("port-zero", "port 0");
		expectedReason.put("garbage", "printable US-ASCII");
		expectedReason.put("bad-utf8", "not valid UTF-8");
		expectedReason.put("duplicate-keys", "more than once");
		expectedReason.put("empty-text", "TXT record is empty");

		DiscoverySession observer = start(new Announcement(name("observer"), "Observer", 40051)).get(0);
		List<Diagnostic> diagnostics = new CopyOnWriteArrayList<>();
		List<Throwable> errors = new CopyOnWriteArrayList<>();
		observer.diagnostics().subscribe(diagnostics::add, errors::add);
		List<DiscoveryEvent> events = new CopyOnWriteArrayList<>();
		observer.peers().subscribe(events::add, errors::add);

		JmDNS plain = JmDNS.create(loopback(), "raw-announcer");
		rawInstances.add(plain);
		for (Map.Entry<String, byte[]> entry : raw.entrySet()) {
			int port = entry.getKey().equals("port-zero") ? 0 : 40052;
			plain.registerService(ServiceInfo.create(serviceType, entry.getKey(), port, 0, 0, entry.getValue()));
		}
		plain.registerService(ServiceInfo.create(serviceType, "valid-control", 40053, 0, 0,
				AnnouncementCodec.encode(new Announcement(valid, "Valid", 40053))));

		MdnsTestSupport.await(APPEAR, () -> raw.keySet().stream()
				.allMatch(n -> diagnostics.stream().anyMatch(d -> d.message().contains("'" + n + "'")))
				&& !events.isEmpty());

		for (String instance : raw.keySet()) {
			assertThat(diagnostics).as(instance)
					.filteredOn(d -> d.message().contains("'" + instance + "'"))
					.singleElement()
					.satisfies(d -> {
						assertThat(d.kind()).isEqualTo(Diagnostic.Kind.MALFORMED_ANNOUNCEMENT);
						assertThat(d.message()).contains(expectedReason.get(instance));
					});
		}
		assertThat(diagnostics).hasSize(raw.size());
		assertThat(events).extracting(e -> e.type() + " " + e.peer().name() + " " + e.peer().nickname())
				.containsExactly("ADDED " + valid + " Valid");
		assertThat(errors).isEmpty();
	}

	@Test
	void startFailsWithAClearErrorForAnInterfaceThatDoesNotExist() {
		StepVerifier.create(MdnsDiscovery.onInterfaces("no-such-if0").serviceType(serviceType)
				.start(new Announcement(name("alice"), "Alice", 40071)))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(PeerCollabException.class)
						.hasMessageContaining("No network interface is named 'no-such-if0'"))
				.verify(Duration.ofSeconds(5));
	}

	private static byte[] s(String text) {
		return MdnsAnnouncementCodecTest.s(text);
	}
}
