// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.peercollab.PeerUnreachableException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;
import reactor.netty.Connection;
import reactor.test.StepVerifier;

/**
 * The TURN client against a real coturn (RFC 8656 with the TCP relays of RFC 6062), inside a loopback-only network
 * namespace: long-term and REST-API credentials, a refused password, refreshes before a short lifetime lapses (with
 * nonces going stale meanwhile), and bytes through the relay both ways: a peer connecting to the relayed address, and
 * a Connect from another allocation.
 */
@Tag("slow")
class TurnClientTest {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private static final TurnClient.InboundRelay ECHO = (data, peer) -> data.addHandlerLast("echo", new Echo());

	@Test
	void allocatesARelayWithLongTermCredentialsAndDeallocatesOnClose() {
		try (CoturnServer coturn = CoturnServer.start(false)) {
			long start = System.nanoTime();
			TurnClient client = allocate(coturn, TurnCredentials.longTerm(CoturnServer.USER, CoturnServer.PASSWORD),
					ECHO);
			System.out.printf("TURN allocation (TCP connect, 401, authenticated Allocate) took %.1f ms%n",
					(System.nanoTime() - start) / 1e6);
			assertThat(client.relayedAddress().getAddress()).isEqualTo(coturn.primary().getAddress());
			assertThat(client.relayedAddress().getPort()).isPositive();
			assertThat(client.lifetime()).isEqualTo(Duration.ofSeconds(600));
			assertThat(client.mappedAddress()).isNotNull();
			StepVerifier.create(client.close()).verifyComplete();
			assertThat(client.isClosed()).isTrue();
			StepVerifier.create(client.permit(coturn.newClientAddress()))
					.expectError(PeerUnreachableException.class)
					.verify(WAIT);
		}
	}

