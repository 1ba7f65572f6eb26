// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

import io.peercollab.CollaborationObserver;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.rsocket.internal.Customizers;
import io.peercollab.rsocket.internal.RSocketBinding;
import io.peercollab.rsocket.internal.TransportSettings;
import io.peercollab.rsocket.internal.TurnSettings;
import io.peercollab.spi.PeerRequestHandler;
import io.peercollab.spi.PeerTransport;
import io.peercollab.spi.TransportBinding;
import io.rsocket.plugins.InterceptorRegistry;
import reactor.core.publisher.Mono;
import reactor.netty.tcp.TcpClient;
import reactor.netty.tcp.TcpServer;

/**
 * The PeerCollab peer protocol over RSocket on TCP with mutually authenticated TLS 1.3, as specified in
 * {@code rsocket-transport/PROTOCOL.md}.
 *
 * <p>Both ends of every connection present the certificate of their {@link PeerIdentity}. Trust is by pinning, not by
 * a certificate authority: a client only talks to a server whose key hashes to the {@code PeerName} it asked for, and a
 * server learns who calls from the client's certificate, never from anything the client says.
 *
 * <p>Instances are immutable: each {@code withXxx}-style method returns a copy with one setting changed, so a
 * configuration can be shared and refined freely.
 *
 * <pre>{@code
 * PeerTransport transport = RSocketPeerTransport.tcp()
 *     .host("127.0.0.1")
 *     .keepAlive(Duration.ofSeconds(2), Duration.ofSeconds(8));
 * }</pre>
 *
 * <p>Defaults: bind to {@code 0.0.0.0} on an ephemeral port; keepalive every 5 s, connection lost after 20 s without a
 * frame; client connections close after 60 s with nothing in flight; connect timeout 5 s; at most 256 inbound streams
 * per connection, 4 connections per remote peer, and 128 KiB per payload; at most 1,024 inbound connections in
 * total and 64 per source address, each closed if it opens no stream within 5 s of its TCP accept.
 */
public final class RSocketPeerTransport implements PeerTransport {

	private final TransportSettings settings;
	private final Customizers customizers;

	/** The TURN server to relay through, or {@code null}. */
	private final TurnServer turn;

	/** The STUN servers that tell this endpoint where it stands, tried in order; empty: none but the TURN server. */
	private final List<InetSocketAddress> stunServers;

	/** At most this many STUN servers: each one that does not answer costs a connect timeout per check. */
	public static final int MAX_STUN_SERVERS = 8;

	private RSocketPeerTransport(TransportSettings settings, Customizers customizers, TurnServer turn,
			List<InetSocketAddress> stunServers) {
		this.settings = settings;
		this.customizers = customizers;
		this.turn = turn;
		this.stunServers = stunServers;
	}

	/**
	 * @return a transport over TCP with every setting at its default
	 */
	public static RSocketPeerTransport tcp() {
		return new RSocketPeerTransport(TransportSettings.DEFAULTS, Customizers.NONE, null, List.of());
	}

	/**
	 * Relays through a TURN server where no direct path exists. The binding tries to allocate a TCP relay there
	 * before {@link #bind} emits it, refreshes it while it lives and releases it when disposed. {@code bind} fails only
	 * if the TURN server refuses the credentials; a TURN server that cannot be reached or refuses the allocation
	 * otherwise (down, over its quota) within the connect timeout does not keep the endpoint from listening: the
	 * binding starts without a relay, reports it in {@link TransportBinding#diagnostics()} ({@code relay.UNAVAILABLE}),
	 * tries again with backoff (1 s doubling to 60 s), and tells the new relayed address in
	 * {@link TransportBinding#relayedAddressChanges()} once allocated, as after a lost allocation ({@code relay.LOST}).
	 * Peers reach this endpoint at its {@link io.peercollab.RelayedAddress}; this transport dials a peer's
	 * {@link io.peercollab.RelayedAddress} through its own allocation, 1 s after the peer's direct addresses unless
	 * they all failed sooner ({@link TransportBinding#dialDelay}). TLS with pinning runs end to end inside the relayed
	 * stream. Default: none.
	 *
	 * @param server the TURN server and its credentials
	 * @return a copy that relays through {@code server}
	 */
	public RSocketPeerTransport turnServer(TurnServer server) {
		Objects.requireNonNull(server, "server");
		return new RSocketPeerTransport(settings, customizers, server, stunServers);
	}

