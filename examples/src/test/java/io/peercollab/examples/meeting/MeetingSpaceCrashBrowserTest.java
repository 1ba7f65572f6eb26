// SPDX-License-Identifier: Apache-2.0
package io.peercollab.examples.meeting;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
 * A real crash, seen from outside: one person's Meeting Space runs as its own process (the command a person runs, in
 * a child JVM: TCP on 127.0.0.1, mDNS on {@code lo}), with a browser on its page, and is killed with SIGKILL
 * ({@link Process#destroyForcibly()}) in the middle of a meeting. The other pages must say so, as a lost connection
 * and not as a goodbye, within a bounded time that the test measures from the kill to the change on each page (the
 * page's own clock, read by a DOM observer); then the meeting goes on: a participant that crashed leaves the others
 * drawing and chatting, and when the host crashes the members' meeting ends and they can start another. Screenshots
 * go to {@code target/meeting-screenshots/}.
 */
@Tag("slow")
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class MeetingSpaceCrashBrowserTest {

	/** The bound: the library notices a dead process as soon as its socket closes, which is at once on loopback. */
	private static final long SHOWN_WITHIN_MS = 5_000;

	@TempDir
	Path tmp;

	private final String type = String.format(Locale.ROOT, "_meet%08x._tcp.local.",
			ThreadLocalRandom.current().nextInt());
	private final List<MeetingSpace> spaces = new ArrayList<>();
	private final List<MeetingSpaceProcess> processes = new ArrayList<>();
	private final List<MeetingPage> pages = new ArrayList<>();

	@BeforeEach
	void needsChromium() {
		Chromium.assumeAvailable();
	}

	@AfterEach
	void closeEverything() throws InterruptedException {
		pages.forEach(p -> {
			try {
				p.close();
			}
			catch (RuntimeException e) {
				// closed already
			}
		});
		spaces.forEach(MeetingSpace::close);
		for (MeetingSpaceProcess p : processes) {
			p.close();
		}
	}

	private MeetingSpace space(String nickname) {
		PeerCollaboration endpoint = PeerCollaboration.builder().identity(PeerIdentity.generate(nickname))
				.nickname(nickname).discovery(MdnsDiscovery.onLoopback().serviceType(type))
				.transport(RSocketPeerTransport.tcp().host("127.0.0.1")).build();
		MeetingSpace space = MeetingSpace.start(endpoint, 0);
		spaces.add(space);
		return space;
	}

	private MeetingSpaceProcess process(String nickname) throws Exception {
		MeetingSpaceProcess p = new MeetingSpaceProcess(nickname, type, tmp.resolve(nickname));
		processes.add(p);
		return p;
	}

	private MeetingPage open(String who, String url) {
		MeetingPage page = new MeetingPage(who, url);
		pages.add(page);
		return page;
	}

	@Test
	void aParticipantsProcessIsKilledWhileAnotherDraws() throws Exception {
		MeetingSpaceProcess carolProcess = process("carol");
		MeetingPage alice = open("alice", space("alice").url());
		MeetingPage bob = open("bob", space("bob").url());
		MeetingPage carol = open("carol", carolProcess.url());
		meet(alice, bob, carol, carol, "ellipse", "rect");
		carol.shot("11-carol-in-the-meeting-from-her-own-process");

		String carolLost = "(() => { const li = Array.from(document.querySelectorAll('#participants li'))"
				+ ".find(e => e.textContent.startsWith('carol ')); return !!li && li.dataset.status === 'lost'; })()";
		watch(alice, carolLost);
		watch(bob, carolLost);
		long killedAt = System.currentTimeMillis();
		carolProcess.kill();
		assertThat(carolProcess.process.exitValue()).as("killed by SIGKILL").isEqualTo(128 + 9);
		// bob keeps drawing while the pages learn of the crash
		bob.draw("pen", 100, 500, 200, 450, 300, 520, 400, 480);
		bob.draw("line", 600, 600, 1000, 400);
		bob.draw("pen", 700, 650, 750, 600, 800, 680);
		long aliceSaw = seen(alice, "alice sees carol lost") - killedAt;
		long bobSaw = seen(bob, "bob sees carol lost") - killedAt;
		assertThat(aliceSaw).as("ms from the kill to alice's page showing carol lost").isLessThan(SHOWN_WITHIN_MS);
		assertThat(bobSaw).as("ms from the kill to bob's page showing carol lost").isLessThan(SHOWN_WITHIN_MS);
		Chromium.await(alice.driver, "alice's notice", d -> alice.texts("#notices li").stream()
				.anyMatch(t -> t.startsWith("carol's connection was lost")));
		assertThat(alice.participant("bob")).isEqualTo("joined");

		// the meeting goes on for the two: every stroke of bob's, in the same order, and the chat
		MeetingSpaceBrowserTest.awaitSameBoard(5, alice, bob);
		bob.say("carol is gone, I keep drawing");
		alice.say("me too");
		List<String> lines = List.of("bob: carol is gone, I keep drawing", "alice: me too");
		Chromium.await(alice.driver, "alice's chat", d -> alice.chatLines().equals(lines));
		Chromium.await(bob.driver, "bob's chat", d -> bob.chatLines().equals(lines));
		alice.shot("12-alice-sees-carols-process-crashed");
		bob.shot("13-bob-sees-carols-process-crashed");
		// carol's own page: its endpoint is gone, and the page says so instead of showing a meeting that is not there
		Chromium.await(carol.driver, "carol's page lost its endpoint", d -> d.findElement(By.id("connection"))
				.getText().contains("not answering") && d.findElement(By.id("endpoint-down")).isDisplayed());
		assertThat(carol.driver.findElement(By.id("endpoint-down")).getText())
				.contains("This page's Meeting Space is not running");
		carol.shot("14-carols-page-after-her-process-died");
		System.out.printf(Locale.ROOT, "MEASURED a participant killed (SIGKILL): shown lost on the host's page after "
				+ "%d ms, on the other member's after %d ms%n", aliceSaw, bobSaw);
	}

	@Test
	void theHostsProcessIsKilled() throws Exception {
		MeetingSpaceProcess daveProcess = process("dave");
		MeetingPage alice = open("alice", space("alice").url());
		MeetingPage bob = open("bob", space("bob").url());
		MeetingPage dave = open("dave", daveProcess.url());
		meet(dave, alice, bob, alice, "rect", "ellipse");

		String hostLost = "document.getElementById('meeting-status').textContent"
				+ ".includes('lost the connection to dave (the host)')";
		watch(alice, hostLost);
		watch(bob, hostLost);
		long killedAt = System.currentTimeMillis();
		daveProcess.kill();
		assertThat(daveProcess.process.exitValue()).as("killed by SIGKILL").isEqualTo(128 + 9);
		bob.draw("pen", 100, 500, 200, 450, 300, 520);
		long aliceSaw = seen(alice, "alice sees the host lost") - killedAt;
		long bobSaw = seen(bob, "bob sees the host lost") - killedAt;
		assertThat(aliceSaw).as("ms from the kill to alice's page showing the host lost").isLessThan(SHOWN_WITHIN_MS);
		assertThat(bobSaw).as("ms from the kill to bob's page showing the host lost").isLessThan(SHOWN_WITHIN_MS);
		assertThat(alice.participant("dave")).isEqualTo("lost");
		assertThat(alice.driver.findElement(By.id("host-note")).getText()).contains("when the host's process dies");
		alice.shot("15-alice-sees-the-hosts-process-crashed");

		// the host relays every message, so the meeting ended with it; the two start another and go on
		alice.tick("bob");
		alice.driver.findElement(By.id("invite-button")).click();
		bob.answer("alice", "accept");
		alice.awaitParticipant("bob", "joined");
		bob.draw("line", 100, 100, 1000, 600);
		MeetingSpaceBrowserTest.awaitSameBoard(1, alice, bob);
		bob.shot("16-bob-in-a-new-meeting-after-the-host-crashed");
		System.out.printf(Locale.ROOT, "MEASURED the host killed (SIGKILL): shown lost on the members' pages after "
				+ "%d ms and %d ms%n", aliceSaw, bobSaw);
	}

	/**
	 * {@code host} sees {@code first} and {@code second} near it (in that order), invites them, and both accept; once
	 * the host's page shows both joined, {@code drawer} (one of the two) draws a {@code drawerTool} shape on the left
	 * and the host a {@code hostTool} shape on the right; returns once the other two boards show both as the host's.
	 */
	private static void meet(MeetingPage host, MeetingPage first, MeetingPage second, MeetingPage drawer,
			String drawerTool, String hostTool) {
		Chromium.await(host.driver, host.who + " sees " + first.who + " and " + second.who,
				d -> host.near().equals(List.of(first.who, second.who)));
		host.tick(first.who);
		host.tick(second.who);
		host.driver.findElement(By.id("invite-button")).click();
		first.answer(host.who, "accept");
		second.answer(host.who, "accept");
		host.awaitParticipant(first.who, "joined");
		host.awaitParticipant(second.who, "joined");
		drawer.draw(drawerTool, 100, 100, 400, 300);
		host.draw(hostTool, 500, 100, 800, 300);
		MeetingSpaceBrowserTest.awaitSameBoard(2, host, drawer);
		MeetingSpaceBrowserTest.awaitSameBoard(2, host, drawer == first ? second : first);
	}

	/**
	 * Records on the page, with the page's clock, the first moment {@code condition} (a JavaScript expression) holds:
	 * checked now and after every change of the page, by a DOM observer.
	 */
	private static void watch(MeetingPage page, String condition) {
		Chromium.js(page.driver, "window.crashSeenAt = 0; const check = () => { if (!window.crashSeenAt && ("
				+ condition + ")) window.crashSeenAt = Date.now(); }; new MutationObserver(check).observe(document.body,"
				+ " { subtree: true, childList: true, attributes: true, characterData: true }); check();");
		assertThat(((Number) Chromium.js(page.driver, "return window.crashSeenAt;")).longValue())
				.as("the crash is not shown before it happens").isZero();
	}

	/** Waits until the watched condition held on the page; returns when it first did (epoch milliseconds). */
	private static long seen(MeetingPage page, String what) {
		return ((Number) Chromium.await(page.driver, what, d -> {
			Number at = (Number) Chromium.js(d, "return window.crashSeenAt;");
			return at != null && at.longValue() > 0 ? at : null;
		})).longValue();
	}
}
