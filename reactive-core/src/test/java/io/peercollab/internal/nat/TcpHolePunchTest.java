// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import io.peercollab.PeerUnreachableException;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.DisposableServer;
import reactor.netty.tcp.TcpServer;
import reactor.test.StepVerifier;
import reactor.util.function.Tuple2;

/**
 * {@link TcpHolePunch} on loopback, where no NAT is in the way: the listening-and-dialling race yields exactly one
 * connection per end, the deadline gives a clear error, and a malformed STUN answer over TCP a typed one. The NAT
 * kinds themselves are {@link HolePunchNatLabTest}'s.
 */
class TcpHolePunchTest {

	private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

	@Test
	void twoEndsPunchingAtEachOtherGetOneConnectionEach() throws Exception {
		InetSocketAddress a = new InetSocketAddress(LOOPBACK, freePort());
		InetSocketAddress b = new InetSocketAddress(LOOPBACK, freePort());

		Tuple2<Connection, Connection> both = Mono.zip(TcpHolePunch.connect(a, b, Duration.ofSeconds(10)),
				TcpHolePunch.connect(b, a, Duration.ofSeconds(10))).block(Duration.ofSeconds(15));
		try {
			Connection ca = both.getT1();
			Connection cb = both.getT2();
			// one TCP connection, seen from its two ends
			assertThat(ca.channel().localAddress()).isEqualTo(cb.channel().remoteAddress());
			assertThat(ca.channel().remoteAddress()).isEqualTo(cb.channel().localAddress());
			ca.outbound().sendString(Mono.just("ping")).then().block(Duration.ofSeconds(5));
			StepVerifier.create(cb.inbound().receive().asString(StandardCharsets.UTF_8).next())
					.expectNext("ping")
					.verifyComplete();
		}
		finally {
			both.getT1().dispose();
			both.getT2().dispose();
		}
	}

	@Test
	void anEndThatNeverAnswersFailsByTheDeadlineNamingTheAttempts() throws Exception {
		InetSocketAddress local = new InetSocketAddress(LOOPBACK, freePort());
		InetSocketAddress nobody = new InetSocketAddress(LOOPBACK, freePort());

		StepVerifier.create(TcpHolePunch.connect(local, nobody, Duration.ofMillis(500)))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(PeerUnreachableException.class)
						.hasMessageContaining("TCP hole punching from 127.0.0.1:" + local.getPort())
						.hasMessageContaining("to 127.0.0.1:" + nobody.getPort())
						.hasMessageMatching("(?s).*after \\d+ attempts in PT0.5S.*"))
				.verify(Duration.ofSeconds(10));
	}

	@Test
	void aMalformedStunAnswerOverTcpIsATypedErrorNamingTheField() {
		byte[] badCookie = new byte[20]; // a header of the right length, with the magic cookie 0
		badCookie[1] = 0x01;
		badCookie[0] = 0x01;
		DisposableServer server = TcpServer.create().host("127.0.0.1").port(0)
				.handle((in, out) -> in.receive().take(1).then(out.sendByteArray(Mono.just(badCookie)).then()))
				.bindNow();
		try {
			StepVerifier.create(TcpHolePunch.mappedAddress(new InetSocketAddress(LOOPBACK, 0),
							(InetSocketAddress) server.address(), Duration.ofSeconds(5)))
					.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(StunFormatException.class)
							.hasMessageContaining("magic cookie"))
					.verify(Duration.ofSeconds(10));
		}
		finally {
			server.disposeNow();
		}
	}

	@Test
	void aStunServerThatNeverAnswersGivesAClearError() {
		DisposableServer silent = TcpServer.create().host("127.0.0.1").port(0)
				.handle((in, out) -> Mono.never())
				.bindNow();
		try {
			StepVerifier.create(TcpHolePunch.mappedAddress(new InetSocketAddress(LOOPBACK, 0),
							(InetSocketAddress) silent.address(), Duration.ofMillis(300)))
					.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(PeerUnreachableException.class)
							.hasMessageContaining("gave no TCP mapping"))
					.verify(Duration.ofSeconds(10));
		}
		finally {
			silent.disposeNow();
		}
	}

	private static int freePort() throws Exception {
		try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
			return s.getLocalPort();
		}
	}
}