	/**
	 * Learns where this endpoint stands on the Internet from these STUN servers (RFC 5389 binding requests; no
	 * credentials, no relay): its server-reflexive address, the address and port its NAT gives the listening TCP port,
	 * and, from a server that supports RFC 5780 (two addresses, as coturn has), the NAT's behaviour. Behind a NAT that
	 * lets anyone reach that mapping (a "full cone"), the reflexive address is published beside the direct ones. The
	 * check runs before {@link #bind} emits, again every minute and at once when the host's interface addresses
	 * change; the servers are asked in this order, then the {@link #turnServer}, and the first that answers is kept.
	 * A hole punch over a relayed connection learns this end's TCP mapping from the same servers in the same order
	 * (a STUN binding over TCP, from the port it punches from), keeping the first that answers: with STUN servers and
	 * no TURN server, this endpoint still punches a hole to a peer whose relayed address it dialled.
	 * Default: none (only the TURN server, if one is set).
	 *
	 * @param servers each server's IP address and port (3478 is the standard one); at most
	 *     {@value #MAX_STUN_SERVERS}; an empty list removes them
	 * @return a copy that asks these STUN servers
	 * @throws IllegalArgumentException naming the field ({@code stunServers[i]}) if there are too many, or one is
	 *     unresolved (no DNS lookups are made), a wildcard or multicast address, or has port 0
	 * @throws NullPointerException if the list or an element is {@code null}
	 */
	public RSocketPeerTransport stunServers(List<InetSocketAddress> servers) {
		Objects.requireNonNull(servers, "stunServers");
		if (servers.size() > MAX_STUN_SERVERS) {
			throw new IllegalArgumentException("stunServers must have at most " + MAX_STUN_SERVERS + " servers, had "
					+ servers.size());
		}
		for (int i = 0; i < servers.size(); i++) {
			String field = "stunServers[" + i + "]";
			InetSocketAddress server = Objects.requireNonNull(servers.get(i), field);
			if (server.isUnresolved()) {
				throw new IllegalArgumentException(field + " must be an IP address (no DNS lookups are made), was "
						+ server);
			}
			if (server.getAddress().isAnyLocalAddress() || server.getAddress().isMulticastAddress()) {
				throw new IllegalArgumentException(field + " must be a unicast address of a server, was "
						+ io.peercollab.IpLiterals.toString(server));
			}
			if (server.getPort() == 0) {
				throw new IllegalArgumentException(field + " must have a port between 1 and 65535, was 0");
			}
		}
		return new RSocketPeerTransport(settings, customizers, turn, List.copyOf(servers));
	}

	/** @return the STUN servers set by {@link #stunServers}, in order; empty by default */
	public List<InetSocketAddress> stunServers() {
		return stunServers;
	}

	/**
	 * Sets the address the server binds to. Default {@code 0.0.0.0} (every interface).
	 *
	 * @param host an IP address or host name of this machine
	 * @return a copy with this bind address
	 * @throws IllegalArgumentException if {@code host} is blank
	 */
	public RSocketPeerTransport host(String host) {
		Objects.requireNonNull(host, "host");
		return with(settings.withHost(host));
	}

	/**
	 * Sets the port the server binds to. Default {@code 0}: an ephemeral port, reported by
	 * {@link TransportBinding#address()}.
	 *
	 * @param port between 0 and 65535
	 * @return a copy with this port
	 * @throws IllegalArgumentException if the port is out of range
	 */
	public RSocketPeerTransport port(int port) {
		return with(settings.withPort(port));
	}

