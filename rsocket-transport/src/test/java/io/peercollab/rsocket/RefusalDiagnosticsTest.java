// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;

import io.peercollab.Diagnostic;
import io.peercollab.InvalidRequestException;
import io.peercollab.LimitExceededException;
import io.peercollab.PayloadTooLargeException;
import io.peercollab.TcpAddress;
import io.peercollab.identity.KeyType;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.rsocket.internal.RSocketBinding;
import io.peercollab.spi.PeerConnection;
import io.peercollab.spi.TransportBinding;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every refusal of the server (a request it will not serve, a connection it will not hold) is reported once on
 * {@link TransportBinding#diagnostics()}, naming the kind, the peer when its name is proven, the address and the
 * typed cause.
 */
class RefusalDiagnosticsTest {

	private static final int MAX_PAYLOAD = 4096;
	/** Long enough to see that no second diagnostic follows the first. */
	private static final Duration QUIET = Duration.ofMillis(400);

	private final PeerIdentity bob = TestPeers.identity("bob", KeyType.ED25519);
	private final PeerIdentity alice = TestPeers.identity("alice", KeyType.EC_P256);
	private final RecordingHandler handler = new RecordingHandler();
	private TransportBinding server;
	private TransportBinding client;

	@AfterEach
	void stop() {
		TestPeers.dispose(client, server);
	}

	@Test
	void anUnknownRouteIsReportedOnceWithPeerAddressAndCause() {
		server = TestPeers.bind(TestPeers.loopback(), bob, handler);
		RawClient raw = RawClient.connect(server.address(), alice.privateKey(), alice.certificate())
				.block(TestPeers.TIMEOUT);
		try (raw) {
			StepVerifier.create(server.diagnostics())
					.then(() -> raw.rsocket.requestResponse(RawClient.payload("peercollab.v1.nope", Map.of()))
							.subscribe(null, e -> { }))
					.assertNext(fromAlice(Diagnostic.Kind.REJECTED_REQUEST, InvalidRequestException.class,
							"Unknown route 'peercollab.v1.nope'"))
					.expectNoEvent(QUIET)
					.thenCancel()
					.verify(TestPeers.TIMEOUT);
		}
	}

	@Test
	void anOversizedPayloadIsReportedOnceWithPeerAddressAndCause() {
		server = TestPeers.bind(TestPeers.loopback().maxPayloadSize(MAX_PAYLOAD), bob, handler);
		RawClient raw = RawClient.connect(server.address(), alice.privateKey(), alice.certificate())
				.block(TestPeers.TIMEOUT);
		try (raw) {
			StepVerifier.create(server.diagnostics())
					.then(() -> raw.rsocket.requestResponse(RawClient.payload("peercollab.v1.presence",
							Map.of("padding", new byte[MAX_PAYLOAD]))).subscribe(null, e -> { }))
					.assertNext(fromAlice(Diagnostic.Kind.REJECTED_REQUEST, PayloadTooLargeException.class,
							"maxPayloadSize (" + MAX_PAYLOAD + " bytes)"))
					.expectNoEvent(QUIET)
					.thenCancel()
					.verify(TestPeers.TIMEOUT);
		}
	}

	@Test
	void aRefusedSetupIsReportedOnceWithPeerAddressAndCause() {
		server = TestPeers.bind(TestPeers.loopback(), bob, handler);
		StepVerifier.create(server.diagnostics())
				.then(() -> RawClient.connect(server.address(), alice.privateKey(), alice.certificate(),
						Duration.ofMillis(Integer.MAX_VALUE), Duration.ofMinutes(5))
						.flatMap(raw -> raw.rsocket.requestResponse(RawClient.payload("peercollab.v1.presence",
								Map.of())).doFinally(s -> raw.close()))
						.subscribe(null, e -> { }))
				.assertNext(fromAlice(Diagnostic.Kind.REJECTED_CONNECTION, InvalidRequestException.class,
						"keepalive interval must be between 100 ms and 60000 ms"))
				.expectNoEvent(QUIET)
				.thenCancel()
				.verify(TestPeers.TIMEOUT);
	}

	@Test
	void aConnectionOverThePerSourceCapIsClosedAtAcceptAndReportedOnce() throws Exception {
		server = TestPeers.bind(TestPeers.loopback().maxConnectionsPerSource(2), bob, handler);
		try (Socket first = open(); Socket second = open()) {
			awaitHeld(2);
			StepVerifier.create(server.diagnostics())
					.then(() -> {
						try (Socket third = new Socket()) {
							// closed (reset) by the server without a byte of TLS; the reset may already hit the
							// socket's set-up, which is the same refusal
							try {
								third.connect(new InetSocketAddress("127.0.0.1", ((TcpAddress) server.address()).socketAddress().getPort()), 5_000);
								third.setSoTimeout((int) TestPeers.TIMEOUT.toMillis());
								assertThat(readEnd(third)).isTrue();
							}
							catch (java.net.SocketException reset) {
								// refused
							}
						}
						catch (java.io.IOException e) {
							throw new AssertionError(e);
						}
					})
					.assertNext(d -> {
						assertThat(d.kind()).isEqualTo(Diagnostic.Kind.REJECTED_CONNECTION);
						assertThat(d.peer()).isNull();
						assertThat(((TcpAddress) d.address()).socketAddress().getAddress().getHostAddress()).isEqualTo("127.0.0.1");
						assertThat(d.cause()).isInstanceOf(LimitExceededException.class)
								.hasMessageContaining("maxConnectionsPerSource (2) reached");
					})
					.expectNoEvent(QUIET)
					.thenCancel()
					.verify(TestPeers.TIMEOUT);
			assertThat(((RSocketBinding) server).inboundConnectionCount()).isEqualTo(2);
		}
	}

	@Test
	void atTheTotalCapANewConnectionTakesThePlaceOfTheOldestWithoutAStream() throws Exception {
		server = TestPeers.bind(TestPeers.loopback().maxConnections(2), bob, handler);
		client = TestPeers.bind(TestPeers.loopback(), alice, handler);
		try (Socket silentOld = open(); Socket silentNew = open()) {
			awaitHeld(2);
			StepVerifier.create(server.diagnostics())
					.then(() -> TestPeers.connect(client, server, bob))
					.assertNext(d -> {
						assertThat(d.kind()).isEqualTo(Diagnostic.Kind.REJECTED_CONNECTION);
						assertThat(((TcpAddress) d.address()).socketAddress().getPort()).isEqualTo(silentOld.getLocalPort());
						assertThat(d.cause()).isInstanceOf(LimitExceededException.class)
								.hasMessageContaining("maxConnections (2) reached");
					})
					.expectNoEvent(QUIET)
					.thenCancel()
					.verify(TestPeers.TIMEOUT);
			assertThat(readEnd(silentOld)).isTrue();
			assertThat(((RSocketBinding) server).inboundConnectionCount()).isEqualTo(2);
		}
	}

	@Test
	void aConnectionWithoutAStreamIsClosedAfterTimeToFirstStreamAndReportedOnce() throws Exception {
		Duration timeToFirstStream = Duration.ofMillis(300);
		server = TestPeers.bind(TestPeers.loopback().timeToFirstStream(timeToFirstStream), bob, handler);
		client = TestPeers.bind(TestPeers.loopback(), alice, handler);
		// an engine connection opens its first stream (hello) at once, then stays idle: it must stay open
		PeerConnection friend = TestPeers.connect(client, server, bob);
		try (Socket silent = open()) {
			StepVerifier.create(server.diagnostics())
					.assertNext(d -> {
						assertThat(d.kind()).isEqualTo(Diagnostic.Kind.REJECTED_CONNECTION);
						assertThat(d.peer()).isNull();
						assertThat(((TcpAddress) d.address()).socketAddress().getPort()).isEqualTo(silent.getLocalPort());
						assertThat(d.cause()).isInstanceOf(LimitExceededException.class)
								.hasMessageContaining("timeToFirstStream (300 ms)");
					})
					.expectNoEvent(QUIET)
					.thenCancel()
					.verify(TestPeers.TIMEOUT);
			assertThat(readEnd(silent)).isTrue();
		}
		// a TLS client that sends SETUP and nothing else is named in its report
		StepVerifier.create(server.diagnostics())
				.then(() -> RawClient.connect(server.address(), alice.privateKey(), alice.certificate())
						.subscribe())
				.assertNext(fromAlice(Diagnostic.Kind.REJECTED_CONNECTION, LimitExceededException.class,
						"timeToFirstStream (300 ms)"))
				.expectNoEvent(QUIET)
				.thenCancel()
				.verify(TestPeers.TIMEOUT);
		assertThat(friend.isDisposed()).isFalse();
		StepVerifier.create(friend.presence()).expectNext(RecordingHandler.PRESENCE).verifyComplete();
	}

	private Consumer<Diagnostic> fromAlice(Diagnostic.Kind kind, Class<? extends Throwable> cause, String words) {
		return d -> {
			assertThat(d.kind()).isEqualTo(kind);
			assertThat(d.peer()).isEqualTo(alice.name());
			assertThat(d.address()).isNotNull();
			assertThat(((TcpAddress) d.address()).socketAddress().getAddress().getHostAddress()).isEqualTo("127.0.0.1");
			assertThat(d.cause()).isInstanceOf(cause).hasMessageContaining(words);
			assertThat(d.message()).contains(words);
		};
	}

	private Socket open() throws Exception {
		Socket s = new Socket();
		s.connect(new InetSocketAddress("127.0.0.1", ((TcpAddress) server.address()).socketAddress().getPort()), 5_000);
		s.setSoTimeout((int) TestPeers.TIMEOUT.toMillis());
		return s;
	}

	/** @return true once the server closed or reset the connection */
	private static boolean readEnd(Socket socket) {
		try {
			InputStream in = socket.getInputStream();
			return in.read() == -1;
		}
		catch (java.net.SocketException reset) {
			return true;
		}
		catch (Exception e) {
			throw new AssertionError(e);
		}
	}

	/** Waits until the server holds {@code n} inbound connections (sockets are accepted asynchronously). */
	private void awaitHeld(int n) {
		long deadline = System.nanoTime() + TestPeers.TIMEOUT.toNanos();
		while (((RSocketBinding) server).inboundConnectionCount() != n) {
			assertThat(System.nanoTime()).as("server holds " + n + " connections").isLessThan(deadline);
			Mono.delay(Duration.ofMillis(5)).block();
		}
	}
}
