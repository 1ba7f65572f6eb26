// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.peercollab.PeerAddress;
import io.peercollab.TcpAddress;
import io.rsocket.Payload;
import io.rsocket.RSocket;
import io.rsocket.core.RSocketConnector;
import io.rsocket.metadata.CompositeMetadataCodec;
import io.rsocket.metadata.TaggingMetadataCodec;
import io.rsocket.metadata.WellKnownMimeType;
import io.rsocket.transport.netty.client.TcpClientTransport;
import io.rsocket.util.ByteBufPayload;
import io.rsocket.util.DefaultPayload;
import reactor.core.publisher.Mono;
import reactor.netty.tcp.TcpClient;

/**
 * An RSocket client written only from PROTOCOL.md: rsocket-core, rsocket-transport-netty, a Netty {@link SslContext}
 * and a plain Jackson {@link CBORMapper}, none of PeerCollab's own classes. It computes the server's name itself
 * (base32 of SHA-256 of the SubjectPublicKeyInfo, dot, subject CN) to show the pinning rule is implementable from the
 * document. It also sends what a well-behaved peer never would, for the robustness tests.
 */
public final class RawClient implements AutoCloseable {

	public static final CBORMapper CBOR = new CBORMapper();

	public final RSocket rsocket;
	private final AtomicReference<X509Certificate> serverCertificate;


	private RawClient(RSocket rsocket, AtomicReference<X509Certificate> serverCertificate) {
		this.rsocket = rsocket;
		this.serverCertificate = serverCertificate;
	}

	/**
	 * Connects with a client certificate, or none when {@code key} is {@code null}.
	 */
	public static Mono<RawClient> connect(InetSocketAddress address, PrivateKey key, X509Certificate certificate) {
		return connect(address, key, certificate, Duration.ofSeconds(20), Duration.ofSeconds(90));
	}

	/** As {@link #connect(InetSocketAddress, PrivateKey, X509Certificate)}, at a {@link TcpAddress}. */
	public static Mono<RawClient> connect(PeerAddress address, PrivateKey key, X509Certificate certificate) {
		return connect(((TcpAddress) address).socketAddress(), key, certificate);
	}

	/** As the other overload, at a {@link TcpAddress}. */
	public static Mono<RawClient> connect(PeerAddress address, PrivateKey key, X509Certificate certificate,
			Duration keepAliveInterval, Duration keepAliveMaxLifeTime) {
		return connect(((TcpAddress) address).socketAddress(), key, certificate, keepAliveInterval,
				keepAliveMaxLifeTime);
	}

	/**
	 * Connects announcing these keepalive settings in its SETUP frame (the defaults of RSocket-Java otherwise).
	 */
	public static Mono<RawClient> connect(InetSocketAddress address, PrivateKey key, X509Certificate certificate,
			Duration keepAliveInterval, Duration keepAliveMaxLifeTime) {
		AtomicReference<X509Certificate> seen = new AtomicReference<>();
		SslContext tls;
		try {
			tls = tls(key, certificate, seen);
		}
		catch (Exception e) {
			return Mono.error(e);
		}
		TcpClient tcp = TcpClient.newConnection().host(address.getHostString()).port(address.getPort())
				.secure(spec -> spec.sslContext(tls));
		return RSocketConnector.create()
				.dataMimeType("application/cbor")
				.metadataMimeType("message/x.rsocket.composite-metadata.v0")
				.keepAlive(keepAliveInterval, keepAliveMaxLifeTime)
				.connect(TcpClientTransport.create(tcp))
				.map(rs -> new RawClient(rs, seen));
	}

	/**
	 * @return a TLS 1.3 client context presenting this certificate (none if {@code key} is {@code null}) and trusting
	 * any server, whose certificate goes to {@code seen} for pinning by name afterwards
	 */
	public static SslContext tls(PrivateKey key, X509Certificate certificate, AtomicReference<X509Certificate> seen)
			throws Exception {
		SslContextBuilder builder = SslContextBuilder.forClient()
				.sslProvider(SslProvider.JDK)
				.protocols("TLSv1.3")
				.trustManager(new RecordingTrustManager(seen))
				.endpointIdentificationAlgorithm(null);
		if (key != null) {
			builder.keyManager(key, certificate);
		}
		return builder.build();
	}

