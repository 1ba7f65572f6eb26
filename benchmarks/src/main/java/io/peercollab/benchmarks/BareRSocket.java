// SPDX-License-Identifier: Apache-2.0
package io.peercollab.benchmarks;

import java.net.InetSocketAddress;
import java.time.Duration;

import io.netty.handler.ssl.SslContext;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.rsocket.internal.PeerTls;
import io.rsocket.RSocket;
import io.rsocket.SocketAcceptor;
import io.rsocket.core.RSocketConnector;
import io.rsocket.core.RSocketServer;
import io.rsocket.frame.decoder.PayloadDecoder;
import io.rsocket.metadata.WellKnownMimeType;
import io.rsocket.transport.netty.client.TcpClientTransport;
import io.rsocket.transport.netty.server.CloseableChannel;
import io.rsocket.transport.netty.server.TcpServerTransport;
import reactor.netty.tcp.TcpClient;
import reactor.netty.tcp.TcpServer;

/**
 * Bare RSocket-Java over Reactor Netty TCP with the same TLS as the library ({@link PeerTls}), on loopback: the
 * baseline of every RSocket figure. Configured as the library configures its own connections (zero-copy payload
 * decoding, the same frame length limit, MIME types and keepalive), with the stock {@link TcpServerTransport} and
 * {@link TcpClientTransport} and none of the library's routing, CBOR, limits or pinning.
 */
public final class BareRSocket {

	/** The library's frame length limit with its default {@code maxPayloadSize} (4 x 128 KiB + 1 KiB). */
	public static final int MAX_FRAME_LENGTH = 4 * 128 * 1024 + 1024;

	private BareRSocket() {
	}

	/** @return a server on 127.0.0.1, an ephemeral port, answering every connection with {@code responder} */
	public static CloseableChannel serve(PeerIdentity identity, RSocket responder) {
		SslContext tls = PeerTls.server(identity);
		TcpServer tcp = TcpServer.create().host("127.0.0.1").port(0)
				.secure(spec -> spec.sslContext(tls).handshakeTimeout(Duration.ofSeconds(5)));
		return RSocketServer.create(SocketAcceptor.with(responder))
				.payloadDecoder(PayloadDecoder.ZERO_COPY)
				.maxInboundPayloadSize(MAX_FRAME_LENGTH)
				.bind(TcpServerTransport.create(tcp, MAX_FRAME_LENGTH))
				.block(BenchPeers.TIMEOUT);
	}

	/** @return a connection to {@code address}, presenting {@code identity} */
	public static RSocket connect(PeerIdentity identity, InetSocketAddress address) {
		return connect(PeerTls.client(identity), address);
	}

	/** @return a connection to {@code address} with this client context */
	public static RSocket connect(SslContext tls, InetSocketAddress address) {
		TcpClient tcp = TcpClient.newConnection().remoteAddress(() -> address)
				.secure(spec -> spec.sslContext(tls).handshakeTimeout(Duration.ofSeconds(5)));
		return RSocketConnector.create()
				.dataMimeType(WellKnownMimeType.APPLICATION_CBOR.getString())
				.metadataMimeType(WellKnownMimeType.MESSAGE_RSOCKET_COMPOSITE_METADATA.getString())
				.keepAlive(Duration.ofSeconds(5), Duration.ofSeconds(20))
				.payloadDecoder(PayloadDecoder.ZERO_COPY)
				.maxInboundPayloadSize(MAX_FRAME_LENGTH)
				.connect(TcpClientTransport.create(tcp, MAX_FRAME_LENGTH))
				.block(BenchPeers.TIMEOUT);
	}
}
