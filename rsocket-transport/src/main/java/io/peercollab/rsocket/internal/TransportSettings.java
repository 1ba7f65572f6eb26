// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket.internal;

import java.time.Duration;
import java.util.Objects;

/**
 * The settings of an {@link io.peercollab.rsocket.RSocketPeerTransport}, validated once. Not API.
 *
 * @param host the address the server binds to
 * @param port the port the server binds to, {@code 0} for an ephemeral one
 * @param keepAliveInterval how often a client sends a KEEPALIVE frame
 * @param keepAliveMaxLifeTime how long without any frame before a connection is declared lost
 * @param idleTimeout how long a client connection with nothing in flight stays open
 * @param connectTimeout how long a connect (TCP, TLS, SETUP and its confirmation) may take
 * @param maxInboundStreamsPerConnection how many requests and streams one connection may have open at the server
 * @param maxConnectionsPerPeer how many connections one remote name may hold open to the server
 * @param maxPayloadSize the largest payload (data plus metadata) accepted or sent, in bytes
 * @param maxConnections how many inbound connections the server holds at once, counted from the TCP accept
 * @param maxConnectionsPerSource how many inbound connections one source IP address may hold at once
 * @param timeToFirstStream how long an inbound connection may stay open, from its TCP accept, without opening a
 * request or stream on a known route
 */
