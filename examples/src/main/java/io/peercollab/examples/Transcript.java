// SPDX-License-Identifier: Apache-2.0
package io.peercollab.examples;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/**
 * A timestamped, readable log of who saw what: {@code 12:00:01.234 +1234ms Alice   sees Bob near her}.
 */
final class Transcript {

	private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

	private final PrintStream out;
	private final Instant start = Instant.now();

	Transcript(PrintStream out) {
		this.out = out;
	}

	/** Prints one line; safe to call from any thread. */
	synchronized void say(String who, String what) {
		Instant now = Instant.now();
		out.printf("%s +%5dms  %-6s %s%n", CLOCK.format(LocalTime.ofInstant(now, ZoneId.systemDefault())),
				Duration.between(start, now).toMillis(), who, what);
		out.flush();
	}

	Duration elapsed() {
		return Duration.between(start, Instant.now());
	}
}
