// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.resolution;

import java.net.InetAddress;
import java.util.Optional;

import io.peercollab.PeerAddress;
import io.peercollab.PeerEndPoint;
import io.peercollab.TcpAddress;
import io.peercollab.internal.nat.InterfaceWatch;
import io.peercollab.internal.nat.mapping.PortMapper;
import io.peercollab.internal.nat.mapping.PortMapping;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * This endpoint's port-mapped address while it is signed in to {@code INTERNET}: on {@link #start} it has a
 * {@link PortMapper} ask the gateway to forward the listening TCP port (when mapping is allowed, and the transport
 * listens on TCP on the wildcard or a non-loopback address: a gateway cannot forward to loopback), tells
 * {@code changed} whenever the mapped external address appears, moves or goes, and on {@link #stop} deletes the
 * mapping. Each change of the host's interface addresses ({@link InterfaceWatch}) has the mapper delete the mapping
 * and ask again ({@link PortMapper#remap()}): on a new network or a new address the old mapping forwards to an
 * address this host no longer has, or lives on a gateway it no longer sits behind.
 */
public final class PortMappedEndPoint {

	private final boolean allowed;

	private final PortMapper.Settings settings;

	private final Runnable changed;

	private final Flux<?> interfaceChanges;

	private volatile PortMapper mapper;

	private volatile Disposable watch;

	/**
	 * Re-maps when the host's interface addresses change, as the JVM's one poll of them tells
	 * ({@link InterfaceWatch#hostChanges()}, every {@link InterfaceWatch#PERIOD}).
	 *
	 * @param allowed whether the user's configuration allows mapping; {@code false}: nothing is ever asked
	 * @param settings how to ask
	 * @param changed told, on a timer or socket thread, when {@link #endPoint()} changes
	 */
	public PortMappedEndPoint(boolean allowed, PortMapper.Settings settings, Runnable changed) {
		// the first set is the addresses now, not a change
		this(allowed, settings, changed, InterfaceWatch.hostChanges().skip(1));
	}

	/**
	 * @param interfaceChanges emits each time the host's interfaces changed (subscribed while mapping, from
	 *     {@link #start} to {@link #stop}); each emission re-maps
	 */
	public PortMappedEndPoint(boolean allowed, PortMapper.Settings settings, Runnable changed,
			Flux<?> interfaceChanges) {
		this.allowed = allowed;
		this.settings = settings;
		this.changed = changed;
		this.interfaceChanges = interfaceChanges;
	}

	/**
	 * Starts mapping the port of {@code listening}, unless mapping is not allowed, it is running already, or the
	 * address is not one a gateway can forward to. Returns at once.
	 *
	 * @return whether a mapping is now being asked for
	 */
	public synchronized boolean start(PeerAddress listening) {
		if (!allowed || mapper != null || !(listening instanceof TcpAddress tcp)) {
			return false;
		}
		InetAddress address = tcp.address();
		if (address != null && (address.isLoopbackAddress() || address.isLinkLocalAddress())) {
			return false;
		}
		PortMapper started = PortMapper.start(tcp.port(), settings);
		mapper = started;
		started.mappings().skip(1).subscribe(m -> changed.run());
		watch = interfaceChanges.subscribe(change -> started.remap(), e -> { });
		return true;
	}

	/** @return the mapped external address as an endpoint, while there is one */
	public Optional<PeerEndPoint> endPoint() {
		PortMapper m = mapper;
		return m == null ? Optional.empty()
				: m.current().map(PortMapping::external).map(PeerEndPoint::of);
	}

	/** @return how many times a change of the interfaces had the mapping deleted and asked for again */
	public long remaps() {
		PortMapper m = mapper;
		return m == null ? 0 : m.remaps();
	}

	/** @return completes once the mapping is deleted (or given up after 5 s); never fails */
	public Mono<Void> stop() {
		PortMapper m;
		synchronized (this) {
			m = mapper;
			mapper = null;
			Disposable w = watch;
			watch = null;
			if (w != null) {
				w.dispose();
			}
		}
		return m == null ? Mono.empty() : m.close();
	}
}
