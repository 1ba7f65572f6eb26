// SPDX-License-Identifier: Apache-2.0
package io.peercollab.examples.meeting;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sender's progress bar shows what the receivers have, from their acknowledgements, not what its session took:
 * the session takes chunks up to its window (and the receiver's buffers) ahead of a receiver that does not read. Here
 * the receiver's Meeting Space is held still while the handout goes out: the sender's session takes all of it, and
 * the sender's page still shows nothing received; once the receiver goes on, the bar follows it to the end.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MeetingHandoutProgressTest {

	private static final int CHUNKS = 120;
	private static final long SIZE = (long) CHUNKS * Meeting.CHUNK;

	@Test
	void theSendersProgressIsWhatTheReceiverHas() throws Exception {
		try (InMemoryPeople.AliceAndBob meeting = InMemoryPeople.aliceInvitesBob()) {
			MeetingSpace alice = meeting.alice();
			MeetingSpace bob = meeting.bob();
			InMemoryPeople.PageFeed alicePage = meeting.alicePage();
			InMemoryPeople.PageFeed bobPage = meeting.bobPage();
			bobPage.await("bob is connected", u -> u.contains("\"connected\":true"));

			// bob's Meeting Space stands still: it reads nothing from its session, so it acknowledges nothing
			CountDownLatch release = new CountDownLatch(1);
			bob.state().schedule(() -> {
				try {
					release.await(30, TimeUnit.SECONDS);
				}
				catch (InterruptedException e) {
					Thread.currentThread().interrupt();
				}
			});
			alice.handout("big.bin", SIZE, Flux.range(0, CHUNKS).map(i -> new byte[Meeting.CHUNK])).subscribe();
			AtomicLong shown = new AtomicLong(-1);
			JsonNode sent = handout(alicePage.await("alice's session took the whole handout", u -> {
				JsonNode h = handout(u);
				if (h != null) {
					assertThat(h.path("transferred").asLong()).as("alice's bar while bob stands still")
							.isZero();
				}
				return h != null && h.path("handed").asLong() == SIZE;
			}));
			assertThat(sent.path("transferred").asLong()).isZero();
			System.out.printf("MEASURED handout progress: alice's session took %d of %d bytes while bob had "
					+ "acknowledged 0; her bar shows 0%n", sent.path("handed").asLong(), SIZE);

			// bob goes on: alice's bar follows his acknowledgements, never back, up to the whole handout
			release.countDown();
			alicePage.await("alice's bar reaches the end as bob verifies it", u -> {
				JsonNode h = handout(u);
				if (h == null) {
					return false;
				}
				long t = h.path("transferred").asLong();
				assertThat(t).as("alice's bar never goes back").isGreaterThanOrEqualTo(shown.get());
				shown.set(t);
				return t == SIZE && h.path("receivers").path("bob").asText().equals("verified");
			});
			bobPage.await("bob has it verified", u -> u.contains("\"state\":\"verified\""));
		}
	}

	/** @return the handout an update shows (the only one of this test), or {@code null} */
	private static JsonNode handout(String update) {
		try {
			JsonNode u = MeetingSpace.JSON.readTree(update);
			return switch (u.path("t").asText()) {
				case "handout" -> u.path("handout");
				case "meeting" -> u.path("meeting").path("handouts").path(0).isMissingNode() ? null
						: u.path("meeting").path("handouts").path(0);
				default -> null;
			};
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}
}
