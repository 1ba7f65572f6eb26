// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.engine;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.peercollab.Diagnostic;
import io.peercollab.LimitExceededException;
import io.peercollab.TcpAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.test.scheduler.VirtualTimeScheduler;

import static org.assertj.core.api.Assertions.assertThat;

class DiagnosticLogTest {

	private final VirtualTimeScheduler clock = VirtualTimeScheduler.create();
	private final List<String> lines = new CopyOnWriteArrayList<>();
	private final DiagnosticLog log = new DiagnosticLog(clock, lines::add);

	@AfterEach
	void stop() {
		clock.dispose();
	}

	@Test
	void aSourceGetsTenLinesAMinuteThenOneSuppressedLine() {
		for (int i = 0; i < 25; i++) {
			log.log("bob [REJECTED_CONNECTION]", refused("10.0.0.1", 40_000 + i));
		}
		assertThat(lines).hasSize(DiagnosticLog.LINES_PER_SOURCE)
				.allSatisfy(l -> assertThat(l).startsWith("bob [REJECTED_CONNECTION]: refused at accept (from 10.0.0.1:"));

		clock.advanceTimeBy(DiagnosticLog.WINDOW.minusMillis(1));
		assertThat(lines).hasSize(DiagnosticLog.LINES_PER_SOURCE);
		clock.advanceTimeBy(Duration.ofMillis(1));
		assertThat(lines).hasSize(DiagnosticLog.LINES_PER_SOURCE + 1)
				.last().isEqualTo("suppressed 15 more diagnostics from 10.0.0.1 in the last 60 s");

		// a new window: the source may speak again
		log.log("bob [REJECTED_CONNECTION]", refused("10.0.0.1", 1));
		assertThat(lines).hasSize(DiagnosticLog.LINES_PER_SOURCE + 2);
	}

	@Test
	void aSourceThatStaysUnderItsLinesGetsNoSuppressedLine() {
		log.log("bob [REJECTED_REQUEST]", refused("10.0.0.1", 1));
		log.log("bob [REJECTED_REQUEST]", refused("10.0.0.2", 1));
		clock.advanceTimeBy(DiagnosticLog.WINDOW.multipliedBy(2));
		assertThat(lines).hasSize(2);
	}

	@Test
	void aFloodFromManyAddressesStaysBounded() {
		int addresses = 5_000;
		for (int i = 0; i < addresses; i++) {
			for (int n = 0; n < 3; n++) {
				log.log("bob [REJECTED_CONNECTION]", refused("10." + (i >> 16) + "." + ((i >> 8) & 255) + "." + (i & 255),
						n + 1));
			}
		}
		int bound = (DiagnosticLog.MAX_SOURCES + 1) * DiagnosticLog.LINES_PER_SOURCE;
		assertThat(lines).hasSizeLessThanOrEqualTo(bound);
		clock.advanceTimeBy(DiagnosticLog.WINDOW);
		assertThat(lines).hasSizeLessThanOrEqualTo(bound + DiagnosticLog.MAX_SOURCES + 1)
				.last().asString().startsWith("suppressed ").contains("other sources");
	}

	@Test
	void diagnosticsWithoutAddressAreCountedByPeerOrKind() {
		for (int i = 0; i < 12; i++) {
			log.log("bob [MALFORMED_ANNOUNCEMENT]",
					new Diagnostic(Instant.EPOCH, Diagnostic.Kind.MALFORMED_ANNOUNCEMENT, "bad TXT"));
		}
		clock.advanceTimeBy(DiagnosticLog.WINDOW);
		assertThat(lines).hasSize(DiagnosticLog.LINES_PER_SOURCE + 1)
				.last().isEqualTo("suppressed 2 more diagnostics from MALFORMED_ANNOUNCEMENT in the last 60 s");
	}

	private static Diagnostic refused(String host, int port) {
		return new Diagnostic(Instant.EPOCH, Diagnostic.Kind.REJECTED_CONNECTION, "refused at accept", null,
				TcpAddress.of(new InetSocketAddress(host, port)),
				new LimitExceededException("maxConnectionsPerSource (64) reached"));
	}
}
