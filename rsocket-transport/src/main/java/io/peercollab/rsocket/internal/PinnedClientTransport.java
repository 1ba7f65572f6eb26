// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket.internal;

import java.net.InetSocketAddress;

import javax.net.ssl.SSLPeerUnverifiedException;

import io.netty.handler.ssl.SslHandler;
import io.peercollab.PeerIdentityMismatchException;
import io.peercollab.identity.PeerName;
import io.rsocket.DuplexConnection;
import io.rsocket.transport.ClientTransport;
import io.rsocket.transport.netty.RSocketLengthCodec;
import io.rsocket.transport.netty.TcpDuplexConnection;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.tcp.TcpClient;

/**
 * RSocket's TCP client transport with the pin check between the TLS handshake and the first RSocket frame: the
 * connection is handed to RSocket, which then sends SETUP, only if the server proved the expected {@link PeerName}.
 * Otherwise the channel is closed and the connect fails with {@link PeerIdentityMismatchException}.
 */
final class PinnedClientTransport implements ClientTransport {

	private final Mono<? extends Connection> connector;
	private final PeerName expected;
	private final InetSocketAddress address;
	private final int maxFrameLength;

	PinnedClientTransport(TcpClient client, PeerName expected, InetSocketAddress address, int maxFrameLength) {
		this(client.connect(), expected, address, maxFrameLength);
	}

	/**
	 * @param connector emits a connection with an {@link SslHandler} in its pipeline (a relayed data connection, for
	 * one): the handshake is awaited and the pin checked before RSocket sees it
	 */
	PinnedClientTransport(Mono<? extends Connection> connector, PeerName expected, InetSocketAddress address,
			int maxFrameLength) {
		this.connector = connector;
		this.expected = expected;
		this.address = address;
		this.maxFrameLength = maxFrameLength;
	}

	@Override
	public int maxFrameLength() {
		return maxFrameLength;
	}

	@Override
	public Mono<DuplexConnection> connect() {
		return connector.flatMap(c -> verified(c).onErrorResume(e -> {
			c.dispose();
			return Mono.error(e);
		})).map(c -> {
			c.addHandlerLast(new RSocketLengthCodec(maxFrameLength));
			c.addHandlerLast(OversizedFrameGuard.INSTANCE);
			return new TcpDuplexConnection("client", c);
		});
	}

	private Mono<Connection> verified(Connection c) {
		SslHandler ssl = c.channel().pipeline().get(SslHandler.class);
		if (ssl == null) {
			return Mono.error(new IllegalStateException("no TLS on the connection to " + address));
		}
		// Reactor Netty emits the connection after the handshake; waiting on the future costs nothing then and keeps
		// the check correct should that ever change.
		return Mono.<Connection>create(sink -> ssl.handshakeFuture().addListener(f -> {
			if (!f.isSuccess()) {
				sink.error(f.cause());
				return;
			}
			PeerName found;
			try {
				found = PeerTls.peerName(ssl.engine().getSession());
			}
			catch (SSLPeerUnverifiedException | IllegalArgumentException e) {
				sink.error(new PeerIdentityMismatchException("Expected " + expected + " at "
						+ ErrorCodes.format(address) + ", but it proved no PeerName: " + e.getMessage(), e));
				return;
			}
			if (!found.equals(expected)) {
				sink.error(new PeerIdentityMismatchException("Expected " + expected + " at "
						+ ErrorCodes.format(address) + ", but the peer there proved " + found));
				return;
			}
			sink.success(c);
		}));
	}
}
