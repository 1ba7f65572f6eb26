// SPDX-License-Identifier: Apache-2.0
package io.peercollab.examples;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's scripted demo runs every step on loopback and its transcript tells each of them.
 */
@Tag("slow")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DemoTest {

	@Test
	void demoCompletesEveryStepAndPrintsWhatEachPeerSees() {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		int code = Demo.run(new PrintStream(bytes, true, StandardCharsets.UTF_8));
		String transcript = bytes.toString(StandardCharsets.UTF_8);

		assertThat(code).as(transcript).isZero();
		assertThat(transcript.lines()).as(transcript)
				.anyMatch(l -> l.matches(".*Carol +is AWAY \\(getting coffee\\)"))
				.anyMatch(l -> l.matches(".*Alice +reads Carol's presence: AWAY \\(getting coffee\\)"))
				.anyMatch(l -> l.matches(".*Bob +is invited by Alice to 'Shared whiteboard': .* -> accepts"))
				.anyMatch(l -> l.matches(".*Carol +is invited by Alice -> declines"))
				.anyMatch(l -> l.matches(".*Alice +gets Bob's answer: ACCEPTED"))
				.anyMatch(l -> l.matches(".*Alice +gets Carol's answer: DECLINED \\(\"busy, sorry\"\\)"))
				.anyMatch(l -> l.matches(".*Alice +follows Bob: UPDATED BUSY"))
				.anyMatch(l -> l.matches(".*Bob +receives \"I drew a square\""))
				.anyMatch(l -> l.matches(".*Alice +receives \"I made it blue\""))
				.anyMatch(l -> l.matches(".*Alice +sees Carol go"))
				.anyMatch(l -> l.matches(".*Alice +sees Bob go"))
				.anyMatch(l -> l.matches(".*demo +completed every step in \\d+ ms"))
				.noneMatch(l -> l.contains("FAILED"));
	}
}