	@Test
	void allocatesARelayWithRestApiCredentials() {
		try (CoturnServer coturn = CoturnServer.start(false, "--use-auth-secret", "--static-auth-secret=shared")) {
			TurnCredentials rest = TurnCredentials.restApi("alice", "shared", Duration.ofHours(1), Instant.now());
			assertThat(rest.username()).endsWith(":alice");
			TurnClient client = allocate(coturn, rest, ECHO);
			assertThat(client.relayedAddress().getAddress()).isEqualTo(coturn.primary().getAddress());
			client.close().block(WAIT);

			TurnCredentials expired = TurnCredentials.restApi("alice", "shared", Duration.ofSeconds(1),
					Instant.now().minusSeconds(3600));
			StepVerifier.create(TurnClient.allocate(coturn.primary(), expired, WAIT, ECHO, Schedulers.parallel()))
					.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(TurnException.CredentialsRefused.class)
							.hasMessageContaining("401"))
					.verify(WAIT);
			TurnCredentials wrongSecret = TurnCredentials.restApi("alice", "guess", Duration.ofHours(1),
					Instant.now());
			StepVerifier.create(TurnClient.allocate(coturn.primary(), wrongSecret, WAIT, ECHO, Schedulers.parallel()))
					.expectError(TurnException.CredentialsRefused.class)
					.verify(WAIT);
		}
	}

	@Test
	void aWrongPasswordIsRefusedWithATypedError() {
		try (CoturnServer coturn = CoturnServer.start(false)) {
			StepVerifier.create(TurnClient.allocate(coturn.primary(),
					TurnCredentials.longTerm(CoturnServer.USER, "wrong"), WAIT, ECHO, Schedulers.parallel()))
					.expectErrorSatisfies(e -> {
						assertThat(e).isInstanceOf(TurnException.CredentialsRefused.class)
								.hasMessageContaining("Allocate")
								.hasMessageContaining("401")
								.hasMessageContaining("user " + CoturnServer.USER);
						assertThat(((TurnException) e).code()).isEqualTo(401);
					})
					.verify(WAIT);
		}
	}

	@Test
	void refreshesBeforeAShortLifetimeLapsesThroughStaleNonces() throws IOException {
		// coturn grants at most 2 s, and its nonces go stale after 1 s: every refresh meets a 438 first
		try (CoturnServer coturn = CoturnServer.start(false, "--max-allocate-lifetime=2", "--stale-nonce=1")) {
			TurnClient client = allocate(coturn, TurnCredentials.longTerm(CoturnServer.USER, CoturnServer.PASSWORD),
					ECHO);
			assertThat(client.lifetime()).isEqualTo(Duration.ofSeconds(2));
			StepVerifier.create(Flux.interval(Duration.ofMillis(50)).filter(t -> client.refreshes() >= 4).next())
					.expectNextCount(1)
					.verifyComplete();
			assertThat(client.isClosed()).isFalse();
			// after three lifetimes the relay still serves: a permitted peer's bytes come back
			InetAddress bob = coturn.newClientAddress();
			client.permit(bob).block(WAIT);
			assertEchoes(coturn, bob, client.relayedAddress(), "still allocated");
			client.close().block(WAIT);
		}
	}

	@Test
	void relaysAPermittedPeerAndConnectsOutThroughAnotherAllocation() throws IOException {
		try (CoturnServer coturn = CoturnServer.start(false, "-v")) {
			TurnCredentials credentials = TurnCredentials.longTerm(CoturnServer.USER, CoturnServer.PASSWORD);
			TurnClient alice = allocate(coturn, credentials, ECHO);
			InetAddress bob = coturn.newClientAddress();
			alice.permit(bob).block(WAIT);
			assertThat(alice.permitted()).containsExactly(bob);
			assertEchoes(coturn, bob, alice.relayedAddress(), "hello through the relay");

			// Carol connects out through her own allocation: the peer Alice's relay sees is the relay's own address
			alice.permit(coturn.primary().getAddress()).block(WAIT);
			TurnClient carol = allocate(coturn, credentials, (data, peer) -> data.dispose());
			List<String> received = new CopyOnWriteArrayList<>();
			long start = System.nanoTime();
			Connection data = carol.connect(alice.relayedAddress(), c -> c.addHandlerLast("collect",
					new ChannelInboundHandlerAdapter() {
						@Override
						public void channelRead(ChannelHandlerContext ctx, Object msg) {
							ByteBuf b = (ByteBuf) msg;
							received.add(b.toString(StandardCharsets.US_ASCII));
							b.release();
						}
					})).block(WAIT);
			System.out.printf("Connect + ConnectionBind through the relay took %.1f ms%n",
					(System.nanoTime() - start) / 1e6);
			data.channel().writeAndFlush(io.netty.buffer.Unpooled.copiedBuffer("via connect", StandardCharsets.US_ASCII));
			StepVerifier.create(Flux.interval(Duration.ofMillis(20))
					.filter(t -> String.join("", received).equals("via connect")).next())
					.expectNextCount(1)
					.verifyComplete();
			data.dispose();
			carol.close().block(WAIT);
			alice.close().block(WAIT);
		}
	}

	private static TurnClient allocate(CoturnServer coturn, TurnCredentials credentials,
			TurnClient.InboundRelay inbound) {
		return TurnClient.allocate(coturn.primary(), credentials, WAIT, inbound, Schedulers.parallel()).block(WAIT);
	}

	/** Connects from {@code from} to the relayed address, sends {@code text}, and expects it back. */
	private static void assertEchoes(CoturnServer coturn, InetAddress from, InetSocketAddress relayed, String text)
			throws IOException {
		try {
			echo(from, relayed, text);
		}
		catch (IOException | AssertionError e) {
			throw new AssertionError("no echo through " + relayed + " from " + from + ": " + e + "\ncoturn:\n"
					+ coturn.log(), e);
		}
	}

	private static void echo(InetAddress from, InetSocketAddress relayed, String text) throws IOException {
		try (Socket socket = new Socket()) {
			socket.bind(new InetSocketAddress(from, 0));
			socket.connect(relayed, (int) WAIT.toMillis());
			socket.setSoTimeout((int) WAIT.toMillis());
			byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
			socket.getOutputStream().write(bytes);
			InputStream in = socket.getInputStream();
			byte[] back = in.readNBytes(bytes.length);
			assertThat(new String(back, StandardCharsets.US_ASCII)).isEqualTo(text);
		}
	}

	/** Writes back what it reads: a peer at the other end of the relay. */
	private static final class Echo extends ChannelInboundHandlerAdapter {

		@Override
		public void channelRead(ChannelHandlerContext ctx, Object msg) {
			ctx.writeAndFlush(msg);
		}
	}
}