	/**
	 * Sets how often a client sends RSocket KEEPALIVE frames and how long a connection may stay silent before it is
	 * declared lost. {@code maxLifeTime} is the bound within which a vanished peer is noticed: pending requests then
	 * fail with {@link io.peercollab.PeerUnreachableException} and {@code onClose()} completes. The server side of a
	 * connection uses the values the client sent in its SETUP frame. Defaults 5 s and 20 s.
	 *
	 * @param interval the time between two keepalive frames; between 100 ms and 60 s
	 * @param maxLifeTime the longest silence tolerated; longer than {@code interval}, at most 5 minutes (servers
	 * refuse a SETUP outside these bounds)
	 * @return a copy with these keepalive settings
	 * @throws IllegalArgumentException if a value is out of these bounds or {@code maxLifeTime <= interval}
	 */
	public RSocketPeerTransport keepAlive(Duration interval, Duration maxLifeTime) {
		Objects.requireNonNull(interval, "interval");
		Objects.requireNonNull(maxLifeTime, "maxLifeTime");
		return with(settings.withKeepAlive(interval, maxLifeTime));
	}

	/**
	 * Sets how long a client connection with no request in flight and no open stream stays open before it is closed.
	 * The next {@link TransportBinding#connect} opens a new one. Default 60 s.
	 *
	 * @param idleTimeout positive
	 * @return a copy with this idle timeout
	 * @throws IllegalArgumentException if the value is not positive
	 */
	public RSocketPeerTransport idleTimeout(Duration idleTimeout) {
		Objects.requireNonNull(idleTimeout, "idleTimeout");
		return with(settings.withIdleTimeout(idleTimeout));
	}

	/**
	 * Sets how long {@link TransportBinding#connect} may take, from the TCP connect through the TLS handshake to the
	 * server's confirmation of the RSocket SETUP; past it the connect fails with
	 * {@link io.peercollab.PeerUnreachableException}. Default 5 s.
	 *
	 * @param connectTimeout positive
	 * @return a copy with this connect timeout
	 * @throws IllegalArgumentException if the value is not positive
	 */
	public RSocketPeerTransport connectTimeout(Duration connectTimeout) {
		Objects.requireNonNull(connectTimeout, "connectTimeout");
		return with(settings.withConnectTimeout(connectTimeout));
	}

	/**
	 * Sets how many requests and streams one inbound connection may have open at once at this server. The request
	 * beyond the limit fails with {@link io.peercollab.LimitExceededException}; the others go on. Default 256.
	 *
	 * @param max at least 1
	 * @return a copy with this limit
	 * @throws IllegalArgumentException if {@code max < 1}
	 */
	public RSocketPeerTransport maxInboundStreamsPerConnection(int max) {
		TransportSettings s = settings;
		return with(s.withLimits(max, s.maxConnectionsPerPeer(), s.maxPayloadSize()));
	}

	/**
	 * Sets how many connections one remote peer (one proven {@code PeerName}) may hold open to this server at once.
	 * The server rejects the SETUP of the connection beyond the limit, and that client's
	 * {@link TransportBinding#connect} fails with {@link io.peercollab.LimitExceededException}. Default 4.
	 *
	 * @param max at least 1
	 * @return a copy with this limit
	 * @throws IllegalArgumentException if {@code max < 1}
	 */
	public RSocketPeerTransport maxConnectionsPerPeer(int max) {
		TransportSettings s = settings;
		return with(s.withLimits(s.maxInboundStreamsPerConnection(), max, s.maxPayloadSize()));
	}

	/**
	 * Sets the largest payload (data plus metadata) this endpoint accepts or sends, in bytes. A larger inbound
	 * payload fails its own stream with {@link io.peercollab.PayloadTooLargeException} before it is decoded; the
	 * connection and its other streams go on. Default 131,072 (128 KiB).
	 *
	 * @param max between 1,024 and 4,194,303 bytes
	 * @return a copy with this limit
	 * @throws IllegalArgumentException if the value is out of range
	 */
	public RSocketPeerTransport maxPayloadSize(int max) {
		TransportSettings s = settings;
		return with(s.withLimits(s.maxInboundStreamsPerConnection(), s.maxConnectionsPerPeer(), max));
	}

