// SPDX-License-Identifier: Apache-2.0
package io.peercollab.benchmarks.rsocket;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.peercollab.PeerAddress;
import io.peercollab.benchmarks.BenchPeers;
import io.peercollab.benchmarks.NothingHandler;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.identity.PeerName;
import io.peercollab.rsocket.internal.PeerTls;
import io.peercollab.spi.PeerConnection;
import io.peercollab.spi.TransportBinding;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.DisposableServer;
import reactor.netty.tcp.TcpClient;
import reactor.netty.tcp.TcpServer;

/**
 * Connection set-up: {@code TransportBinding.connect(name, address)} of {@code RSocketPeerTransport} (TCP, TLS 1.3
 * handshake with both certificates, pin check, RSocket SETUP and the {@code hello} request that confirms it) until
 * the connection is usable, against a bare Reactor Netty TLS connect ({@code TcpClient.secure(...)} to a
 * {@code TcpServer} on 127.0.0.1, same TLS contexts) until its handshake completes.
 *
 * <p>The connect goes through the transport SPI, the path every {@code Peer} call takes the first time it reaches a
 * peer, so that nothing but the connection is measured. Each connection is closed after its operation, outside the
 * measured time, and both sides wait until it is gone.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ConnectBenchmark {

	/** Alice's transport binding connects to Bob's. */
	@State(Scope.Benchmark)
	public static class Library {
		TransportBinding alice;
		TransportBinding bob;
		PeerName bobName;
		PeerAddress bobAddress;
		PeerConnection last;

		@Setup
		public void setUp() {
			PeerIdentity bobIdentity = BenchPeers.identity("bob");
			bobName = bobIdentity.name();
			bob = BenchPeers.transport().bind(bobIdentity, new NothingHandler()).block(BenchPeers.TIMEOUT);
			alice = BenchPeers.transport().bind(BenchPeers.identity("alice"), new NothingHandler())
					.block(BenchPeers.TIMEOUT);
			bobAddress = bob.address();
			last = open(this);
			closeLast();
		}

		@TearDown(Level.Invocation)
		public void closeLast() {
			PeerConnection c = last;
			if (c != null) {
				c.dispose();
				c.onClose().block(BenchPeers.TIMEOUT);
				last = null;
			}
		}

		@TearDown
		public void tearDown() {
			alice.dispose();
			bob.dispose();
			Flux.merge(alice.onDispose(), bob.onDispose()).then().block(BenchPeers.TIMEOUT);
		}
	}

	/** A Reactor Netty TLS server; a client with the same kind of context connects to it. */
	@State(Scope.Benchmark)
	public static class Bare {
		DisposableServer server;
		TcpClient client;
		Connection last;

		@Setup
		public void setUp() {
			SslContext serverTls = PeerTls.server(BenchPeers.identity("bob"));
			SslContext clientTls = PeerTls.client(BenchPeers.identity("alice"));
			server = TcpServer.create().host("127.0.0.1").port(0)
					.secure(spec -> spec.sslContext(serverTls).handshakeTimeout(Duration.ofSeconds(5)))
					.bindNow();
			InetSocketAddress address = (InetSocketAddress) server.address();
			client = TcpClient.newConnection().remoteAddress(() -> address)
					.secure(spec -> spec.sslContext(clientTls).handshakeTimeout(Duration.ofSeconds(5)));
			last = open(this);
			closeLast();
		}

		@TearDown(Level.Invocation)
		public void closeLast() {
			Connection c = last;
			if (c != null) {
				c.dispose();
				c.onDispose().block(BenchPeers.TIMEOUT);
				last = null;
			}
		}

		@TearDown
		public void tearDown() {
			server.disposeNow();
		}
	}

	@Benchmark
	public Object connect(Library l) {
		return l.last = open(l);
	}

	@Benchmark
	public Object bareTlsConnect(Bare b) {
		return b.last = open(b);
	}

	static PeerConnection open(Library l) {
		return l.alice.connect(l.bobName, l.bobAddress).block(BenchPeers.TIMEOUT);
	}

	static Connection open(Bare b) {
		return b.client.connect().flatMap(c -> Mono.<Connection>create(sink -> {
			SslHandler ssl = c.channel().pipeline().get(SslHandler.class);
			ssl.handshakeFuture().addListener(f -> {
				if (f.isSuccess()) {
					sink.success(c);
				}
				else {
					c.dispose();
					sink.error(f.cause());
				}
			});
		})).block(BenchPeers.TIMEOUT);
	}
}
