// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.peer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import io.peercollab.ApplicationChange;
import io.peercollab.ChangeType;
import io.peercollab.EndPointChange;
import io.peercollab.ObjectChange;
import io.peercollab.PeerApplication;
import io.peercollab.PeerEndPoint;
import io.peercollab.PeerEvent;
import io.peercollab.PeerObject;
import io.peercollab.PresenceChange;
import io.peercollab.PresenceInfo;
import io.peercollab.RemoteEndPoint;
import io.peercollab.contact.PeerContact;
import io.peercollab.identity.PeerName;
import io.peercollab.internal.card.ContactCardCodec;
import io.peercollab.internal.flow.StateFanout;
import io.peercollab.spi.PeerConnection;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

/**
 * The watches behind {@link io.peercollab.Peer#endPointChanges()}: one per peer (the same name reached the same way),
 * shared by every local subscriber and reference-counted. A watch looks for the peer's endpoints when its first
 * subscriber arrives, every {@link #RESCAN} and when asked ({@link #rescan}); it follows each endpoint it reaches over
 * one remote stream, and drops it when that stream ends or fails, or sends no {@code Synced} within
 * {@link #ESTABLISH_TIMEOUT}. No subscriber code runs under a watch's lock ({@link StateFanout}).
 */
final class EndPointWatches {

	/** How often a watch looks for endpoints that appeared. */
	static final Duration RESCAN = Duration.ofSeconds(30);
	/** How long an endpoint that was reached may take to send its state before it is dropped. */
	static final Duration ESTABLISH_TIMEOUT = Duration.ofSeconds(10);
	/** How many changes one subscriber may fall behind. */
	static final int BUFFER = 1_024;

	private final Map<SharedFollows.Key, Watch> watches = new ConcurrentHashMap<>();
	private final Scheduler timer;

	EndPointWatches(Scheduler timer) {
		this.timer = timer;
	}

	/** @return the endpoint changes of {@code peer}, through the watch shared with its other subscribers */
	Flux<EndPointChange> changes(SharedFollows.Key key, RemotePeer peer) {
		return Flux.defer(() -> {
			for (;;) {
				Watch w = watches.computeIfAbsent(key, k -> new Watch(k, peer));
				if (w.acquire()) {
					return w.fanout.stream(w::snapshot).doFinally(s -> w.release());
				}
				watches.remove(key, w);
			}
		});
	}

	/** Makes every watch of {@code name} look for its endpoints now. */
	void rescan(PeerName name) {
		watches.forEach((k, w) -> {
			if (k.name().equals(name)) {
				w.rescan.tryEmitNext(Boolean.TRUE);
			}
		});
	}

	/** One peer's endpoints and their subscribers. */
	final class Watch {

		private final SharedFollows.Key key;
		private final RemotePeer peer;
		final StateFanout<EndPointChange> fanout = new StateFanout<>(this, BUFFER);
		final Sinks.Many<Boolean> rescan = Sinks.many().multicast().directBestEffort();
		private final Disposable.Composite running = Disposables.composite();
		// guarded by this
		private final Map<String, RemoteEndPoint> endPoints = new LinkedHashMap<>();
		private int refs;
		private boolean closed;

		Watch(SharedFollows.Key key, RemotePeer peer) {
			this.key = key;
			this.peer = peer;
		}

		/** @return false if the watch closed (its last subscriber left): the caller makes a new one */
		boolean acquire() {
			synchronized (this) {
				if (closed) {
					return false;
				}
				if (refs++ > 0) {
					return true;
				}
			}
			running.add(Flux.merge(Flux.interval(Duration.ZERO, RESCAN, timer), rescan.asFlux())
					.onBackpressureDrop()
					.concatMap(tick -> peer.reachAll().doOnNext(this::found).then(), 1)
					.subscribe());
			return true;
		}

		void release() {
			synchronized (this) {
				if (--refs > 0) {
					return;
				}
				closed = true;
				endPoints.clear();
			}
			watches.remove(key, this);
			running.dispose();
		}

