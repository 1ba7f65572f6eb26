// SPDX-License-Identifier: Apache-2.0
package io.peercollab.benchmarks.rsocket;

import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.ssl.SslContext;
import io.peercollab.CollaborationSession;
import io.peercollab.Invitation;
import io.peercollab.InvitationResponse;
import io.peercollab.InvitationStatus;
import io.peercollab.PeerCollaboration;
import io.peercollab.SessionMessage;
import io.peercollab.benchmarks.Arrivals;
import io.peercollab.benchmarks.BareRSocket;
import io.peercollab.benchmarks.BenchPeers;
import io.peercollab.benchmarks.WirePayloads;
import io.peercollab.rsocket.internal.PeerTls;
import io.rsocket.Payload;
import io.rsocket.RSocket;
import io.rsocket.transport.netty.server.CloseableChannel;
import io.rsocket.util.ByteBufPayload;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.reactivestreams.Publisher;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.DisposableServer;
import reactor.netty.tcp.TcpClient;
import reactor.netty.tcp.TcpServer;

/**
 * A bulk transfer of {@code transferMiB} MiB in messages of {@value #MESSAGE_SIZE} bytes (the largest session
 * message), in one direction: through a {@link CollaborationSession} (host to member, the operation ending when the
 * member's {@code receive()} has every message), against the same bytes in session frames over a bare RSocket
 * request-channel, and against the same bytes copied over a plain TLS connection on loopback with the same TLS (the
 * machine's limit: no RSocket framing, no flow control but TCP's). The score is transfers per second; the bytes per
 * second are that times {@code transferMiB} MiB.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 4)
@Measurement(iterations = 5, time = 4)
@Fork(1)
public class BulkTransferBenchmark {

	static final int MESSAGE_SIZE = SessionMessage.MAX_DATA_LENGTH;
	static final Duration TRANSFER_TIMEOUT = Duration.ofMinutes(2);

	/** The size of one transfer, in MiB: 256 for the published figure, a few for a smoke run. */
	@Param("256")
	public int transferMiB;

	int messages() {
		return (int) ((long) transferMiB * 1024 * 1024 / MESSAGE_SIZE);
	}

	static byte[] message() {
		byte[] m = new byte[MESSAGE_SIZE];
		new Random(42).nextBytes(m);
		return m;
	}

	/** Alice hosts a session Bob joined by accepting her invitation; Bob receives. */
	@State(Scope.Benchmark)
	public static class Library {
		PeerCollaboration alice;
		PeerCollaboration bob;
		CollaborationSession hostSide;
		Disposable receiving;
		final Arrivals arrivals = new Arrivals();
		final byte[] message = message();

		@Setup
		public void setUp() {
			alice = BenchPeers.internet("alice");
			bob = BenchPeers.internet("bob");
			BenchPeers.befriend(alice, bob);
			bob.registerApplication(SessionBenchmark.WHITEBOARD).block(BenchPeers.TIMEOUT);
			Mono<CollaborationSession> joined = bob.invitations().next().flatMap(Invitation::accept).cache();
			joined.subscribe();
			InvitationResponse answer = BenchPeers.handle(alice, bob)
					.invite(SessionBenchmark.WHITEBOARD, "join?", null).block(BenchPeers.TIMEOUT);
			if (answer.status() != InvitationStatus.ACCEPTED) {
				throw new IllegalStateException("expected ACCEPTED, got " + answer);
			}
			hostSide = answer.session().orElseThrow();
			receiving = joined.block(BenchPeers.TIMEOUT).receive().subscribe(m -> arrivals.arrive());
		}

		@TearDown
		public void tearDown() {
			receiving.dispose();
			hostSide.dispose();
			BenchPeers.close(alice, bob);
		}
	}

	/** A bare request-channel from client to a server that counts and releases what arrives. */
	@State(Scope.Benchmark)
	public static class Bare {
		CloseableChannel server;
		RSocket client;
		final Arrivals arrivals = new Arrivals();
		ByteBuf frame;

		@Setup
		public void setUp() {
			frame = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(WirePayloads.sessionFrame(message())));
			server = BareRSocket.serve(BenchPeers.identity("bob"), new RSocket() {
				@Override
				public Flux<Payload> requestChannel(Publisher<Payload> payloads) {
					return Flux.from(payloads).map(p -> {
						int size = BareRequests.consume(p);
						arrivals.arrive();
						return size;
					}).thenMany(Flux.empty());
				}
			});
			client = BareRSocket.connect(BenchPeers.identity("alice"), server.address());
		}

		@TearDown
		public void tearDown() {
			client.dispose();
			server.dispose();
			server.onClose().block(BenchPeers.TIMEOUT);
		}
	}

	/** A TLS server that counts the bytes it reads, and one connection to it. */
	@State(Scope.Benchmark)
	public static class Tls {
		DisposableServer server;
		Connection client;
		final Arrivals arrivals = new Arrivals();
		final ByteBuf chunk = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(message()));

		@Setup
		public void setUp() {
			SslContext serverTls = PeerTls.server(BenchPeers.identity("bob"));
			SslContext clientTls = PeerTls.client(BenchPeers.identity("alice"));
			server = TcpServer.create().host("127.0.0.1").port(0)
					.secure(spec -> spec.sslContext(serverTls))
					.handle((in, out) -> {
						// one event loop per connection: plain fields suffice
						long[] pending = {0};
						return in.receive().doOnNext(b -> {
							pending[0] += b.readableBytes();
							while (pending[0] >= MESSAGE_SIZE) {
								pending[0] -= MESSAGE_SIZE;
								arrivals.arrive();
							}
						}).then(out.neverComplete());
					})
					.bindNow(BenchPeers.TIMEOUT);
			client = TcpClient.newConnection().remoteAddress(server::address)
					.secure(spec -> spec.sslContext(clientTls))
					.connectNow(BenchPeers.TIMEOUT);
		}

		@TearDown
		public void tearDown() {
			client.disposeNow(BenchPeers.TIMEOUT);
			server.disposeNow(BenchPeers.TIMEOUT);
		}
	}

	@Benchmark
	public void sessionTransfer(Library l) {
		int n = messages();
		long target = l.arrivals.expect(n);
		l.hostSide.send(Flux.range(0, n).map(i -> l.message)).block(TRANSFER_TIMEOUT);
		l.arrivals.await(target, TRANSFER_TIMEOUT);
	}

	@Benchmark
	public void bareRequestChannel(Bare b) {
		int n = messages();
		long target = b.arrivals.expect(n + 1);
		Payload open = ByteBufPayload.create(Unpooled.wrappedBuffer(WirePayloads.sessionOpen()),
				Unpooled.wrappedBuffer(WirePayloads.routing("peercollab.v1.session")));
		Flux<Payload> frames = Flux.range(0, n).map(i -> ByteBufPayload.create(b.frame.retainedDuplicate()));
		Disposable channel = b.client.requestChannel(Flux.concat(Mono.just(open), frames))
				.subscribe(BareRequests::consume);
		try {
			b.arrivals.await(target, TRANSFER_TIMEOUT);
		}
		finally {
			channel.dispose();
		}
	}

	@Benchmark
	public void tlsSocketCopy(Tls t) {
		int n = messages();
		long target = t.arrivals.expect(n);
		t.client.outbound().send(Flux.range(0, n).map(i -> t.chunk.retainedDuplicate())).then()
				.block(TRANSFER_TIMEOUT);
		t.arrivals.await(target, TRANSFER_TIMEOUT);
	}
}
