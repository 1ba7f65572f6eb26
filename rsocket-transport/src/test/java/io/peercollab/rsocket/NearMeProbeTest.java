// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.peercollab.Diagnostic;
import io.peercollab.PeerUnreachableException;
import io.peercollab.TcpAddress;
import io.peercollab.identity.KeyType;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.identity.PeerName;
import io.peercollab.rsocket.internal.RSocketBinding;
import io.peercollab.rsocket.internal.TransportSettings;
import io.peercollab.spi.PeerConnection;
import io.peercollab.spi.TransportBinding;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What people near me ask of the RSocket transport to follow neighbours without a connection held to each:
 * {@code verify} lets its connection go, {@code probe} is a bare TCP connect that the server neither reports nor
 * logs, and {@code connectionsLost} tells when a connection the binding opened is lost, but not when it closed it.
 */
class NearMeProbeTest {

	private static final Duration WAIT = TestPeers.TIMEOUT;
	private final PeerIdentity alice = TestPeers.identity("alice", KeyType.EC_P256);
	private final PeerIdentity bob = TestPeers.identity("bob", KeyType.EC_P256);
	private final List<Disposable> subscriptions = new CopyOnWriteArrayList<>();
	private TransportBinding client;
	private RSocketBinding server;

	@AfterEach
	void stop() {
		subscriptions.forEach(Disposable::dispose);
		TestPeers.dispose(client, server);
	}

	private void bind() {
		client = TestPeers.bind(TestPeers.loopback(), alice, new RecordingHandler());
		server = (RSocketBinding) TestPeers.bind(TestPeers.loopback(), bob, new RecordingHandler());
	}

	private List<PeerName> lostOf(TransportBinding b) {
		List<PeerName> lost = new CopyOnWriteArrayList<>();
		subscriptions.add(b.connectionsLost().subscribe(lost::add));
		return lost;
	}

	private static void awaitTrue(java.util.function.BooleanSupplier condition) {
		Mono.fromCallable(condition::getAsBoolean)
				.filter(Boolean::booleanValue)
				.repeatWhenEmpty(r -> r.delayElements(Duration.ofMillis(20)))
				.timeout(WAIT)
				.block();
	}

	@Test
	void verifyProvesTheKeyAndLetsItsConnectionGo() {
		bind();
		List<PeerName> lost = lostOf(client);
		StepVerifier.create(client.verify(bob.name(), server.address())).expectComplete().verify(WAIT);
		awaitTrue(() -> server.inboundConnectionCount() == 0);
		StepVerifier.create(client.verify(alice.name(), server.address()))
				.expectError(io.peercollab.PeerIdentityMismatchException.class).verify(WAIT);
		assertThat(lost).as("closing a connection of its own is no loss").isEmpty();
	}

	@Test
	void verifyUsesAnOpenSharedConnectionAsProof() {
		bind();
		PeerConnection shared = client.connect(bob.name(), server.address()).block(WAIT);
		StepVerifier.create(client.verify(bob.name(), server.address())).expectComplete().verify(WAIT);
		assertThat(shared.isDisposed()).as("the shared connection stays").isFalse();
		assertThat(server.inboundConnectionCount()).isEqualTo(1);
	}

	@Test
	void aProbeIsNeitherReportedNorLoggedByTheServerAndHoldsNothing() {
		bind();
		List<Diagnostic> reported = new CopyOnWriteArrayList<>();
		subscriptions.add(server.diagnostics().subscribe(reported::add));
		CopyingErr err = CopyingErr.install();
		try {
			// as many probes as 200 neighbours send in one period
			Flux.range(0, 200).concatMap(i -> client.probe(bob.name(), server.address())).then().block(WAIT);
			awaitTrue(() -> server.inboundConnectionCount() == 0);
			// past the time to first stream: a probe must not be closed by it, nor reported
			Mono.delay(TransportSettings.DEFAULTS.timeToFirstStream().plusSeconds(1)).block();
		}
		finally {
			err.uninstall();
		}
		assertThat(reported).as("diagnostics of the server").isEmpty();
		assertThat(err.text()).as("what the server and client logged").doesNotContain("WARN").doesNotContain("ERROR");
		assertThat(server.inboundConnectionCount()).isZero();
		// and the server still serves
		StepVerifier.create(client.verify(bob.name(), server.address())).expectComplete().verify(WAIT);
	}

	@Test
	void aProbeOfAClosedPortFailsAtOnce() throws Exception {
		bind();
		InetSocketAddress closed;
		try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
			closed = new InetSocketAddress("127.0.0.1", s.getLocalPort());
		}
		long start = System.nanoTime();
		StepVerifier.create(client.probe(bob.name(), TcpAddress.of(closed))).expectError(PeerUnreachableException.class).verify(WAIT);
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
	}

	@Test
	void aConnectionLostIsToldButOneClosedHereIsNot() {
		bind();
		List<PeerName> lost = lostOf(client);
		PeerConnection c = client.connect(bob.name(), server.address()).block(WAIT);
		c.dispose();
		c.onClose().block(WAIT);
		PeerConnection again = client.connect(bob.name(), server.address()).block(WAIT);
		assertThat(lost).isEmpty();
		server.dispose();
		again.onClose().block(WAIT);
		awaitTrue(() -> lost.contains(bob.name()));
		// a call that cannot connect is a loss too
		lost.clear();
		StepVerifier.create(client.connect(bob.name(), server.address())).expectError(PeerUnreachableException.class)
				.verify(WAIT);
		assertThat(lost).containsExactly(bob.name());
	}

	/** Tees {@code System.err}, where slf4j-simple writes. */
	private static final class CopyingErr extends OutputStream {

		private final PrintStream original;
		private final ByteArrayOutputStream copy = new ByteArrayOutputStream();

		private CopyingErr(PrintStream original) {
			this.original = original;
		}

		static CopyingErr install() {
			CopyingErr c = new CopyingErr(System.err);
			System.setErr(new PrintStream(c, true, StandardCharsets.UTF_8));
			return c;
		}

		void uninstall() {
			System.setErr(original);
		}

		synchronized String text() {
			return copy.toString(StandardCharsets.UTF_8);
		}

		@Override
		public synchronized void write(int b) {
			original.write(b);
			copy.write(b);
		}

		@Override
		public synchronized void write(byte[] b, int off, int len) {
			original.write(b, off, len);
			copy.write(b, off, len);
		}
	}
}
