// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket.internal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.util.AttributeKey;
import io.peercollab.Diagnostic;
import io.peercollab.IpLiterals;
import io.peercollab.LimitExceededException;
import io.peercollab.TcpAddress;
import io.peercollab.identity.PeerName;
import io.peercollab.internal.flow.Expiries;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * Bounds what strangers can hold at a server: inbound connections in total and per source IP address, counted from
 * the TCP accept (before TLS) to the close, and the time from the accept to the first stream. Reports every
 * connection it refuses or closes, and every request the responders refuse, as a {@link Diagnostic}.
 *
 * <p>A connection beyond {@code maxConnectionsPerSource} is closed at accept, with a reset, before any TLS work. At
 * {@code maxConnections}, a new connection takes the place of the oldest one that has not opened a stream yet, so a
 * flood of silent connections, from however many addresses, cannot lock out a friend, whose client opens its first
 * stream right after SETUP; only when every connection held has opened a stream is the new one closed at accept.
 */
final class InboundConnections {

	/** The channel attribute holding a connection's {@link Connection}. */
	static final AttributeKey<Connection> CONNECTION = AttributeKey.valueOf("peercollab.inbound");

	private static final Logger log = Loggers.getLogger(InboundConnections.class);

	private final int maxConnections;
	private final int maxPerSource;
	private final Duration timeToFirstStream;
	/** The binding's deadlines: each connection's time to first stream is one entry, not a timer task of its own. */
	private final Expiries expiries;
	private final Sinks.Many<Diagnostic> diagnostics = Sinks.many().multicast().directBestEffort();

	private final Object lock = new Object();
	// guarded by lock
	private final Map<InetAddress, Integer> perSource = new HashMap<>();
	// guarded by lock: held connections that opened no stream yet, oldest first
	private final LinkedHashSet<Connection> unproven = new LinkedHashSet<>();
	// guarded by lock
	private int held;

	InboundConnections(TransportSettings settings, Expiries expiries) {
		this(settings.maxConnections(), settings.maxConnectionsPerSource(), settings.timeToFirstStream(), expiries);
	}

	InboundConnections(int maxConnections, int maxPerSource, Duration timeToFirstStream, Expiries expiries) {
		this.maxConnections = maxConnections;
		this.maxPerSource = maxPerSource;
		this.timeToFirstStream = timeToFirstStream;
		this.expiries = expiries;
	}

	/** @return the refusals, hot, without buffering; completes on {@link #complete()} */
	Flux<Diagnostic> diagnostics() {
		return diagnostics.asFlux();
	}

	/** @return how many inbound connections are held now */
	int held() {
		synchronized (lock) {
			return held;
		}
	}

	/**
	 * Admits or refuses a connection just accepted, before TLS: called on its event loop from the channel's
	 * initializer.
	 */
	void admit(Channel channel, SocketAddress remote) {
		InetSocketAddress address = remote instanceof InetSocketAddress a ? a : null;
		InetAddress source = address == null ? null : address.getAddress();
		Connection c = new Connection(channel, address);
		Connection evicted = null;
		LimitExceededException refused = null;
		synchronized (lock) {
			int fromSource = perSource.getOrDefault(source, 0);
			if (fromSource >= maxPerSource) {
				refused = new LimitExceededException("maxConnectionsPerSource (" + maxPerSource + ") reached: "
						+ (source == null ? "this source" : IpLiterals.toString(source)) + " already holds "
						+ fromSource + " connections");
			}
			else if (held >= maxConnections) {
				Iterator<Connection> oldest = unproven.iterator();
				if (oldest.hasNext()) {
					evicted = oldest.next();
					release(evicted);
				}
				else {
					refused = new LimitExceededException("maxConnections (" + maxConnections + ") reached, and "
							+ "every connection held has opened a stream");
				}
			}
			if (refused == null) {
				held++;
				perSource.merge(source, 1, Integer::sum);
				unproven.add(c);
				c.admitted = true;
			}
		}
		if (refused != null) {
			// a reset: no TLS, no FIN handshake, no TIME_WAIT kept for a connection that never was
			channel.config().setOption(ChannelOption.SO_LINGER, 0);
			channel.close();
			report(Diagnostic.Kind.REJECTED_CONNECTION, "refused a connection at accept: " + refused.getMessage(),
					null, address, refused);
			return;
		}
		channel.attr(CONNECTION).set(c);
		expiries.add(c.firstStream, timeToFirstStream);
		channel.closeFuture().addListener(f -> closed(c));
		if (evicted != null) {
			evicted.channel.close();
			LimitExceededException cause = new LimitExceededException("maxConnections (" + maxConnections
					+ ") reached: the oldest connection without a stream gives way to a new one");
			report(Diagnostic.Kind.REJECTED_CONNECTION, "closed a connection: " + cause.getMessage(), evicted.peer,
					evicted.address, cause);
		}
	}

