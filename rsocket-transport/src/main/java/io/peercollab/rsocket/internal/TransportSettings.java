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
 */
public record TransportSettings(String host, int port, Duration keepAliveInterval, Duration keepAliveMaxLifeTime,
		Duration idleTimeout, Duration connectTimeout, int maxInboundStreamsPerConnection, int maxConnectionsPerPeer,
		int maxPayloadSize) {
	/**
	 * The shortest keepalive interval a server accepts in a client's SETUP: faster would be a flood of frames. The
	 * server side of a connection uses the client's values, so it bounds them.
	 */
	public static final Duration MIN_KEEPALIVE_INTERVAL = Duration.ofMillis(100);

	/** The longest keepalive max lifetime a server accepts: longer would let a vanished client hold resources. */
	public static final Duration MAX_KEEPALIVE_LIFETIME = Duration.ofMinutes(5);


	/** The largest frame RSocket's 24-bit length prefix can describe. */
	public static final int MAX_FRAME_LENGTH = 0xFF_FFFF;

	/** The smallest accepted {@code maxPayloadSize}: SETUP and every empty request must fit. */
	public static final int MIN_PAYLOAD_SIZE = 1024;

	/** The defaults of {@link io.peercollab.rsocket.RSocketPeerTransport#tcp()}. */
	public static final TransportSettings DEFAULTS = new TransportSettings("0.0.0.0", 0, Duration.ofSeconds(5),
			Duration.ofSeconds(20), Duration.ofSeconds(60), Duration.ofSeconds(5), 256, 4, 128 * 1024);

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
				|| keepAliveMaxLifeTime.compareTo(MAX_KEEPALIVE_LIFETIME) > 0) {
			throw new IllegalArgumentException("keepAlive interval must be at least " + MIN_KEEPALIVE_INTERVAL.toMillis()
					+ " ms and maxLifeTime at most " + MAX_KEEPALIVE_LIFETIME.toMinutes() + " min (servers refuse other "
					+ "values), were " + keepAliveInterval + " and " + keepAliveMaxLifeTime);
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
