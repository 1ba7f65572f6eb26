// SPDX-License-Identifier: Apache-2.0
package io.peercollab.examples.meeting;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The page with 50 people near me and 500 strokes on the board stays usable: it shows them all, and a stroke drawn and
 * a line said then still reach the board and the chat. The times (page opened to everything shown, a full redraw of
 * the board) are printed, not asserted: they measure this machine.
 */
@Tag("slow")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MeetingRenderTest {

	@BeforeEach
	void needsChromium() {
		Chromium.assumeAvailable();
	}

	@Test
	void pageWithFiftyPeopleNearAndFiveHundredStrokesStaysUsable() {
		try (InMemoryPeople people = new InMemoryPeople()) {
			MeetingSpace me = people.space("me");
			people.people(50);
			me.handle("{\"t\":\"start\"}");
			Random random = new Random(500);
			for (int i = 0; i < 500; i++) {
				StringBuilder points = new StringBuilder();
				int x = random.nextInt(1100);
				int y = random.nextInt(650);
				for (int p = 0; p < 20; p++) {
					points.append(p == 0 ? "" : ",").append(x + p * 5).append(',').append(y + random.nextInt(100));
				}
				me.handle("{\"t\":\"draw\",\"stroke\":{\"id\":\"s" + i + "\",\"tool\":\"pen\",\"w\":3,\"pts\":["
						+ points + "]}}");
			}

			try (MeetingPage page = new MeetingPage("render", me.url())) {
				// times on the page's clock, from the start of its navigation (performance.now())
				double shownMs = ((Number) Chromium.await(page.driver, "500 strokes and 50 people",
						d -> page.strokeIds().size() == 500 && page.near().size() == 50
								? Chromium.js(d, "return window.meetingSpace.stats.lastLogAt;") : null)).doubleValue();
				double presenceMs = ((Number) Chromium.await(page.driver, "their presence",
						d -> page.texts("#near-list .presence").stream().allMatch(t -> t.equals("online"))
								? Chromium.js(d, "return performance.now();") : null)).doubleValue();
				List<Double> redraws = new ArrayList<>();
				for (int i = 0; i < 5; i++) {
					redraws.add(((Number) Chromium.js(page.driver, "return window.meetingSpace.redraw();"))
							.doubleValue());
				}
				page.shot("11-fifty-people-near-five-hundred-strokes");

				// still usable: a stroke drawn with the mouse and a chat line arrive
				page.draw("pen", 100, 100, 300, 200, 500, 150);
				Chromium.await(page.driver, "the new stroke", d -> page.strokeIds().size() == 501);
				String id = page.strokeIds().get(500);
				// from the mouse's release to the stroke's commit on this page, on the page's clock
				double strokeMs = ((Number) Chromium.js(page.driver, "const s = window.meetingSpace.stats;"
						+ " return s.seenAt[arguments[0]] - s.sentAt[arguments[0]];", id)).doubleValue();
				page.say("still usable");
				Chromium.await(page.driver, "the chat line", d -> page.chatLines().equals(List.of("me: still usable")));
				assertThat(page.texts("#board-count")).containsExactly("501 strokes");

				redraws.sort(null);
				System.out.printf(Locale.ROOT, "MEASURED page with 50 near and 500 strokes: board of 500 drawn "
						+ "%.0f ms after navigation start (50 people with presence shown by %.0f ms); full board "
						+ "redraw median %.1f ms (max %.1f); a stroke drawn then, release to committed on the board: %.0f ms%n", shownMs,
						presenceMs, redraws.get(2), redraws.get(4), strokeMs);
			}
		}
	}
}
