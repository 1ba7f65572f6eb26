// SPDX-License-Identifier: Apache-2.0
package io.peercollab.examples.meeting;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import io.peercollab.PeerCollaboration;
import io.peercollab.discovery.MdnsDiscovery;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.rsocket.RSocketPeerTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three people, each with a Meeting Space of their own (an endpoint over TLS on 127.0.0.1, mDNS on loopback with a
 * service type of this test's) and a browser of their own: what they see and do, as they would. Screenshots of every
 * step go to {@code target/meeting-screenshots/}; the figures (stroke to every other screen, handout throughput) are
 * printed.
 */
@Tag("slow")
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class MeetingSpaceBrowserTest {

	private static final long HANDOUT = 20L << 20;

	@TempDir
	Path tmp;

	private final List<MeetingSpace> spaces = new ArrayList<>();
	private final List<MeetingPage> pages = new ArrayList<>();

	@BeforeEach
	void needsChromium() {
		Chromium.assumeAvailable();
	}

	@AfterEach
	void closeEverything() {
		pages.forEach(p -> {
			try {
				p.close();
			}
			catch (RuntimeException e) {
				// closed by the test already
			}
		});
		spaces.forEach(MeetingSpace::close);
	}

	private MeetingSpace space(String nickname, String serviceType) {
		PeerCollaboration endpoint = PeerCollaboration.builder()
				.identity(PeerIdentity.generate(nickname))
				.nickname(nickname)
				.discovery(MdnsDiscovery.onLoopback().serviceType(serviceType))
				.transport(RSocketPeerTransport.tcp().host("127.0.0.1"))
				.build();
		MeetingSpace space = MeetingSpace.start(endpoint, 0);
		spaces.add(space);
		return space;
	}

	private MeetingPage open(String who, MeetingSpace space) {
		MeetingPage page = new MeetingPage(who, space.url());
		pages.add(page);
		return page;
	}

	@Test
	void threePeopleMeetDrawChatHandOutAndLeave() throws Exception {
		String type = String.format(Locale.ROOT, "_meet%08x._tcp.local.", ThreadLocalRandom.current().nextInt());
		MeetingSpace aliceSpace = space("alice", type);
		MeetingSpace bobSpace = space("bob", type);
		MeetingSpace carolSpace = space("carol", type);
		assertThat(aliceSpace.url()).startsWith("http://127.0.0.1:");
		MeetingPage alice = open("alice", aliceSpace);
		MeetingPage bob = open("bob", bobSpace);
		MeetingPage carol = open("carol", carolSpace);

		// they see each other, with their presence
		Chromium.await(alice.driver, "alice sees bob and carol", d -> alice.near().equals(List.of("bob", "carol")));
		Chromium.await(bob.driver, "bob sees alice and carol", d -> bob.near().equals(List.of("alice", "carol")));
		Chromium.await(carol.driver, "carol sees alice and bob", d -> carol.near().equals(List.of("alice", "bob")));
		Chromium.await(alice.driver, "alice sees their presence", d -> alice.texts("#near-list .presence")
				.equals(List.of("online", "online")));
		carol.driver.findElement(By.id("me-status")).sendKeys("BUSY");
		carol.driver.findElement(By.id("save-me")).click();
		Chromium.await(alice.driver, "alice sees carol busy", d -> alice.texts("#near-list .presence")
				.equals(List.of("online", "busy")));
		// alice makes carol a contact, followed: her contacts show carol's presence live
		assertThat(alice.clickIn("#near-list li", "carol", ".add-contact")).isTrue();
		Chromium.await(alice.driver, "carol among alice's contacts, busy",
				d -> alice.texts("#contacts-list li").equals(List.of("carolbusynear")));
		alice.shot("01-alice-sees-people-near-her");

		// alice invites both; bob accepts, carol declines
		alice.tick("bob");
		alice.tick("carol");
		alice.driver.findElement(By.id("invite-button")).click();
		bob.answer("alice", "accept");
		carol.answer("alice", "decline");
		alice.awaitParticipant("bob", "joined");
		alice.awaitParticipant("carol", "declined");
		Chromium.await(bob.driver, "bob is in alice's meeting", d -> bob.meetingStatus().equals("In alice\u2019s meeting"));
		Chromium.await(carol.driver, "carol's invitation is gone",
				d -> d.findElements(By.cssSelector("#invitations li")).isEmpty());
		assertThat(carol.driver.findElement(By.id("meeting")).getAttribute("class")).contains("none");
		alice.shot("03-alice-bob-joined-carol-declined");

		// the two draw, in turns and at once, and chat: everyone sees the same strokes and lines in the same order
		List<Long> latencies = new ArrayList<>();
		alice.draw("pen", 100, 100, 200, 150, 300, 120, 400, 200);
		bob.draw("rect", 500, 100, 700, 300);
		alice.draw("ellipse", 150, 350, 450, 600);
		bob.draw("line", 800, 600, 1100, 150);
		bob.draw("pen", 700, 500, 750, 450, 800, 520, 900, 480);
		alice.draw("pen", 600, 650, 650, 600, 700, 700, 800, 620);
		awaitSameBoard(6, alice, bob);
		latencies.addAll(strokeLatencies(alice, bob));
		alice.say("hello bob");
		bob.say("hi alice, nice square");
		alice.say("it is a rectangle");
		List<String> lines = List.of("alice: hello bob", "bob: hi alice, nice square", "alice: it is a rectangle");
		Chromium.await(alice.driver, "alice's chat", d -> alice.chatLines().equals(lines));
		Chromium.await(bob.driver, "bob's chat", d -> bob.chatLines().equals(lines));
		alice.shot("04-alice-draws-and-chats-with-bob");
		bob.shot("05-bob-sees-the-same-board");

		// a 20 MiB handout from alice arrives at bob intact, with progress on both sides
		Path file = tmp.resolve("slides.bin");
		byte[] content = new byte[(int) HANDOUT];
		new Random(16).nextBytes(content);
		Files.write(file, content);
		String sha = hex(MessageDigest.getInstance("SHA-256").digest(content));
		long t0 = System.nanoTime();
		alice.driver.findElement(By.id("handout-input")).sendKeys(file.toAbsolutePath().toString());
		String receiving = Chromium.await(bob.driver, "bob receives the handout",
				d -> bob.texts("#handouts li .name").stream().findFirst().orElse(null));
		assertThat(receiving).isEqualTo("from alice: slides.bin (20.0 MiB)");
		bob.shot("06-bob-receives-a-handout");
		@SuppressWarnings("unchecked")
		List<String> done = (List<String>) Chromium.await(bob.driver, "the handout is verified at bob",
				d -> Chromium.js(d, "const li = document.querySelector('#handouts li[data-state=verified]');"
						+ " return li ? [li.textContent, li.querySelector('progress').value + '',"
						+ " li.querySelector('a.download').href] : null;"));
		double seconds = (System.nanoTime() - t0) / 1e9;
		assertThat(done.get(0)).contains("SHA-256 " + sha);
		assertThat(done.get(1)).isEqualTo(String.valueOf(HANDOUT));
		Chromium.await(alice.driver, "alice sees bob verified it",
				d -> alice.texts("#handouts li .receivers").stream().anyMatch(t -> t.contains("bob: verified")));
		alice.shot("07-alice-sees-the-handout-verified");
		String href = done.get(2);
		HttpResponse<byte[]> saved = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(href)).build(),
				HttpResponse.BodyHandlers.ofByteArray());
		assertThat(saved.statusCode()).isEqualTo(200);
		assertThat(hex(MessageDigest.getInstance("SHA-256").digest(saved.body()))).isEqualTo(sha);

		// bob's browser is closed while alice keeps drawing; his endpoint keeps the board, his next page shows it
		bob.close();
		pages.remove(bob);
		alice.draw("pen", 50, 700, 150, 650, 250, 700);
		alice.draw("rect", 1000, 50, 1150, 120);
		alice.draw("line", 50, 50, 1150, 700);
		Chromium.await(alice.driver, "alice's strokes", d -> alice.strokeIds().size() == 9);
		MeetingPage bobAgain = open("bob", bobSpace);
		Chromium.await(bobAgain.driver, "bob's new page shows the board",
				d -> bobAgain.strokeIds().equals(alice.strokeIds()));
		bobAgain.shot("08-bob-opens-his-page-again");

		// bob leaves, and comes back: the host invites him again and he gets the board so far
		bobAgain.driver.findElement(By.id("leave-button")).click();
		alice.awaitParticipant("bob", "left");
		Chromium.await(bobAgain.driver, "bob has left", d -> bobAgain.meetingStatus().contains("you left"));
		alice.tick("bob");
		alice.driver.findElement(By.id("invite-button")).click();
		bobAgain.answer("alice", "accept");
		alice.awaitParticipant("bob", "joined");
		Chromium.await(bobAgain.driver, "bob is back with the board so far",
				d -> bobAgain.strokeIds().equals(alice.strokeIds()) && bobAgain.chatLines().equals(lines));
		bobAgain.draw("ellipse", 900, 500, 1100, 700);
		awaitSameBoard(10, alice, bobAgain);
		alice.shot("09-bob-came-back");

		// the host leaves: the meeting ends for everyone, and the page says so
		alice.driver.findElement(By.id("leave-button")).click();
		Chromium.await(bobAgain.driver, "bob sees the host leave",
				d -> bobAgain.meetingStatus().contains("alice (the host) left: the meeting ended for everyone"));
		assertThat(bobAgain.driver.findElement(By.id("host-note")).getText()).contains("when the host leaves");
		bobAgain.shot("10-the-host-left");

		long max = latencies.stream().mapToLong(Long::longValue).max().orElseThrow();
		double median = latencies.stream().sorted().skip(latencies.size() / 2).findFirst().orElseThrow();
		System.out.printf(Locale.ROOT, "MEASURED stroke to the other screen: median %.0f ms, max %d ms over %d strokes%n",
				median, max, latencies.size());
		System.out.printf(Locale.ROOT, "MEASURED 20 MiB handout, chosen to verified at bob: %.2f s, %.1f MiB/s%n",
				seconds, 20 / seconds);
	}

	/** Waits until both pages show {@code n} strokes, then checks they show them in the same order. */
	static void awaitSameBoard(int n, MeetingPage a, MeetingPage b) {
		Chromium.await(a.driver, a.who + " shows " + n + " strokes", d -> a.strokeIds().size() == n);
		Chromium.await(b.driver, b.who + " shows " + n + " strokes", d -> b.strokeIds().size() == n);
		assertThat(b.strokeIds()).isEqualTo(a.strokeIds());
	}

	/** For each stroke drawn on one page, the time from its release there to its showing on the other. */
	static List<Long> strokeLatencies(MeetingPage a, MeetingPage b) {
		List<Long> result = new ArrayList<>();
		for (String id : a.strokeIds()) {
			Number sentA = (Number) Chromium.js(a.driver, "return window.meetingSpace.stats.sentAt[arguments[0]];", id);
			Number sentB = (Number) Chromium.js(b.driver, "return window.meetingSpace.stats.sentAt[arguments[0]];", id);
			MeetingPage other = sentA != null ? b : a;
			Number sent = sentA != null ? sentA : sentB;
			Number seen = (Number) Chromium.js(other.driver, "return window.meetingSpace.stats.seenAt[arguments[0]];",
					id);
			result.add(seen.longValue() - sent.longValue());
		}
		return result;
	}

	static String hex(byte[] bytes) {
		return java.util.HexFormat.of().formatHex(bytes);
	}
}