	/** Reports a refusal, with the connection's peer and address when known. */
	void report(Diagnostic.Kind kind, String message, PeerName peer, InetSocketAddress address, Throwable cause) {
		Diagnostic d = new Diagnostic(Instant.now(), kind, message, peer,
				address == null || address.getPort() == 0 ? null : TcpAddress.of(address), cause);
		log.debug("{}", d);
		try {
			// several event loops report at once: retry the non-serialized emission instead of dropping it
			diagnostics.emitNext(d, Sinks.EmitFailureHandler.busyLooping(Duration.ofMillis(100)));
		}
		catch (RuntimeException e) {
			// never into Netty or the timer: the refusal itself has happened, only its report is lost
			log.debug("Could not report {}: {}", d, e.toString());
		}
	}

	/** Completes {@link #diagnostics()}. */
	void complete() {
		diagnostics.emitComplete(Sinks.EmitFailureHandler.busyLooping(Duration.ofMillis(100)));
	}

	private void firstStreamMissed(Connection c) {
		if (c.streamed || !c.channel.isActive()) {
			return;
		}
		c.channel.close();
		LimitExceededException cause = new LimitExceededException("timeToFirstStream ("
				+ timeToFirstStream.toMillis() + " ms) passed without a request");
		report(Diagnostic.Kind.REJECTED_CONNECTION, "closed a connection: " + cause.getMessage(), c.peer, c.address,
				cause);
	}

	private void closed(Connection c) {
		expiries.remove(c.firstStream);
		synchronized (lock) {
			release(c);
		}
	}

	private void streamOpened(Connection c) {
		c.streamed = true;
		expiries.remove(c.firstStream);
		synchronized (lock) {
			unproven.remove(c);
		}
	}

	// under lock
	private void release(Connection c) {
		if (!c.admitted) {
			return;
		}
		c.admitted = false;
		held--;
		perSource.computeIfPresent(c.source(), (k, n) -> n <= 1 ? null : n - 1);
		unproven.remove(c);
	}

	/** One inbound connection, from its TCP accept to its close. */
	final class Connection {

		final Channel channel;
		final InetSocketAddress address;
		/** The name its certificate proved, once its SETUP is accepted. */
		volatile PeerName peer;
		volatile boolean streamed;
		/** Closes the connection if no stream opened within {@code timeToFirstStream} of the accept. */
		final Expiries.Entry firstStream = new Expiries.Entry() {
			@Override
			protected void expired() {
				firstStreamMissed(Connection.this);
			}
		};
		// guarded by lock
		boolean admitted;

		Connection(Channel channel, InetSocketAddress address) {
			this.channel = channel;
			this.address = address;
		}

		InetAddress source() {
			return address == null ? null : address.getAddress();
		}

		/** {@link #tcpAddress()}, made at its first use (benign race: equal values). */
		private TcpAddress tcpAddress;

		/** @return the caller's address as the handler is told it, made once rather than per request */
		TcpAddress tcpAddress() {
			TcpAddress a = tcpAddress;
			if (a == null && address != null) {
				a = TcpAddress.of(address);
				tcpAddress = a;
			}
			return a;
		}

		/** Called for every request on a known route: the first one stops the first-stream timer. */
		void streamOpened() {
			if (!streamed) {
				InboundConnections.this.streamOpened(this);
			}
		}

		/** Its path as this server sees it, once accepted: told to the observer, and changed by the client's hello. */
		private volatile io.peercollab.internal.flow.LiveValue<io.peercollab.ConnectionPath> paths;

		/** @return its path now, then each change; completes when {@link #pathsEnd()} is called */
		reactor.core.publisher.Flux<io.peercollab.ConnectionPath> paths(io.peercollab.ConnectionPath accepted) {
			synchronized (this) {
				if (paths == null) {
					paths = new io.peercollab.internal.flow.LiveValue<>(accepted);
				}
			}
			return paths.changes();
		}

		/** Its path changed (the client dialled another address than the one it was accepted at). */
		void pathChanged(io.peercollab.ConnectionPath path) {
			synchronized (this) {
				if (paths == null) {
					paths = new io.peercollab.internal.flow.LiveValue<>(path);
				}
			}
			paths.set(path);
		}

		/** The connection closed: its path changes no more. */
		void pathsEnd() {
			io.peercollab.internal.flow.LiveValue<io.peercollab.ConnectionPath> p = paths;
			if (p != null) {
				p.close();
			}
		}

		/** Reports a refusal on this connection. */
		void report(Diagnostic.Kind kind, String message, Throwable cause) {
			InboundConnections.this.report(kind, message, peer, address, cause);
		}
	}
}
