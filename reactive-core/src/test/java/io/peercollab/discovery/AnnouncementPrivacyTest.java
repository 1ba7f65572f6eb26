// SPDX-License-Identifier: Apache-2.0
package io.peercollab.discovery;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.jmdns.JmDNS;
import javax.jmdns.ServiceInfo;

import io.peercollab.PeerCollaboration;
import io.peercollab.PeerScope;
import io.peercollab.ScriptedDiscovery;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.identity.PeerName;
import io.peercollab.local.InMemoryPeerTransport;
import io.peercollab.spi.Announcement;
import io.peercollab.spi.DiscoverySession;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import reactor.core.publisher.Mono;

import static io.peercollab.PrivacyTable.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The privacy table's column "anyone on the LAN (mDNS)": what the announcement of an endpoint carries, cell by cell,
 * and (one slow test) what a foreign mDNS listener on the link really reads.
 */
class AnnouncementPrivacyTest {

	private static final Duration WAIT = Duration.ofSeconds(20);
	private static final PeerName ALICE = MdnsTestSupport.name("alice-laptop");
	private static final Announcement DEFAULT = new Announcement(ALICE, "Alice", 4242, false);

	/** @return the TXT record as key to value, in order */
	static Map<String, String> txt(byte[] text) {
		Map<String, String> entries = new LinkedHashMap<>();
		for (int i = 0; i < text.length; ) {
			int length = text[i] & 0xff;
			String entry = new String(text, i + 1, length, StandardCharsets.UTF_8);
			int eq = entry.indexOf('=');
			entries.put(entry.substring(0, eq), entry.substring(eq + 1));
			i += 1 + length;
		}
		return entries;
	}

	private static final Map<String, String> TXT = txt(AnnouncementCodec.encode(DEFAULT));

	@TestFactory
	Stream<DynamicTest> everyRowOfTheLanColumn() {
		Map<String, Runnable> cells = new LinkedHashMap<>();
		cells.put(PEER_NAME, () -> {
			assertThat(TXT).containsEntry("pn", ALICE.toString());
			assertThat(TXT.keySet()).as("no certificate: only the name, which a connection must then prove")
					.containsExactly("v", "pn", "nn");
		});
		cells.put(NICKNAME, () -> assertThat(TXT).containsEntry("nn", "Alice"));
		cells.put(DISPLAY_NAME, () -> assertThat(TXT.keySet()).containsExactly("v", "pn", "nn"));
		cells.put(EMAIL, () -> assertThat(String.join(" ", TXT.values())).doesNotContain("@"));
		cells.put(PICTURE, () -> assertThat(TXT.keySet()).containsExactly("v", "pn", "nn"));
		cells.put(NAMES, () -> {
			assertThat(AnnouncementCodec.instanceName(DEFAULT, "0000002a"))
					.as("by default the label carries no classifier").startsWith("peer-" + ALICE.authority()
							.substring(0, 8)).doesNotContain("alice").doesNotContain("laptop");
			assertThat(AnnouncementCodec.instanceName(new Announcement(ALICE, "Alice", 4242, true), "0000002a"))
					.as("announceEndpointName(true)").startsWith("alice-laptop-");
			assertThat(TXT.get("pn")).as("the name, classifier included, is announced either way")
					.endsWith(".alice-laptop");
		});
		cells.put(ADDRESSES, () -> assertThat(TXT.values()).noneMatch(v -> v.contains("4242")));
		cells.put(PRESENCE, () -> assertThat(TXT.keySet()).containsExactly("v", "pn", "nn"));
		cells.put(APPLICATIONS, () -> assertThat(TXT.keySet()).containsExactly("v", "pn", "nn"));
		cells.put(OBJECTS, () -> assertThat(TXT.keySet()).containsExactly("v", "pn", "nn"));
		cells.put(SIGNED_IN, AnnouncementPrivacyTest::announcedOnlyWhileSignedInToNearMe);
		assertThat(cells.keySet()).containsExactlyElementsOf(ROWS);
		return cells.entrySet().stream().map(c -> DynamicTest.dynamicTest(c.getKey() + " / " + LAN, c.getValue()::run));
	}