		List<EndPointChange> snapshot() {
			List<EndPointChange> out = new ArrayList<>(endPoints.size());
			for (RemoteEndPoint e : endPoints.values()) {
				out.add(new EndPointChange(ChangeType.ADDED, e));
			}
			return out;
		}

		/** A connection proved the peer's key: follow its endpoint unless it is followed already. */
		private void found(PeerConnection c) {
			String instance = c.remoteInstance();
			RemoteEndPoint first = new RemoteEndPoint(instance, PeerEndPoint.of(c.remoteAddress()),
					peer.announcedName(c.remoteAddress()), "",
					PresenceInfo.OFFLINE, List.of(), List.of());
			try {
				synchronized (this) {
					if (closed || endPoints.containsKey(instance)) {
						return;
					}
					endPoints.put(instance, first);
					fanout.emit(new EndPointChange(ChangeType.ADDED, first));
				}
			}
			finally {
				fanout.drain();
			}
			Followed f = new Followed(instance);
			f.card = c.card().map(ContactCardCodec::fromXml).subscribe(f::card, e -> {
				// a card that cannot be read leaves the names unknown; the endpoint stays
			});
			f.events = c.events(-1)
					.mergeWith(Mono.delay(ESTABLISH_TIMEOUT, timer).then(Mono.defer(() -> f.synced ? Mono.empty()
							: Mono.error(new java.util.concurrent.TimeoutException(peer.name() + " at " + instance
									+ " sent no state within " + ESTABLISH_TIMEOUT.toMillis() + " ms")))))
					.subscribe(f::event, e -> f.left(), f::left);
			running.add(f.card);
			if (!running.add(f.events)) {
				f.card.dispose();
			}
		}

		/** What one endpoint's remote stream says, applied to its entry. */
		private final class Followed {

			private final String instance;
			volatile boolean synced;
			volatile Disposable card;
			volatile Disposable events;
			// the stream's pipeline only
			private PresenceInfo presence = PresenceInfo.OFFLINE;
			private final Map<UUID, PeerApplication> apps = new LinkedHashMap<>();
			private final Map<UUID, PeerObject> objects = new LinkedHashMap<>();

			Followed(String instance) {
				this.instance = instance;
			}

			void event(PeerEvent e) {
				if (e instanceof PresenceChange p) {
					presence = p.type() == ChangeType.REMOVED ? PresenceInfo.OFFLINE : p.presence();
				}
				else if (e instanceof ApplicationChange || e instanceof ObjectChange) {
					PeerEvents.applyItem(e, apps, objects);
				}
				else if (e instanceof PeerEvent.Synced) {
					synced = true;
				}
				if (synced) {
					PresenceInfo p = presence;
					List<PeerApplication> a = List.copyOf(apps.values());
					List<PeerObject> o = List.copyOf(objects.values());
					update(old -> new RemoteEndPoint(instance, old.endPoint(), old.name(), old.nickname(), p, a, o));
				}
			}

			void card(PeerContact card) {
				update(old -> new RemoteEndPoint(instance, old.endPoint(), old.name(), card.nickname(), old.presence(),
						old.applications(), old.objects()));
			}

			void left() {
				Disposable e = events;
				if (e != null) {
					running.remove(e);
				}
				Disposable c = card;
				if (c != null) {
					running.remove(c);
					c.dispose();
				}
				try {
					synchronized (Watch.this) {
						RemoteEndPoint last = endPoints.remove(instance);
						if (last != null && !closed) {
							fanout.emit(new EndPointChange(ChangeType.REMOVED, last));
						}
					}
				}
				finally {
					fanout.drain();
				}
			}

			private void update(java.util.function.UnaryOperator<RemoteEndPoint> change) {
				try {
					synchronized (Watch.this) {
						RemoteEndPoint old = endPoints.get(instance);
						if (old == null || closed) {
							return;
						}
						RemoteEndPoint now = change.apply(old);
						if (!now.equals(old)) {
							endPoints.put(instance, now);
							fanout.emit(new EndPointChange(ChangeType.UPDATED, now));
						}
					}
				}
				finally {
					fanout.drain();
				}
			}
		}
	}
}