	/** @return the server's name as PROTOCOL.md defines it, computed here from its certificate */
	public String serverName() throws Exception {
		X509Certificate cert = serverCertificate.get();
		byte[] digest = MessageDigest.getInstance("SHA-256").digest(cert.getPublicKey().getEncoded());
		// the CN's value itself, unescaped: RFC 2253 text escapes characters such as ',' and '+'
		String cn = null;
		for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
			if (rdn.getType().equalsIgnoreCase("CN")) {
				cn = rdn.getValue().toString();
			}
		}
		return base32(digest) + "." + cn;
	}

	/** @return composite metadata with one routing entry naming {@code route} */
	public static CompositeByteBuf routing(String route) {
		CompositeByteBuf metadata = ByteBufAllocator.DEFAULT.compositeBuffer();
		CompositeMetadataCodec.encodeAndAddMetadata(metadata, ByteBufAllocator.DEFAULT,
				WellKnownMimeType.MESSAGE_RSOCKET_ROUTING,
				TaggingMetadataCodec.createRoutingMetadata(ByteBufAllocator.DEFAULT, List.of(route)).getContent());
		return metadata;
	}

	/** @return a payload with this CBOR data and a routing entry for {@code route} */
	public static Payload payload(String route, byte[] data) {
		return ByteBufPayload.create(Unpooled.wrappedBuffer(data), routing(route));
	}

	/** @return a payload with {@code data} as CBOR and a routing entry for {@code route} */
	public static Payload payload(String route, Map<String, ?> data) {
		return payload(route, cbor(data));
	}

	/** @return {@code map} encoded as CBOR */
	public static byte[] cbor(Map<String, ?> map) {
		try {
			return CBOR.writeValueAsBytes(map);
		}
		catch (Exception e) {
			throw new IllegalStateException(e);
		}
	}

	/** @return a payload without any metadata */
	public static Payload withoutMetadata(byte[] data) {
		return DefaultPayload.create(data);
	}

	/** @return the payload's data decoded as a CBOR map; releases the payload */
	public static Map<String, Object> map(Payload payload) {
		try {
			ByteBuffer data = payload.getData();
			byte[] bytes = new byte[data.remaining()];
			data.get(bytes);
			return CBOR.readValue(bytes, new TypeReference<Map<String, Object>>() {
			});
		}
		catch (Exception e) {
			throw new IllegalStateException(e);
		}
		finally {
			payload.release();
		}
	}

	@Override
	public void close() {
		rsocket.dispose();
	}

	private static String base32(byte[] bytes) {
		String alphabet = "abcdefghijklmnopqrstuvwxyz234567";
		StringBuilder out = new StringBuilder();
		int buffer = 0;
		int bits = 0;
		for (byte b : bytes) {
			buffer = (buffer << 8) | (b & 0xff);
			bits += 8;
			while (bits >= 5) {
				out.append(alphabet.charAt((buffer >> (bits - 5)) & 31));
				bits -= 5;
			}
		}
		if (bits > 0) {
			out.append(alphabet.charAt((buffer << (5 - bits)) & 31));
		}
		return out.toString();
	}

	/** Trusts any server and keeps its certificate, so the test can pin it by name afterwards. */
	private static final class RecordingTrustManager extends X509ExtendedTrustManager {

		private final AtomicReference<X509Certificate> seen;

		RecordingTrustManager(AtomicReference<X509Certificate> seen) {
			this.seen = seen;
		}

		@Override
		public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
			seen.set(chain[0]);
		}

		@Override
		public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
			seen.set(chain[0]);
		}

		@Override
		public void checkServerTrusted(X509Certificate[] chain, String authType) {
			seen.set(chain[0]);
		}

		@Override
		public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
		}

		@Override
		public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
		}

		@Override
		public void checkClientTrusted(X509Certificate[] chain, String authType) {
		}

		@Override
		public X509Certificate[] getAcceptedIssuers() {
			return new X509Certificate[0];
		}
	}
}