	/**
	 * Sets how many inbound connections this server holds at once, from every source together, counted from the TCP
	 * accept (before TLS) until the connection closes. When the limit is reached, a new connection takes the place of
	 * the oldest one that has not opened a stream yet (see {@link #timeToFirstStream}), which is closed; if every
	 * connection held has opened a stream, the new one is closed at once, before TLS. Either way the refused
	 * connection is reported by {@link TransportBinding#diagnostics()}. Default 1,024.
	 *
	 * @param max at least 1
	 * @return a copy with this limit
	 * @throws IllegalArgumentException if {@code max < 1}
	 */
	public RSocketPeerTransport maxConnections(int max) {
		TransportSettings s = settings;
		return with(s.withAdmission(max, s.maxConnectionsPerSource(), s.timeToFirstStream()));
	}

	/**
	 * Sets how many inbound connections one source IP address may hold open to this server at once, whatever names
	 * they prove (names cost nothing to make). The connection beyond the limit is closed as soon as it is accepted,
	 * before TLS: its client sees the connection closed during the handshake, and its
	 * {@link TransportBinding#connect} fails with {@link io.peercollab.PeerUnreachableException}. Default 64: every
	 * endpoint holds one connection to each peer it talks to, so this allows 64 endpoints behind one address.
	 *
	 * @param max at least 1
	 * @return a copy with this limit
	 * @throws IllegalArgumentException if {@code max < 1}
	 */
	public RSocketPeerTransport maxConnectionsPerSource(int max) {
		TransportSettings s = settings;
		return with(s.withAdmission(s.maxConnections(), max, s.timeToFirstStream()));
	}

	/**
	 * Sets how long an inbound connection may stay open, from its TCP accept, before it opens its first request or
	 * stream on a known route; past it the server closes the connection, whether it is still in its TLS handshake,
	 * before SETUP, or after SETUP. Only the first stream counts: a connection that opened one and is idle afterwards
	 * closes by its client's idle timeout or by keepalive, never by this. Our own client opens its first stream ({@code hello}) right
	 * after SETUP. Default 5 s.
	 *
	 * @param timeToFirstStream positive
	 * @return a copy with this bound
	 * @throws IllegalArgumentException if the value is not positive
	 */
	public RSocketPeerTransport timeToFirstStream(Duration timeToFirstStream) {
		Objects.requireNonNull(timeToFirstStream, "timeToFirstStream");
		TransportSettings s = settings;
		return with(s.withAdmission(s.maxConnections(), s.maxConnectionsPerSource(), timeToFirstStream));
	}

	/**
	 * Adds a customizer of the Reactor Netty {@link TcpServer} that accepts inbound connections: socket options,
	 * {@code wiretap}, {@code metrics}, {@code doOnConnection} and the like. It is applied when {@link #bind} runs,
	 * after the library's own configuration (address, port, TLS), and after the customizers added before it.
	 *
	 * <p>It must keep the transport's TLS: mutual TLS 1.3 with pinned keys is the peer protocol, not an option. A
	 * customizer that removes it ({@code noSSL()}) or replaces it ({@code secure(..)} with another context) makes
	 * {@link #bind} fail with {@link IllegalStateException}; and whatever a customizer does to the TLS handshake, a
	 * caller that proves no key is refused at SETUP. The library's own admission limits (connections in total and per
	 * source, time to first stream) are added after the customizer and stay in force.
	 *
	 * <pre>{@code
	 * RSocketPeerTransport.tcp().tcpServer(server -> server.wiretap("peercollab.server", LogLevel.DEBUG));
	 * }</pre>
	 *
	 * @param customizer returns the server to use, given the one the library configured; never {@code null}
	 * @return a copy with this customizer added
	 */
	public RSocketPeerTransport tcpServer(UnaryOperator<TcpServer> customizer) {
		return new RSocketPeerTransport(settings, customizers.andServer(customizer), turn, stunServers);
	}