	private static void announcedOnlyWhileSignedInToNearMe() {
		ScriptedDiscovery discovery = new ScriptedDiscovery();
		PeerCollaboration alice = PeerCollaboration.builder().identity(PeerIdentity.generate("alice-laptop"))
				.nickname("Alice").discovery(discovery).transport(InMemoryPeerTransport.create()).build();
		try {
			alice.signIn(PeerScope.INTERNET).block(WAIT);
			assertThat(discovery.log).as("signed in to INTERNET only: nothing announced").isEmpty();
			alice.signIn(PeerScope.NEAR_ME).block(WAIT);
			assertThat(discovery.log).containsExactly("start");
			assertThat(discovery.started.get(0).classifierInLabel()).as("announceEndpointName defaults to false")
					.isFalse();
			alice.signOut(PeerScope.NEAR_ME).block(WAIT);
			assertThat(discovery.log).as("signing out of NEAR_ME withdraws the announcement")
					.containsExactly("start", "close");
		}
		finally {
			alice.close().block(WAIT);
		}
	}

	@Test
	void announceEndpointNameReachesTheAnnouncement() {
		ScriptedDiscovery discovery = new ScriptedDiscovery();
		PeerCollaboration alice = PeerCollaboration.builder().identity(PeerIdentity.generate("alice-laptop"))
				.discovery(discovery).transport(InMemoryPeerTransport.create()).announceEndpointName(true).build();
		try {
			alice.signIn(PeerScope.NEAR_ME).block(WAIT);
			assertThat(discovery.started).singleElement().satisfies(a -> {
				assertThat(a.classifierInLabel()).isTrue();
				assertThat(AnnouncementCodec.instanceName(a, "0000002a")).startsWith("alice-laptop-");
			});
		}
		finally {
			alice.close().block(WAIT);
		}
	}

	/**
	 * A raw jmDNS on the link reads what the LAN column says, and nothing else: the name and nickname in TXT, a label
	 * without the classifier, a random host name (never this machine's), the address and the port.
	 */
	@Test
	@Tag("slow")
	void aListenerOnTheLinkReadsTheNameNicknameAddressAndPortOnly() throws IOException {
		String type = MdnsTestSupport.uniqueServiceType();
		DiscoverySession session = MdnsTestSupport.discovery(type).start(DEFAULT).block(WAIT);
		JmDNS listener = JmDNS.create(MdnsTestSupport.loopback(), "listener");
		try {
			ServiceInfo[] found = new ServiceInfo[0];
			long deadline = System.nanoTime() + WAIT.toNanos();
			// list() may return the service before its TXT record is resolved (one empty string): ask again then
			while ((found.length == 0 || found[0].getTextBytes().length <= 1) && System.nanoTime() < deadline) {
				found = listener.list(type, 2_000); // waits for answers itself
			}
			assertThat(found).hasSize(1);
			ServiceInfo info = found[0];
			assertThat(info.getName()).startsWith("peer-" + ALICE.authority().substring(0, 8) + "-")
					.doesNotContain("alice");
			assertThat(info.getServer()).startsWith("peercollab-").doesNotContain(machineName());
			assertThat(txt(info.getTextBytes())).containsExactly(Map.entry("v", "1"), Map.entry("pn", ALICE.toString()),
					Map.entry("nn", "Alice"));
			assertThat(info.getPort()).isEqualTo(4242);
			assertThat(Arrays.asList(info.getInetAddresses())).containsExactly(MdnsTestSupport.loopback());
		}
		finally {
			Mono.when(session.close(), Mono.fromRunnable(() -> MdnsDiscoveryTest.closeQuietly(listener))
					.subscribeOn(reactor.core.scheduler.Schedulers.boundedElastic())).block(WAIT);
		}
	}

	/**
	 * The machine's host name as the kernel has it, read without a name look-up (no DNS query, nothing bound); the
	 * environment's {@code HOSTNAME} where the kernel's file is missing.
	 */
	private static String machineName() throws IOException {
		java.nio.file.Path kernel = java.nio.file.Path.of("/proc/sys/kernel/hostname");
		String name = java.nio.file.Files.exists(kernel) ? java.nio.file.Files.readString(kernel).strip()
				: String.valueOf(System.getenv("HOSTNAME"));
		return name.toLowerCase(java.util.Locale.ROOT);
	}
}