public record TransportSettings(String host, int port, Duration keepAliveInterval, Duration keepAliveMaxLifeTime,
		Duration idleTimeout, Duration connectTimeout, int maxInboundStreamsPerConnection, int maxConnectionsPerPeer,
		int maxPayloadSize, int maxConnections, int maxConnectionsPerSource, Duration timeToFirstStream) {
	/**
	 * The shortest keepalive interval a server accepts in a client's SETUP: faster would be a flood of frames. The
	 * server side of a connection uses the client's values, so it bounds them.
	 */
	public static final Duration MIN_KEEPALIVE_INTERVAL = Duration.ofMillis(100);

	/** The longest keepalive max lifetime a server accepts: longer would let a vanished client hold resources. */
	public static final Duration MAX_KEEPALIVE_LIFETIME = Duration.ofMinutes(5);

	/**
	 * The longest keepalive interval a server accepts. The server sends its own KEEPALIVE frames and checks the max
	 * lifetime once per interval of the client's SETUP, so this also bounds how late a silent client is noticed:
	 * at most {@code maxLifetime + interval} after its last frame.
	 */
	public static final Duration MAX_KEEPALIVE_INTERVAL = Duration.ofSeconds(60);


	/** The largest frame RSocket's 24-bit length prefix can describe. */
	public static final int MAX_FRAME_LENGTH = 0xFF_FFFF;

	/** The smallest accepted {@code maxPayloadSize}: SETUP and every empty request must fit. */
	public static final int MIN_PAYLOAD_SIZE = 1024;

	/** The defaults of {@link io.peercollab.rsocket.RSocketPeerTransport#tcp()}. */
	public static final TransportSettings DEFAULTS = new TransportSettings("0.0.0.0", 0, Duration.ofSeconds(5),
			Duration.ofSeconds(20), Duration.ofSeconds(60), Duration.ofSeconds(5), 256, 4, 128 * 1024, 1024, 64,
			Duration.ofSeconds(5));

	/**
	 * @throws IllegalArgumentException if a value is out of range; the message names it
	 * @throws NullPointerException if a value is {@code null}
	 */
	public TransportSettings {
		Objects.requireNonNull(host, "host");
		if (host.isBlank()) {
			throw new IllegalArgumentException("host must not be blank");
		}
		if (port < 0 || port > 65535) {
			throw new IllegalArgumentException("port must be between 0 and 65535, was " + port);
		}
		positive(keepAliveInterval, "keepAlive interval");
		positive(keepAliveMaxLifeTime, "keepAlive maxLifeTime");
		if (keepAliveInterval.compareTo(MIN_KEEPALIVE_INTERVAL) < 0
				|| keepAliveInterval.compareTo(MAX_KEEPALIVE_INTERVAL) > 0
				|| keepAliveMaxLifeTime.compareTo(MAX_KEEPALIVE_LIFETIME) > 0) {
			throw new IllegalArgumentException("keepAlive interval must be between " + MIN_KEEPALIVE_INTERVAL.toMillis()
					+ " ms and " + MAX_KEEPALIVE_INTERVAL.toSeconds() + " s and maxLifeTime at most "
					+ MAX_KEEPALIVE_LIFETIME.toMinutes() + " min (servers refuse other values), were " + keepAliveInterval
					+ " and " + keepAliveMaxLifeTime);
		}
		if (keepAliveMaxLifeTime.compareTo(keepAliveInterval) <= 0) {
			throw new IllegalArgumentException("keepAlive maxLifeTime (" + keepAliveMaxLifeTime
					+ ") must be longer than its interval (" + keepAliveInterval + ")");
		}
		positive(idleTimeout, "idleTimeout");
		positive(connectTimeout, "connectTimeout");
		if (maxInboundStreamsPerConnection < 1) {
			throw new IllegalArgumentException(
					"maxInboundStreamsPerConnection must be at least 1, was " + maxInboundStreamsPerConnection);
		}
		if (maxConnectionsPerPeer < 1) {
			throw new IllegalArgumentException("maxConnectionsPerPeer must be at least 1, was " + maxConnectionsPerPeer);
		}
		if (maxPayloadSize < MIN_PAYLOAD_SIZE || maxPayloadSize > MAX_FRAME_LENGTH / 4) {
			throw new IllegalArgumentException("maxPayloadSize must be between " + MIN_PAYLOAD_SIZE + " and "
					+ MAX_FRAME_LENGTH / 4 + " bytes, was " + maxPayloadSize);
		}
		if (maxConnections < 1) {
			throw new IllegalArgumentException("maxConnections must be at least 1, was " + maxConnections);
		}
		if (maxConnectionsPerSource < 1) {
			throw new IllegalArgumentException(
					"maxConnectionsPerSource must be at least 1, was " + maxConnectionsPerSource);
		}
		positive(timeToFirstStream, "timeToFirstStream");
	}

	/** @return a copy with this bind address */
	public TransportSettings withHost(String host) {
		return new TransportSettings(host, port, keepAliveInterval, keepAliveMaxLifeTime, idleTimeout, connectTimeout,
				maxInboundStreamsPerConnection, maxConnectionsPerPeer, maxPayloadSize, maxConnections,
				maxConnectionsPerSource, timeToFirstStream);
	}

	/** @return a copy with this port */
	public TransportSettings withPort(int port) {
		return new TransportSettings(host, port, keepAliveInterval, keepAliveMaxLifeTime, idleTimeout, connectTimeout,
				maxInboundStreamsPerConnection, maxConnectionsPerPeer, maxPayloadSize, maxConnections,
				maxConnectionsPerSource, timeToFirstStream);
	}

	/** @return a copy with these keepalive settings */
	public TransportSettings withKeepAlive(Duration interval, Duration maxLifeTime) {
		return new TransportSettings(host, port, interval, maxLifeTime, idleTimeout, connectTimeout,
				maxInboundStreamsPerConnection, maxConnectionsPerPeer, maxPayloadSize, maxConnections,
				maxConnectionsPerSource, timeToFirstStream);
	}

	/** @return a copy with this idle timeout */
	public TransportSettings withIdleTimeout(Duration idleTimeout) {
		return new TransportSettings(host, port, keepAliveInterval, keepAliveMaxLifeTime, idleTimeout, connectTimeout,
				maxInboundStreamsPerConnection, maxConnectionsPerPeer, maxPayloadSize, maxConnections,
				maxConnectionsPerSource, timeToFirstStream);
	}

	/** @return a copy with this connect timeout */
	public TransportSettings withConnectTimeout(Duration connectTimeout) {
		return new TransportSettings(host, port, keepAliveInterval, keepAliveMaxLifeTime, idleTimeout, connectTimeout,
				maxInboundStreamsPerConnection, maxConnectionsPerPeer, maxPayloadSize, maxConnections,
				maxConnectionsPerSource, timeToFirstStream);
	}

	/** @return a copy with these stream and connection limits */
	public TransportSettings withLimits(int maxInboundStreamsPerConnection, int maxConnectionsPerPeer,
			int maxPayloadSize) {
		return new TransportSettings(host, port, keepAliveInterval, keepAliveMaxLifeTime, idleTimeout, connectTimeout,
				maxInboundStreamsPerConnection, maxConnectionsPerPeer, maxPayloadSize, maxConnections,
				maxConnectionsPerSource, timeToFirstStream);
	}

	/** @return a copy with these bounds on what strangers can hold */
	public TransportSettings withAdmission(int maxConnections, int maxConnectionsPerSource,
			Duration timeToFirstStream) {
		return new TransportSettings(host, port, keepAliveInterval, keepAliveMaxLifeTime, idleTimeout, connectTimeout,
				maxInboundStreamsPerConnection, maxConnectionsPerPeer, maxPayloadSize, maxConnections,
				maxConnectionsPerSource, timeToFirstStream);
	}

	/**
	 * The longest frame read from the wire. Larger than {@link #maxPayloadSize()} on purpose: a peer configured with a
	 * larger limit gets a clean {@code PAYLOAD_TOO_LARGE} error for its stream rather than a closed connection; only a
	 * frame beyond this bound is treated as a protocol violation.
	 *
	 * @return the frame length limit, in bytes
	 */
	public int maxFrameLength() {
		return Math.min(MAX_FRAME_LENGTH, maxPayloadSize * 4 + 1024);
	}

	private static void positive(Duration value, String name) {
		Objects.requireNonNull(value, name);
		if (value.isNegative() || value.isZero()) {
			throw new IllegalArgumentException(name + " must be positive, was " + value);
		}
		if (value.toMillis() < 1) {
			throw new IllegalArgumentException(name + " must be at least one millisecond, was " + value);
		}
	}
}
