// SPDX-License-Identifier: Apache-2.0
package io.peercollab.reliability;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import io.peercollab.Diagnostic;
import io.peercollab.InvalidRequestException;
import io.peercollab.PeerCollaboration;
import io.peercollab.TcpAddress;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.rsocket.RawClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A peer that sends a flood of refused requests reaches {@link PeerCollaboration#diagnostics()} once per request,
 * structured, while the WARN log gets ten lines and, when the minute is over, one line counting the rest.
 */
class RefusedRequestFloodTest {

	static final int REQUESTS = 200;

	private final Endpoints endpoints = new Endpoints();
	private final VirtualTimeScheduler timer = VirtualTimeScheduler.create();
	private Disposable subscription;

	@AfterEach
	void stop() {
		if (subscription != null) {
			subscription.dispose();
		}
		endpoints.close();
		timer.dispose();
	}

	@Test
	void aFloodOfUnknownRoutesIsReportedOnceEachAndLoggedInElevenLines() throws Exception {
		PeerCollaboration bob = endpoints.start("refusal-bob", t -> t, b -> b.timerScheduler(timer));
		PeerIdentity mallory = Endpoints.identity("refusal-mallory");
		Queue<Diagnostic> diagnostics = new ConcurrentLinkedQueue<>();
		subscription = bob.diagnostics().subscribe(diagnostics::add);
		PrintStream original = System.err;
		ByteArrayOutputStream captured = new ByteArrayOutputStream();
		System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
		try (RawClient raw = RawClient.connect(bob.endPoints().get(0).address(), mallory.privateKey(),
				mallory.certificate()).block(Endpoints.WAIT)) {
			List<Throwable> answers = Flux.range(0, REQUESTS)
					.concatMap(i -> raw.rsocket.requestResponse(RawClient.payload("peercollab.v1.nope" + i, Map.of()))
							.then(Mono.<Throwable>empty())
							.onErrorResume(Mono::just))
					.collectList().block(Endpoints.WAIT);
			assertThat(answers).hasSize(REQUESTS);
			Endpoints.await(Endpoints.WAIT, REQUESTS + " diagnostics", () -> diagnostics.size() >= REQUESTS);
			timer.advanceTimeBy(java.time.Duration.ofMinutes(1));
		}
		finally {
			System.setErr(original);
		}
		List<String> lines = captured.toString(StandardCharsets.UTF_8).lines()
				.filter(l -> l.contains("[REJECTED_REQUEST]") || l.contains("suppressed")).toList();
		lines.forEach(System.out::println);

		assertThat(diagnostics).hasSize(REQUESTS).allSatisfy(d -> {
			assertThat(d.kind()).isEqualTo(Diagnostic.Kind.REJECTED_REQUEST);
			assertThat(d.peer()).isEqualTo(mallory.name());
			assertThat(((TcpAddress) d.address()).socketAddress().getAddress().getHostAddress()).isEqualTo("127.0.0.1");
			assertThat(d.cause()).isInstanceOf(InvalidRequestException.class).hasMessageContaining("Unknown route");
		});
		assertThat(lines).hasSize(11);
		assertThat(lines.get(0)).contains("[REJECTED_REQUEST]: refused a request: Unknown route 'peercollab.v1.nope0'")
				.contains("peer " + mallory.name()).contains("from 127.0.0.1:");
		assertThat(lines.get(10)).contains("suppressed " + (REQUESTS - 10) + " more diagnostics from 127.0.0.1");
	}
}
