// SPDX-License-Identifier: Apache-2.0
package io.peercollab.examples.meeting;

import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the pages show when a participant's network fails or the host's does: no goodbye came, so both sides say the
 * connection was lost (not that someone left). In memory: {@code network.cut} breaks an endpoint's connections as a
 * crash of its machine would.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MeetingFailuresTest {

	private static final Pattern INVITATION = Pattern.compile("\"invitations\":\\[\\{\"id\":\"([^\"]+)\"");

	@Test
	void aParticipantsCrashIsShownAsLostOnBothSides() throws InterruptedException {
		try (InMemoryPeople people = new InMemoryPeople()) {
			MeetingSpace alice = people.space("alice");
			MeetingSpace bob = people.space("bob");
			MeetingSpace carol = people.space("carol");
			try (InMemoryPeople.PageFeed alicePage = new InMemoryPeople.PageFeed(alice);
					InMemoryPeople.PageFeed bobPage = new InMemoryPeople.PageFeed(bob);
					InMemoryPeople.PageFeed carolPage = new InMemoryPeople.PageFeed(carol)) {
				alicePage.await("bob and carol near alice", u -> u.contains("\"nickname\":\"bob\"")
						&& u.contains("\"nickname\":\"carol\""));
				alice.handle("{\"t\":\"invite\",\"names\":[\"" + bob.endpoint().name() + "\",\""
						+ carol.endpoint().name() + "\"]}");
				accept(bob, bobPage);
				accept(carol, carolPage);
				alicePage.await("both joined", u -> u.contains("\"nickname\":\"bob\",\"colour\":\"#d62728\","
						+ "\"status\":\"joined\"") && u.contains("\"nickname\":\"carol\",\"colour\":\"#2ca02c\","
						+ "\"status\":\"joined\""));

				people.network.cut(carol.endpoint().name());
				String seen = alicePage.await("alice sees carol lost", u -> u.contains(
						"\"nickname\":\"carol\",\"colour\":\"#2ca02c\",\"status\":\"lost\""));
				assertThat(seen).contains("\"nickname\":\"bob\",\"colour\":\"#d62728\",\"status\":\"joined\"");
				carolPage.await("carol sees the host lost", u -> u.contains("\"ended\":\"lost the connection to alice "
						+ "(the host)"));
				bobPage.await("bob sees carol lost", u -> u.contains("\"nickname\":\"carol\",\"colour\":\"#2ca02c\","
						+ "\"status\":\"lost\""));

				// the meeting goes on for the others
				bob.handle("{\"t\":\"chat\",\"text\":\"still here\"}");
				alicePage.await("alice reads bob", u -> u.contains("\"text\":\"still here\""));
			}
		}
	}

	private static void accept(MeetingSpace space, InMemoryPeople.PageFeed page) throws InterruptedException {
		Matcher m = INVITATION.matcher(page.await("an invitation", u -> INVITATION.matcher(u).find()));
		assertThat(m.find()).isTrue();
		space.handle("{\"t\":\"accept\",\"id\":\"" + m.group(1) + "\"}");
	}
}