	/**
	 * Adds a customizer of the Reactor Netty {@link TcpClient} of every connection this endpoint opens to another
	 * (socket options, {@code wiretap}, {@code metrics}, {@code doOnConnected}); not of the plain TCP connect that
	 * checks whether a neighbour near me still listens. Applied after the library's own configuration (connect
	 * timeout, TLS) and the customizers added before it; the remote address is set per connection, after it.
	 *
	 * <p>As for {@link #tcpServer}, it must keep the transport's TLS ({@link #bind} fails with
	 * {@link IllegalStateException} otherwise), and the server's key is checked against the expected
	 * {@code PeerName} after the handshake, whatever the customizer did to it.
	 *
	 * @param customizer returns the client to use, given the one the library configured; never {@code null}
	 * @return a copy with this customizer added
	 */
	public RSocketPeerTransport tcpClient(UnaryOperator<TcpClient> customizer) {
		return new RSocketPeerTransport(settings, customizers.andClient(customizer), turn, stunServers);
	}

	/**
	 * Adds RSocket interceptors ({@code forRequester}, {@code forResponder}, {@code forConnection},
	 * {@code forSocketAcceptor}) to the RSocket server and to every connector of this transport, after the customizers
	 * added before. A requester interceptor sees each request this endpoint sends (an invitation, a follow, a session
	 * channel) subscribed with the Reactor {@code Context} of the API call that made it, so that a trace set with
	 * {@code contextWrite} on {@code peer.invite(..)} can be read there; a responder interceptor sees what remote
	 * peers ask. Interceptors run on Netty event loops and must not block.
	 *
	 * <pre>{@code
	 * RSocketPeerTransport.tcp().interceptors(registry -> registry.forRequester(tracing::wrap));
	 * }</pre>
	 *
	 * @param configurer adds interceptors to the registry it is given; never {@code null}
	 * @return a copy with these interceptors added
	 */
	public RSocketPeerTransport interceptors(Consumer<InterceptorRegistry> configurer) {
		return new RSocketPeerTransport(settings, customizers.andInterceptors(configurer), turn, stunServers);
	}

	/**
	 * Starts a TLS 1.3 RSocket server for {@code identity}, serving inbound requests with {@code handler}.
	 *
	 * <p>The returned {@code Mono} emits the binding once the server listens, or fails with
	 * {@link io.peercollab.PeerCollabException} if it cannot bind (address in use, no such interface) and with
	 * {@link io.peercollab.PeerIdentityException} if the identity cannot be used for TLS. The handler is called on
	 * Netty event-loop threads, with the caller's name as proven by its certificate; it must not block.
	 *
	 * @param identity the local identity, presented on every inbound and outbound connection
	 * @param handler serves the requests of remote peers
	 * @return the running binding
	 */
	@Override
	public Mono<TransportBinding> bind(PeerIdentity identity, PeerRequestHandler handler) {
		Objects.requireNonNull(identity, "identity");
		Objects.requireNonNull(handler, "handler");
		return bind(identity, handler, CollaborationObserver.NOOP);
	}

	/**
	 * As {@link #bind(PeerIdentity, PeerRequestHandler)}, telling {@code observer} about every connection opened
	 * (after the TLS handshake and, for one this endpoint opened, the server's acceptance), closed, and every connect
	 * that failed. Also fails with {@link IllegalStateException} if a {@link #tcpServer} or {@link #tcpClient}
	 * customizer removed or replaced the transport's TLS.
	 */
	@Override
	public Mono<TransportBinding> bind(PeerIdentity identity, PeerRequestHandler handler,
			CollaborationObserver observer) {
		Objects.requireNonNull(identity, "identity");
		Objects.requireNonNull(handler, "handler");
		Objects.requireNonNull(observer, "observer");
		TurnSettings relay = turn == null ? null : new TurnSettings(turn.address(), turn.username(), turn.secret(),
				turn.sharedSecret(), turn.validity(), turn.permitted());
		return RSocketBinding.bind(settings, customizers, relay, stunServers, identity, handler, observer);
	}

	@Override
	public String toString() {
		return "RSocketPeerTransport" + settings + (turn == null ? "" : " via " + turn)
				+ (stunServers.isEmpty() ? "" : " STUN " + stunServers);
	}

	private RSocketPeerTransport with(TransportSettings settings) {
		return new RSocketPeerTransport(settings, customizers, turn, stunServers);
	}
}
