// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.peer;

import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;

import io.peercollab.ConnectionPath;
import io.peercollab.identity.PeerName;
import io.peercollab.internal.flow.SerialSink;
import io.peercollab.spi.PeerConnection;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * How this endpoint is connected to each peer, as {@link io.peercollab.Peer#path()} shows it: the connections it
 * opened to a peer's name that are still open, each with the path its transport reports
 * ({@link PeerConnection#pathChanges()}), and the most direct of them ({@link ConnectionPath#rank()}). The engine
 * relays what the transport says and never looks at addresses: it does not know about NATs.
 *
 * <p>What it holds is bounded by the connections open: a connection leaves when its path stream completes (the
 * connection closed).
 */
public final class PeerPaths {

	// guarded by itself
	private final Map<PeerName, Map<PeerConnection, ConnectionPath>> open = new HashMap<>();
	/**
	 * The name of a peer whose paths changed, as it happens; a change can come from a transport's thread that is itself
	 * inside an emission (a connection's path stream).
	 */
	private final SerialSink<PeerName> changed = new SerialSink<>(Sinks.many().multicast().directBestEffort());

	/**
	 * Follows the path of {@code connection}, a connection this endpoint opened that proved {@code name}, until it
	 * closes. A connection already followed is not followed twice.
	 */
	public void opened(PeerName name, PeerConnection connection) {
		synchronized (open) {
			Map<PeerConnection, ConnectionPath> ofPeer = open.computeIfAbsent(name, k -> new IdentityHashMap<>());
			if (ofPeer.containsKey(connection)) {
				return;
			}
			ofPeer.put(connection, connection.path());
		}
		changed.next(name);
		Flux.defer(connection::pathChanges)
				.onErrorResume(e -> Mono.empty())
				.subscribe(path -> update(name, connection, path), e -> { }, () -> closed(name, connection));
	}

	private void update(PeerName name, PeerConnection connection, ConnectionPath path) {
		synchronized (open) {
			Map<PeerConnection, ConnectionPath> ofPeer = open.get(name);
			if (ofPeer == null || !ofPeer.containsKey(connection) || path.equals(ofPeer.get(connection))) {
				return;
			}
			ofPeer.put(connection, path);
		}
		changed.next(name);
	}

	private void closed(PeerName name, PeerConnection connection) {
		synchronized (open) {
			Map<PeerConnection, ConnectionPath> ofPeer = open.get(name);
			if (ofPeer == null || ofPeer.remove(connection) == null) {
				return;
			}
			if (ofPeer.isEmpty()) {
				open.remove(name);
			}
		}
		changed.next(name);
	}

	/**
	 * @return the most direct path of the connections open to {@code name}, or {@link ConnectionPath#NOT_CONNECTED}
	 * if none is open
	 */
	public ConnectionPath path(PeerName name) {
		ConnectionPath best = ConnectionPath.NOT_CONNECTED;
		synchronized (open) {
			Map<PeerConnection, ConnectionPath> ofPeer = open.get(name);
			if (ofPeer != null) {
				for (Map.Entry<PeerConnection, ConnectionPath> e : ofPeer.entrySet()) {
					if (!e.getKey().isDisposed() && e.getValue().rank() < best.rank()) {
						best = e.getValue();
					}
				}
			}
		}
		return best;
	}

	/**
	 * @return {@link #path(PeerName)} now, then each time it changes; never completes; the latest wins for a
	 * subscriber that does not keep up
	 */
	public Flux<ConnectionPath> changes(PeerName name) {
		// the path is read after the merge, in its order, so that the last value emitted is read after the last change
		return Flux.merge(changed.asFlux().filter(name::equals), Mono.just(name))
				.map(this::path)
				.distinctUntilChanged()
				.onBackpressureLatest();
	}
}
